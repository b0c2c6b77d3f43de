/**
 * Test images for the runtime tests, built from Debian's busybox-static: the builder, a loopback
 * registry serving them, and {@link testImages}, which builds the tarballs once per test process
 * into a temporary directory removed when the process ends.
 *
 * @module
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildImage, buildTestImages, type TestImage, type TestImages } from "./build.ts";

export * from "./build.ts";
export { startTestRegistry, type TestRegistry, type TestRegistryOptions } from "./registry.ts";

let built: Promise<TestImages & { dir: string; removable: TestImage }> | undefined;

/**
 * busybox, pause and a third tag the conformance suite may delete
 * (`docker.io/library/busybox:removable`), built once per test process.
 */
export function testImages(): Promise<TestImages & { dir: string; removable: TestImage }> {
  built ??= (async () => {
    const dir = mkdtempSync(join(tmpdir(), "k3s-test-images-"));
    globalThis.addEventListener("unload", () => rmSync(dir, { recursive: true, force: true }));
    const images = await buildTestImages(dir);
    const removable = await buildImage(dir, "removable.tar", REMOVABLE_IMAGE);
    return { ...images, removable, dir };
  })();
  return built;
}

export const REMOVABLE_IMAGE = "docker.io/library/busybox:removable";

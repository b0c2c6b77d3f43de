/**
 * Test images made from Debian's `busybox-static` (`/bin/busybox`), no registry needed: Docker
 * archive tarballs (`docker save` format: `manifest.json` with `RepoTags`, the image config, one
 * layer tar) that `ctr images import` and K3s's airgap import load as they are.
 *
 * - {@link BUSYBOX_IMAGE}: `/bin/busybox`, a symlink per applet (`sh`, `ls`, `cat`, `sleep`,
 *   `httpd`, `nc`, `wget`, `ip`, ...), `/etc/passwd` and `/etc/group`; `Cmd ["sh"]`.
 * - {@link PAUSE_IMAGE}: the same layer with an entrypoint that sleeps until SIGTERM, standing in
 *   for K3s's default sandbox image (`--pause-image`).
 *
 * The tarballs are deterministic (fixed times and order), so both share one layer digest and a
 * rebuild gives the same image ids. {@link buildTestImages} writes them once per directory.
 *
 * @module
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { mkdir, rename, writeFile } from "node:fs/promises";
import { arch } from "node:os";
import { join } from "node:path";
import { tar, type TarEntry } from "./tar.ts";

export const BUSYBOX_BINARY = "/bin/busybox";
export const BUSYBOX_IMAGE = "docker.io/library/busybox:test";
/** K3s's default `--pause-image` name, so a config rendered with defaults finds it. */
export const PAUSE_IMAGE = "docker.io/rancher/mirrored-pause:3.6";

const PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
const CREATED = "1970-01-01T00:00:00Z";

/** PID 1 of the pause image: exits on SIGTERM/SIGINT, otherwise sleeps forever. */
const PAUSE_SCRIPT = "trap 'exit 0' TERM INT; while :; do sleep 3600 & wait $!; done";

export interface TestImage {
  /** Image reference, e.g. `docker.io/library/busybox:test`. */
  ref: string;
  /** Path of the Docker archive tarball. */
  path: string;
  /** `sha256:<config digest>`: the image id the runtime reports. */
  id: string;
}

export interface TestImages {
  busybox: TestImage;
  pause: TestImage;
}

/**
 * Writes `busybox.tar` and `pause.tar` into `dir` unless they are already there, and describes
 * them. Concurrent callers are safe: each file appears by an atomic rename.
 */
export async function buildTestImages(dir: string): Promise<TestImages> {
  return {
    busybox: await buildImage(dir, "busybox.tar", BUSYBOX_IMAGE, { Cmd: ["sh"] }),
    pause: await buildImage(dir, "pause.tar", PAUSE_IMAGE, {
      Entrypoint: ["/bin/sh", "-c", PAUSE_SCRIPT],
    }),
  };
}

/** Writes `dir/file`, the busybox layer tagged `ref` with `config`, unless it is there. */
export async function buildImage(
  dir: string,
  file: string,
  ref: string,
  config: { Cmd?: string[]; Entrypoint?: string[] } = { Cmd: ["sh"] },
): Promise<TestImage> {
  if (!existsSync(BUSYBOX_BINARY)) {
    throw new Error(`${BUSYBOX_BINARY} is missing: install busybox-static (apt-get install)`);
  }
  await mkdir(dir, { recursive: true });
  return await writeOnce(join(dir, file), ref, dockerArchive(ref, busyboxLayer(), config));
}

async function writeOnce(
  path: string,
  ref: string,
  archive: { bytes: Uint8Array; id: string },
): Promise<TestImage> {
  if (!existsSync(path)) {
    const temporary = `${path}.${crypto.randomUUID()}.tmp`;
    await writeFile(temporary, archive.bytes);
    await rename(temporary, path);
  }
  return { ref, path, id: archive.id };
}

/** The root filesystem: busybox, its applets as symlinks, and the usual empty directories. */
export function busyboxLayer(): Uint8Array {
  const applets = execFileSync(BUSYBOX_BINARY, ["--list"], { encoding: "utf8" })
    .split("\n")
    .map((name) => name.trim())
    .filter((name) => name && name !== "busybox" && !name.includes("/"))
    .sort();
  const entries: TarEntry[] = [
    { type: "dir", name: "bin" },
    { type: "file", name: "bin/busybox", data: readFileSync(BUSYBOX_BINARY), mode: 0o755 },
    ...applets.map((name): TarEntry => ({
      type: "symlink",
      name: `bin/${name}`,
      target: "busybox",
    })),
    { type: "dir", name: "dev" },
    { type: "dir", name: "etc" },
    { type: "file", name: "etc/group", data: text("root:x:0:\nnobody:x:65534:\n") },
    {
      type: "file",
      name: "etc/passwd",
      data: text("root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\n"),
    },
    { type: "dir", name: "home" },
    { type: "dir", name: "proc" },
    { type: "dir", name: "root", mode: 0o700 },
    { type: "dir", name: "sys" },
    { type: "dir", name: "tmp", mode: 0o1777 },
    { type: "dir", name: "usr" },
    { type: "dir", name: "var" },
    { type: "dir", name: "var/www" },
  ];
  return tar(entries);
}

/** The image config JSON of a single-layer image, and the digests (hex) of config and layer. */
export function imageConfig(
  layer: Uint8Array,
  config: { Cmd?: string[]; Entrypoint?: string[] },
): { bytes: Uint8Array; digest: string; layerDigest: string } {
  const layerDigest = sha256(layer);
  const bytes = text(JSON.stringify({
    architecture: ociArch(),
    os: "linux",
    created: CREATED,
    config: { Env: [PATH], WorkingDir: "/", ...config },
    rootfs: { type: "layers", diff_ids: [`sha256:${layerDigest}`] },
    history: [{ created: CREATED, created_by: "k3s tests/images: busybox-static" }],
  }));
  return { bytes, digest: sha256(bytes), layerDigest };
}

/** A `docker save` archive of one single-layer image tagged `ref`. */
export function dockerArchive(
  ref: string,
  layer: Uint8Array,
  config: { Cmd?: string[]; Entrypoint?: string[] },
): { bytes: Uint8Array; id: string } {
  const image = imageConfig(layer, config);
  const manifest = text(JSON.stringify([
    {
      Config: `${image.digest}.json`,
      RepoTags: [ref],
      Layers: [`${image.layerDigest}/layer.tar`],
    },
  ]));
  const bytes = tar([
    { type: "file", name: `${image.digest}.json`, data: image.bytes },
    { type: "dir", name: image.layerDigest },
    { type: "file", name: `${image.layerDigest}/VERSION`, data: text("1.0") },
    { type: "file", name: `${image.layerDigest}/layer.tar`, data: layer },
    { type: "file", name: "manifest.json", data: manifest },
  ]);
  return { bytes, id: `sha256:${image.digest}` };
}

/** The OCI architecture name of this machine. */
function ociArch(): string {
  const names: Record<string, string> = { x64: "amd64", arm64: "arm64", arm: "arm" };
  return names[arch()] ?? arch();
}

/** Hex SHA-256 of `bytes`. */
export function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

function text(value: string): Uint8Array {
  return new TextEncoder().encode(value);
}

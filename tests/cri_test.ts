/**
 * The CRI client and the embedded containerd on the real thing: Debian's containerd and runc,
 * started from the rendered config in a temporary data dir with its own root, state, socket and
 * network namespace, images built from busybox-static. Every containerd is stopped by PID and
 * its mounts and namespace removed at the end of its test, also on failure.
 *
 * @module
 */
import assert from "node:assert/strict";
import { copyFile, mkdir, readFile, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import process from "node:process";
import { gzipSync, zstdCompressSync } from "node:zlib";
import { setTimeout as sleep } from "node:timers/promises";
import { GrpcCriClient, RuntimeUnavailableError } from "../cri/mod.ts";
import {
  startTestContainerd,
  type TestContainerd,
  type TestContainerdOptions,
} from "../agent/containerd/test_containerd.ts";
import { importAirgapImages } from "../agent/images/mod.ts";
import { silentLogger } from "../kube/client/log.ts";
import { criConformance } from "./cri_conformance.ts";
import { PAUSE_IMAGE, startTestRegistry, testImages } from "./images/mod.ts";

/** Runs `body` with a test containerd that is always stopped afterwards. */
async function withContainerd(
  options: TestContainerdOptions,
  body: (containerd: TestContainerd) => Promise<void>,
): Promise<void> {
  const containerd = await startTestContainerd(options);
  try {
    await body(containerd);
  } finally {
    await containerd.stop();
  }
}

Deno.test({
  name: "GrpcCriClient on containerd passes the CRI conformance suite",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const images = await testImages();
    const tarballs = [images.busybox.path, images.pause.path, images.removable.path];
    await withContainerd({ imageTarballs: tarballs, podSubnet: "10.88.0.0/24" }, async (c) => {
      assert.ok(
        c.log.lines.some((l) => /^INFO Imported images from .*busybox\.tar in \d+ ms$/.test(l)),
        c.log.lines.join("\n"),
      );
      // K3s's default --pause-image names the locally built pause image.
      const config = await readFile(join(c.dataDir, "agent/etc/containerd/config.toml"), "utf8");
      assert.match(config, /sandbox_image = "rancher\/mirrored-pause:3\.6"/);
      assert.equal(PAUSE_IMAGE, "docker.io/rancher/mirrored-pause:3.6");
      await criConformance(t, {
        runtime: c.client,
        images: c.client,
        busyboxImage: images.busybox.ref,
        removableImage: images.removable.ref,
        logDir: c.podLogDir,
        podSubnet: "10.88.0.0/24",
      });
    });
  },
});

Deno.test("GrpcCriClient names the endpoint when the runtime cannot be reached", async () => {
  const endpoint = `unix:///tmp/k3s-missing-${crypto.randomUUID()}.sock`;
  const client = new GrpcCriClient({ endpoint, timeoutMs: 5_000 });
  try {
    await assert.rejects(client.version(), (error: Error) => {
      assert.ok(error instanceof RuntimeUnavailableError, String(error));
      assert.equal(error.endpoint, endpoint);
      assert.ok(
        error.message.startsWith(`Cannot reach the container runtime at ${endpoint}: `),
        error.message,
      );
      return true;
    });
  } finally {
    client.close();
  }
});

Deno.test({
  name: "the supervisor restarts a killed containerd, and the same client reaches it again",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await withContainerd({ podSubnet: null }, async (c) => {
      const supervisor = c.runtime.supervisor!;
      const first = supervisor.pid!;
      assert.ok(first > 0);
      assert.equal((await c.client.version()).runtimeName, "containerd");
      process.kill(first, "SIGKILL");
      const deadline = Date.now() + 30_000;
      while (supervisor.pid === undefined || supervisor.pid === first) {
        assert.ok(Date.now() < deadline, "containerd was not started again");
        await sleep(50);
      }
      assert.notEqual(supervisor.pid, first);
      assert.equal(supervisor.restarts, 1);
      await supervisor.waitReady(30_000);
      assert.equal((await c.client.version()).runtimeName, "containerd");
      assert.ok(
        c.log.lines.some((l) =>
          /^ERROR containerd was killed by SIGKILL; restarting it in/.test(l)
        ),
        c.log.lines.join("\n"),
      );
      const second = supervisor.pid!;
      await supervisor.stop();
      assert.equal(supervisor.pid, undefined);
      assert.throws(() => process.kill(second, 0), "containerd still runs after stop()");
      await assert.rejects(
        c.client.version(undefined, { timeoutMs: 5_000 }),
        RuntimeUnavailableError,
      );
    });
  },
});

Deno.test({
  name: "airgap import loads each tarball once, again after it changes, and skips bad ones",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const images = await testImages();
    await withContainerd({ podSubnet: null }, async (c) => {
      const dir = join(c.dataDir, "airgap");
      await mkdir(dir);
      await copyFile(images.busybox.path, join(dir, "busybox.tar"));
      const removable = await readFile(images.removable.path);
      await writeFile(join(dir, "removable.tar.gz"), gzipSync(removable));
      await writeFile(
        join(dir, "pause.tar.zst"),
        zstdCompressSync(await readFile(images.pause.path)),
      );
      await writeFile(join(dir, "broken.tar"), "this is not a tarball");
      await writeFile(join(dir, "old.tar.bz2"), "unsupported");
      await writeFile(join(dir, "notes.md"), "not an image");
      for (const image of [images.busybox, images.removable, images.pause]) {
        await c.client.removeImage({ image: image.ref });
      }
      const options = { imagesDir: dir, address: c.address, log: silentLogger };

      const first = await importAirgapImages(options);
      assert.deepEqual(first.map((o) => [o.file, o.status, o.images]), [
        ["broken.tar", "failed", []],
        ["busybox.tar", "imported", [images.busybox.ref]],
        ["old.tar.bz2", "unsupported", []],
        ["pause.tar.zst", "imported", [images.pause.ref]],
        ["removable.tar.gz", "imported", [images.removable.ref]],
      ]);
      for (const image of [images.busybox, images.removable, images.pause]) {
        const { image: found } = await c.client.imageStatus({ image: image.ref });
        assert.equal(found?.id, image.id, `${image.ref} is not in the runtime`);
      }
      const cache = JSON.parse(await readFile(join(dir, ".cache.json"), "utf8"));
      assert.deepEqual(Object.keys(cache.files).sort(), [
        "busybox.tar",
        "pause.tar.zst",
        "removable.tar.gz",
      ]);

      await c.client.removeImage({ image: images.busybox.ref });
      const second = await importAirgapImages(options);
      assert.deepEqual(second.map((o) => [o.file, o.status]), [
        ["broken.tar", "failed"],
        ["busybox.tar", "skipped"],
        ["old.tar.bz2", "unsupported"],
        ["pause.tar.zst", "skipped"],
        ["removable.tar.gz", "skipped"],
      ]);
      assert.equal((await c.client.imageStatus({ image: images.busybox.ref })).image, undefined);

      const later = new Date(Date.now() + 60_000);
      await utimes(join(dir, "busybox.tar"), later, later);
      const third = await importAirgapImages(options);
      assert.equal(third.find((o) => o.file === "busybox.tar")?.status, "imported");
      assert.ok((await c.client.imageStatus({ image: images.busybox.ref })).image);
    });
  },
});

Deno.test({
  name: "images are pulled through a registries.yaml mirror, with its credentials",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const auth = { username: "k3s", password: `secret-${crypto.randomUUID().slice(0, 6)}` };
    const registry = await startTestRegistry({ tags: ["mirrored"], auth });
    const registriesYaml = [
      "mirrors:",
      "  registry.invalid:",
      `    endpoint: ["${registry.host}"]`,
      "configs:",
      `  "${registry.host}":`,
      `    auth: { username: ${auth.username}, password: ${auth.password} }`,
    ].join("\n");
    try {
      // The registry listens on the host's loopback, so containerd shares the host network.
      await withContainerd({ registriesYaml, ownNetns: false, podSubnet: null }, async (c) => {
        const hosts = await readFile(
          join(c.dataDir, "agent/etc/containerd/certs.d/registry.invalid/hosts.toml"),
          "utf8",
        );
        assert.match(hosts, new RegExp(`\\[host\\."http://${registry.host}/v2"\\]`));
        const image = "registry.invalid/library/busybox:mirrored";
        const ref = await c.client.pullImage({ image });
        assert.equal(ref, registry.imageId);
        const { image: pulled } = await c.client.imageStatus({ image });
        assert.deepEqual(pulled?.repoTags, [image]);
        // Asked without credentials first, then with those of registries.yaml.
        assert.ok(
          registry.requests.some((r) =>
            / \/v2\/library\/busybox\/manifests\/mirrored 401$/.test(r)
          ),
        );
        assert.ok(
          registry.requests.includes(`GET /v2/library/busybox/blobs/${registry.layerDigest} 200`),
        );
        await assert.rejects(
          c.client.pullImage({ image: "registry.invalid/library/busybox:missing" }),
          /Cannot PullImage: /,
        );
      });
    } finally {
      await registry.close();
    }
  },
});

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildTestImages, BUSYBOX_IMAGE, busyboxLayer, PAUSE_IMAGE, sha256 } from "./build.ts";
import { tar } from "./tar.ts";

const tarList = (path: string) => execFileSync("tar", ["-tvf", path], { encoding: "utf8" });
const tarRead = (path: string, member: string) =>
  execFileSync("tar", ["-xOf", path, member], { maxBuffer: 64 << 20 });

Deno.test("tar() writes archives GNU tar reads: files, modes, symlinks, long names", async () => {
  const dir = await mkdtemp(join(tmpdir(), "k3s-tar-"));
  try {
    const long = `${"d".repeat(90)}/${"f".repeat(60)}`;
    const path = join(dir, "t.tar");
    await writeFile(
      path,
      tar([
        { type: "dir", name: "bin" },
        {
          type: "file",
          name: "bin/tool",
          data: new TextEncoder().encode("#!/bin/sh\n"),
          mode: 0o755,
        },
        { type: "symlink", name: "bin/alias", target: "tool" },
        { type: "dir", name: "tmp", mode: 0o1777 },
        { type: "file", name: long, data: new Uint8Array(513) },
      ]),
    );
    const lines = tarList(path).trim().split("\n");
    assert.match(lines[0], /^drwxr-xr-x root\/root +0 1970-01-01 00:00 bin\/$/);
    assert.match(lines[1], /^-rwxr-xr-x root\/root +10 .* bin\/tool$/);
    assert.match(lines[2], /^lrwxrwxrwx .* bin\/alias -> tool$/);
    assert.match(lines[3], /^drwxrwxrwt .* tmp\/$/);
    assert.match(lines[4], new RegExp(` 513 .* ${long}$`));
    assert.equal(tarRead(path, "bin/tool").toString(), "#!/bin/sh\n");
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

Deno.test("buildTestImages() writes docker archives of busybox and pause, the same each time", async () => {
  const dir = await mkdtemp(join(tmpdir(), "k3s-images-"));
  try {
    const images = await buildTestImages(join(dir, "a"));
    const again = await buildTestImages(join(dir, "b"));
    assert.deepEqual(await readFile(images.busybox.path), await readFile(again.busybox.path));
    assert.notEqual(images.busybox.id, images.pause.id);

    const manifest = JSON.parse(tarRead(images.busybox.path, "manifest.json").toString());
    assert.equal(manifest.length, 1);
    assert.deepEqual(manifest[0].RepoTags, [BUSYBOX_IMAGE]);
    const config = tarRead(images.busybox.path, manifest[0].Config);
    assert.equal(`sha256:${sha256(config)}`, images.busybox.id);
    const parsed = JSON.parse(config.toString());
    assert.deepEqual(parsed.config.Cmd, ["sh"]);
    assert.match(parsed.config.Env[0], /^PATH=.*\/bin/);
    const layer = tarRead(images.busybox.path, manifest[0].Layers[0]);
    assert.deepEqual(parsed.rootfs.diff_ids, [`sha256:${sha256(layer)}`]);
    const layerPath = join(dir, "layer.tar");
    await writeFile(layerPath, layer);
    const listing = tarList(layerPath);
    assert.match(listing, /^-rwxr-xr-x .* bin\/busybox$/m);
    for (const applet of ["sh", "ls", "cat", "sleep", "httpd", "nc", "wget", "ip"]) {
      assert.match(listing, new RegExp(`^l.* bin/${applet} -> busybox$`, "m"), applet);
    }
    assert.match(listing, /^drwxrwxrwt .* tmp\/$/m);

    const pause = JSON.parse(tarRead(images.pause.path, "manifest.json").toString());
    assert.deepEqual(pause[0].RepoTags, [PAUSE_IMAGE]);
    const pauseConfig = JSON.parse(tarRead(images.pause.path, pause[0].Config).toString());
    assert.equal(pauseConfig.config.Entrypoint[0], "/bin/sh");
    assert.match(pauseConfig.config.Entrypoint[2], /trap 'exit 0' TERM/);
    assert.deepEqual(pauseConfig.rootfs.diff_ids, parsed.rootfs.diff_ids);
    assert.equal(sha256(busyboxLayer()), sha256(layer));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

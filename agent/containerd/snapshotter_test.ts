import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { chooseSnapshotter, overlaySupported } from "./snapshotter.ts";

const run = promisify(execFile);
const works = () => Promise.resolve(null);
const fails = () => Promise.resolve("wrong fs type");

Deno.test("chooseSnapshotter() defaults to overlayfs and falls back to native with a warning", async () => {
  const warnings: string[] = [];
  const warn = (m: string) => warnings.push(m);
  assert.equal(await chooseSnapshotter({ root: "/r", check: works, warn }), "overlayfs");
  assert.deepEqual(warnings, []);
  assert.equal(await chooseSnapshotter({ root: "/r", check: fails, warn }), "native");
  assert.deepEqual(warnings, [
    "overlayfs does not work in /r (wrong fs type); using native snapshotter",
  ]);
});

Deno.test("chooseSnapshotter() refuses an overlayfs that was asked for and does not work", async () => {
  await assert.rejects(
    chooseSnapshotter({ requested: "overlayfs", root: "/r", check: fails }),
    {
      message: 'Cannot use snapshotter "overlayfs" in /r: wrong fs type; try --snapshotter native',
    },
  );
  assert.equal(
    await chooseSnapshotter({ requested: "overlayfs", root: "/r", check: works }),
    "overlayfs",
  );
});

Deno.test("chooseSnapshotter() takes native as given and rejects unknown snapshotters", async () => {
  const check = () => Promise.reject(new Error("must not be called"));
  assert.equal(await chooseSnapshotter({ requested: "native", root: "/r", check }), "native");
  await assert.rejects(chooseSnapshotter({ requested: "stargz", root: "/r", check }), {
    message: 'Cannot use snapshotter "stargz": this containerd has overlayfs, native, btrfs, zfs',
  });
});

Deno.test("overlaySupported() works on a tmpfs and fails on top of another overlay", async () => {
  const base = await mkdtemp(join(tmpdir(), "k3s-overlay-test-"));
  const mounts: string[] = [];
  try {
    const tmpfs = join(base, "tmpfs");
    await mkdir(tmpfs);
    await run("mount", ["-t", "tmpfs", "tmpfs", tmpfs]);
    mounts.unshift(tmpfs);
    assert.equal(await overlaySupported(join(tmpfs, "root")), null);

    const [lower, upper, work, merged] = ["l", "u", "w", "m"].map((d) => join(tmpfs, d));
    for (const d of [lower, upper, work, merged]) await mkdir(d);
    const options = `lowerdir=${lower},upperdir=${upper},workdir=${work}`;
    await run("mount", ["-t", "overlay", "overlay", "-o", options, merged]);
    mounts.unshift(merged);
    const problem = await overlaySupported(join(merged, "root"));
    assert.equal(typeof problem, "string", "an overlay upper dir on overlayfs should not mount");
    const warnings: string[] = [];
    const chosen = await chooseSnapshotter({
      root: join(merged, "root"),
      warn: (m) => warnings.push(m),
    });
    assert.equal(chosen, "native");
    assert.equal(warnings.length, 1);
  } finally {
    for (const mount of mounts) await run("umount", [mount]).catch(() => {});
    await rm(base, { recursive: true, force: true });
  }
});

import assert from "node:assert/strict";
import { lstat, mkdtemp, readdir, readFile, readlink, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Payload, writeAtomically } from "./atomic_writer.ts";

const text = (s: string, mode = 0o644) => ({ content: new TextEncoder().encode(s), mode });

Deno.test("writeAtomically() publishes files through ..data and swaps it on a change", async () => {
  const dir = await mkdtemp(join(tmpdir(), "k3s-aw-"));
  try {
    const first: Payload = new Map([["a", text("1")], ["sub/b", text("2", 0o600)]]);
    assert.equal(await writeAtomically(dir, first), true);
    assert.equal(await readFile(join(dir, "a"), "utf8"), "1");
    assert.equal(await readFile(join(dir, "sub", "b"), "utf8"), "2");
    assert.equal(await readlink(join(dir, "a")), "..data/a");
    assert.equal((await lstat(join(dir, "..data", "sub", "b"))).mode & 0o777, 0o600);
    const dataBefore = await readlink(join(dir, "..data"));
    assert.equal(await writeAtomically(dir, first), false, "the same payload changes nothing");
    assert.equal(await readlink(join(dir, "..data")), dataBefore);

    assert.equal(
      await writeAtomically(dir, new Map([["a", text("changed")], ["c", text("3")]])),
      true,
    );
    assert.equal(await readFile(join(dir, "a"), "utf8"), "changed");
    assert.notEqual(await readlink(join(dir, "..data")), dataBefore);
    const entries = (await readdir(dir)).sort();
    assert.deepEqual(entries.filter((e) => !e.startsWith("..")), ["a", "c"], "sub is gone");
    assert.equal(
      entries.filter((e) => e.startsWith("..") && e !== "..data").length,
      1,
      "the old version is removed",
    );
  } finally {
    await rm(dir, { recursive: true });
  }
});

Deno.test("writeAtomically() refuses paths that leave the volume", async () => {
  await assert.rejects(
    writeAtomically("/nonexistent", new Map([["../x", text("")]])),
    /must be relative/,
  );
  await assert.rejects(
    writeAtomically("/nonexistent", new Map([["/etc/x", text("")]])),
    /must be relative/,
  );
});

import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { canLowerOomScoreAdj } from "./host.ts";

Deno.test("canLowerOomScoreAdj() needs CAP_SYS_RESOURCE effective and bounding", async () => {
  const dir = await mkdtemp(join(tmpdir(), "k3s-host-"));
  try {
    const status = async (eff: string, bnd: string) => {
      const path = join(dir, "status");
      await writeFile(path, `Name:\tk3s\nCapEff:\t${eff}\nCapBnd:\t${bnd}\nCapAmb:\t0\n`);
      return await canLowerOomScoreAdj(path);
    };
    assert.equal(await status("000001ffffffffff", "000001ffffffffff"), true);
    // A container runtime that dropped CAP_SYS_RESOURCE (bit 24) from the bounding set.
    assert.equal(await status("000001fffeffffff", "000001fffeffffff"), false);
    assert.equal(await status("0000000001000000", "000001fffeffffff"), false);
    assert.equal(await status("0000000001000000", "0000000001000000"), true);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

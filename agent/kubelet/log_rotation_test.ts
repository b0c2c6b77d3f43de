import assert from "node:assert/strict";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { RuntimeService } from "../../cri/service.ts";
import { silentLogger } from "../../kube/client/log.ts";
import { LogRotation, rotationStamp } from "./log_rotation.ts";
import type { RuntimeView } from "./runtime_pod.ts";

Deno.test("LogRotation renames a log past its size, asks the runtime to reopen it, and keeps max files", async () => {
  const dir = await mkdtemp(join(tmpdir(), "k3s-rot-"));
  try {
    const path = join(dir, "0.log");
    const reopened: string[] = [];
    const runtime = { reopenContainerLog: (id: string) => Promise.resolve(void reopened.push(id)) };
    let second = 0;
    const rotation = new LogRotation({
      runtime: runtime as unknown as RuntimeService,
      view: {} as RuntimeView,
      maxSize: 10,
      maxFiles: 3,
      log: silentLogger,
      now: () => new Date(Date.UTC(2026, 0, 1, 0, 0, second++)),
    });
    await writeFile(path, "small");
    assert.equal(await rotation.rotate("c1", path), false);
    for (let i = 0; i < 4; i++) {
      await writeFile(path, "more than ten bytes");
      assert.equal(await rotation.rotate("c1", path), true);
    }
    assert.deepEqual(reopened, ["c1", "c1", "c1", "c1"]);
    assert.deepEqual((await readdir(dir)).sort(), [
      "0.log.20260101-000002",
      "0.log.20260101-000003",
    ]);
    assert.equal(rotationStamp(new Date(Date.UTC(2026, 10, 26, 7, 8, 9))), "20261126-070809");
  } finally {
    await rm(dir, { recursive: true });
  }
});

import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { silentLogger } from "../../kube/client/log.ts";
import { ContainerdSupervisor } from "./supervisor.ts";

Deno.test("a containerd that keeps failing ends start() with its exit and log tail", async () => {
  const dir = await mkdtemp(join(tmpdir(), "k3s-supervisor-"));
  const errors: string[] = [];
  const supervisor = new ContainerdSupervisor({
    configPath: join(dir, "config.toml"),
    address: join(dir, "state", "containerd.sock"),
    root: join(dir, "root"),
    state: join(dir, "state"),
    logFile: join(dir, "containerd.log"),
    startTimeoutMs: 3_000,
    restartDelayMs: { initial: 100, max: 400 },
    log: { ...silentLogger, error: (m) => errors.push(m) },
  });
  try {
    await writeFile(join(dir, "config.toml"), "version = [this is not toml\n");
    await assert.rejects(supervisor.start(), (error: Error) => {
      assert.match(
        error.message,
        /^Cannot start containerd: no CRI answer at unix:\/\/.* within 3 s/,
      );
      assert.match(error.message, /containerd exited with code 1/);
      assert.match(error.message, /last lines of .*containerd\.log:\n.*toml/is);
      return true;
    });
    assert.ok(supervisor.restarts >= 2, `restarts: ${supervisor.restarts}`);
    assert.match(errors[0], /^containerd exited with code 1; restarting it in 100 ms$/);
    assert.match(errors[1], /restarting it in 200 ms$/);
  } finally {
    await supervisor.stop();
    await rm(dir, { recursive: true, force: true });
  }
  assert.equal(supervisor.pid, undefined);
});

import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { silentLogger } from "../../kube/client/log.ts";
import { startContainerRuntime } from "./run.ts";

Deno.test("--container-runtime-endpoint uses that runtime: nothing is written or started", async () => {
  const dir = await mkdtemp(join(tmpdir(), "k3s-runtime-"));
  try {
    const dataDir = join(dir, "data");
    const runtime = await startContainerRuntime({
      dataDir,
      containerRuntimeEndpoint: "/run/other/containerd.sock",
      log: silentLogger,
    });
    assert.equal(runtime.endpoint, "unix:///run/other/containerd.sock");
    assert.equal(runtime.supervisor, undefined);
    assert.equal(existsSync(dataDir), false);
    await runtime.stop();
    await assert.rejects(
      startContainerRuntime({
        dataDir,
        containerRuntimeEndpoint: "tcp://1.2.3.4:1",
        log: silentLogger,
      }),
      { message: /^Cannot use container runtime endpoint "tcp:\/\/1\.2\.3\.4:1"/ },
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

/**
 * The containerd the agent starts reports container changes through
 * `GrpcCriClient.watchEvents` (the kubelet relists on them): starts, exits and removals of
 * containers and sandboxes, not exec processes.
 *
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { testImages } from "../../tests/images/mod.ts";
import type { RuntimeEvent } from "../../cri/service.ts";
import { startTestContainerd } from "./test_containerd.ts";

async function until(what: string, check: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

Deno.test({
  name: "watchEvents() reports container starts, exits and removals, not execs",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const images = await testImages();
    const c = await startTestContainerd({
      imageTarballs: [images.busybox.path, images.pause.path],
      podSubnet: null,
    });
    const stop = new AbortController();
    try {
      const events: RuntimeEvent[] = [];
      const watching = c.client.watchEvents((e) => events.push(e), stop.signal);
      watching.catch(() => {});
      // The subscription is in place once the server has it; a sandbox started after a moment
      // shows it is.
      await new Promise((r) => setTimeout(r, 500));
      const uid = crypto.randomUUID();
      const sandboxConfig = {
        metadata: { name: "events", uid, namespace: "default", attempt: 0 },
        logDirectory: join(c.podLogDir, `default_events_${uid}`),
        labels: { "io.kubernetes.pod.uid": uid },
        linux: {
          securityContext: { namespaceOptions: { network: "NODE" as const, pid: "POD" as const } },
        },
      };
      const sandbox = await c.client.runPodSandbox(sandboxConfig);
      await until("the sandbox's start", () => events.some((e) => e.topic === "/tasks/start"));
      const container = (name: string, command: string[]) =>
        c.client.createContainer(sandbox, {
          metadata: { name, attempt: 0 },
          image: { image: images.busybox.ref },
          command,
          logPath: `${name}/0.log`,
        }, sandboxConfig);
      const long = await container("long", ["sleep", "3600"]);
      await c.client.startContainer(long);
      const before = events.length;
      const exec = await c.client.execSync(long, ["true"], 10);
      assert.equal(exec.exitCode, 0);
      await new Promise((r) => setTimeout(r, 500));
      assert.deepEqual(events.slice(before), [], "an exec is not a change of the container");

      const short = await container("short", ["sh", "-c", "exit 3"]);
      events.length = 0;
      await c.client.startContainer(short);
      await until("the container's exit", () => events.some((e) => e.topic === "/tasks/exit"));
      assert.ok(events.some((e) => e.topic === "/tasks/exit" && e.containerId === short));
      events.length = 0;
      await c.client.removeContainer(short);
      await until("the removal", () => events.some((e) => e.topic === "/containers/delete"));

      await c.client.stopPodSandbox(sandbox);
      await c.client.removePodSandbox(sandbox);
      stop.abort();
      await watching;
    } finally {
      stop.abort();
      await c.stop();
    }
  },
});

Deno.test({
  name: "watchEvents() rejects as unavailable when the runtime is gone",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const c = await startTestContainerd({ podSubnet: null });
    const stop = new AbortController();
    try {
      const outcome = c.client.watchEvents(() => {}, stop.signal).then(() => "resolved", (e) => e);
      await new Promise((r) => setTimeout(r, 500));
      await c.runtime.stop();
      assert.equal((await outcome).code, "UNAVAILABLE");
    } finally {
      stop.abort();
      await c.stop();
    }
  },
});

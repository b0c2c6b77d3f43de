import assert from "node:assert/strict";
import type { KubeObject } from "../../../../kube/meta.ts";
import { podSummary } from "./pod_columns.ts";

const NOW = new Date("2026-01-01T00:10:00Z");

function pod(
  status: Record<string, unknown>,
  spec: Record<string, unknown> = {},
  meta = {},
): KubeObject {
  return {
    metadata: { name: "p", creationTimestamp: "2026-01-01T00:00:00Z", ...meta },
    spec: { containers: [{ name: "a" }], ...spec },
    status,
  };
}

Deno.test("pod STATUS shows CrashLoopBackOff with restarts and when the last one was", () => {
  const p = pod({
    phase: "Running",
    containerStatuses: [{
      name: "a",
      ready: false,
      restartCount: 4,
      state: { waiting: { reason: "CrashLoopBackOff" } },
      lastState: { terminated: { exitCode: 1, finishedAt: "2026-01-01T00:05:00Z" } },
    }],
  });
  assert.deepStrictEqual(podSummary(p, NOW), {
    ready: "0/1",
    status: "CrashLoopBackOff",
    restarts: "4 (5m ago)",
  });
});

Deno.test("pod STATUS shows Completed for a finished container", () => {
  const p = pod({
    phase: "Succeeded",
    containerStatuses: [{
      name: "a",
      ready: false,
      restartCount: 0,
      state: { terminated: { exitCode: 0, reason: "Completed" } },
    }],
  });
  assert.deepStrictEqual(podSummary(p, NOW), { ready: "0/1", status: "Completed", restarts: "0" });
});

Deno.test("pod STATUS shows Terminating once deletion started", () => {
  const p = pod(
    {
      phase: "Running",
      containerStatuses: [{ name: "a", ready: true, restartCount: 0, state: { running: {} } }],
    },
    {},
    { deletionTimestamp: "2026-01-01T00:09:00Z" },
  );
  assert.deepStrictEqual(podSummary(p, NOW), {
    ready: "1/1",
    status: "Terminating",
    restarts: "0",
  });
});

Deno.test("pod STATUS shows Init:0/2 while the first init container runs", () => {
  const p = pod(
    {
      phase: "Pending",
      initContainerStatuses: [
        { name: "i1", ready: false, restartCount: 0, state: { running: {} } },
        {
          name: "i2",
          ready: false,
          restartCount: 0,
          state: { waiting: { reason: "PodInitializing" } },
        },
      ],
      containerStatuses: [{
        name: "a",
        ready: false,
        restartCount: 0,
        state: { waiting: { reason: "PodInitializing" } },
      }],
    },
    { initContainers: [{ name: "i1" }, { name: "i2" }] },
  );
  assert.deepStrictEqual(podSummary(p, NOW), { ready: "0/1", status: "Init:0/2", restarts: "0" });
});

Deno.test("pod STATUS shows Init:Error and ContainerCreating", () => {
  const failed = pod(
    {
      phase: "Pending",
      initContainerStatuses: [{
        name: "i1",
        state: { terminated: { exitCode: 1, reason: "Error" } },
      }],
    },
    { initContainers: [{ name: "i1" }] },
  );
  assert.equal(podSummary(failed, NOW).status, "Init:Error");
  const creating = pod({
    phase: "Pending",
    containerStatuses: [{ name: "a", state: { waiting: { reason: "ContainerCreating" } } }],
  });
  assert.equal(podSummary(creating, NOW).status, "ContainerCreating");
  assert.equal(podSummary(pod({ phase: "Pending" }), NOW).status, "Pending");
});

Deno.test("pod READY counts started sidecars as containers", () => {
  const p = pod(
    {
      phase: "Running",
      initContainerStatuses: [{ name: "side", ready: true, started: true, state: { running: {} } }],
      containerStatuses: [{ name: "a", ready: true, state: { running: {} } }],
      conditions: [{ type: "Initialized", status: "True" }],
    },
    { initContainers: [{ name: "side", restartPolicy: "Always" }] },
  );
  assert.deepStrictEqual(podSummary(p, NOW), { ready: "2/2", status: "Running", restarts: "0" });
});

import assert from "node:assert/strict";
import type { Pod } from "../../../kube/client/mod.ts";
import { podSample } from "./metrics.ts";

function pod(extra: Partial<Pod["status"]> = {}): Pod {
  return {
    metadata: { name: "p" },
    spec: {
      containers: [
        { name: "app", image: "a", resources: { requests: { cpu: "250m", memory: "64Mi" } } },
        { name: "sidecar", image: "s", resources: { requests: { memory: "16Mi" } } },
      ],
    },
    status: {
      phase: "Running",
      conditions: [{ type: "Ready", status: "True" }],
      ...extra,
    },
  } as Pod;
}

Deno.test("podSample() sums requests and names the container that lacks one", () => {
  assert.deepEqual(podSample(pod(), "memory"), {
    name: "p",
    ignored: false,
    unready: false,
    requestMilli: 80 * 1024 * 1024 * 1000,
    missingRequestIn: undefined,
  });
  const cpu = podSample(pod(), "cpu");
  assert.equal(cpu.requestMilli, undefined);
  assert.equal(cpu.missingRequestIn, "sidecar");
  // A ContainerResource metric looks at its container only.
  assert.equal(podSample(pod(), "cpu", "app").requestMilli, 250);
  assert.equal(podSample(pod(), "cpu", "nope").missingRequestIn, "nope");
});

Deno.test("podSample() counts Pending and (for cpu) unready pods as unready", () => {
  const notReady = pod({ conditions: [{ type: "Ready", status: "False" }] });
  assert.equal(podSample(notReady, "cpu", "app").unready, true);
  assert.equal(podSample(notReady, "memory").unready, false);
  assert.equal(podSample(pod({ phase: "Pending" }), "memory").unready, true);
  assert.equal(podSample(pod({ phase: "Failed" }), "memory").ignored, true);
});

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
      startTime: "2026-01-01T12:00:00Z",
      conditions: [{ type: "Ready", status: "True", lastTransitionTime: "2026-01-01T12:00:10Z" }],
      ...extra,
    },
  } as Pod;
}

Deno.test("podSample() sums requests and names the container that lacks one", () => {
  assert.deepEqual(podSample(pod(), "memory"), {
    name: "p",
    ignored: false,
    pending: false,
    ready: { status: "True", since: Date.parse("2026-01-01T12:00:10Z") },
    startTime: Date.parse("2026-01-01T12:00:00Z"),
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

Deno.test("podSample() reads the phase and the Ready condition", () => {
  assert.equal(podSample(pod({ conditions: [] }), "cpu").ready, null);
  assert.equal(podSample(pod({ phase: "Pending" }), "memory").pending, true);
  assert.equal(podSample(pod({ phase: "Failed" }), "memory").ignored, true);
});

import assert from "node:assert/strict";
import { deadlineLeft } from "./pod_workers.ts";
import { testPod } from "./testing.ts";

Deno.test("deadlineLeft() counts activeDeadlineSeconds from the pod's start", () => {
  const start = Date.UTC(2026, 0, 1);
  const pod = testPod({ activeDeadlineSeconds: 30 }, { startTime: "2026-01-01T00:00:00Z" });
  assert.equal(deadlineLeft(pod, start + 10_000), 20_000);
  assert.equal(deadlineLeft(pod, start + 40_000), -10_000);
  assert.equal(deadlineLeft(testPod({}, { startTime: "2026-01-01T00:00:00Z" }), start), undefined);
  assert.equal(
    deadlineLeft(testPod({ activeDeadlineSeconds: 30 }), start),
    undefined,
    "not started yet",
  );
});

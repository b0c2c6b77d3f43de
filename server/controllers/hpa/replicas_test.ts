import assert from "node:assert/strict";
import { type PodSample, resourceReplicas, type ResourceTarget } from "./replicas.ts";

const NOW = Date.parse("2026-01-01T12:00:00Z");
const MIN = 60_000;

/** A pod started 20 minutes ago and Ready for 10. */
const pod = (name: string, extra: Partial<PodSample> = {}): PodSample => ({
  name,
  ignored: false,
  pending: false,
  ready: { status: "True", since: NOW - 10 * MIN },
  startTime: NOW - 20 * MIN,
  requestMilli: 200,
  ...extra,
});

const NOT_READY = { ready: null };

function samples(usage: Record<string, number>, timestamp = NOW, windowMs = 15_000) {
  return new Map(
    Object.entries(usage).map(([k, milli]) => [k, { milli, timestamp, windowMs }]),
  );
}

const half: ResourceTarget = { type: "Utilization", averageUtilization: 50 };

function calc(pods: PodSample[], usage: Record<string, number>, current = pods.length) {
  return resourceReplicas({
    resource: "cpu",
    currentReplicas: current,
    pods,
    usage: samples(usage),
    target: half,
    tolerance: 0.1,
    now: NOW,
  });
}

Deno.test("resourceReplicas() scales by usage over target, rounding up", () => {
  assert.deepEqual(calc([pod("a"), pod("b")], { a: 180, b: 180 }), {
    replicas: 4,
    utilization: 90,
    averageMilli: 180,
  });
  assert.equal(calc([pod("a"), pod("b"), pod("c")], { a: 10, b: 10, c: 10 }).replicas, 1);
});

Deno.test("resourceReplicas() keeps the count within the tolerance", () => {
  // 54% against 50%: a ratio of 1.08.
  assert.equal(calc([pod("a"), pod("b")], { a: 108, b: 108 }).replicas, 2);
  // 56%: 1.12 is outside.
  assert.equal(calc([pod("a"), pod("b")], { a: 112, b: 112 }).replicas, 3);
});

Deno.test("resourceReplicas() counts unready pods as idle on a scale-up", () => {
  // Ready a at 90%, unready b: 90% alone would double, with b at 0 it is 45%: stay.
  assert.equal(calc([pod("a"), pod("b", NOT_READY)], { a: 180, b: 180 }).replicas, 2);
  // a and b ready at 150%, c unready: (300+300+0)/600 = 100% → ratio 2 → 6.
  assert.equal(
    calc([pod("a"), pod("b"), pod("c", NOT_READY)], { a: 300, b: 300, c: 0 }).replicas,
    6,
  );
});

Deno.test("resourceReplicas() assumes missing pods use their request on a scale-down", () => {
  // a at 10%, b without metrics: b counts as 100% → 55% overall, the direction flips: stay.
  assert.equal(calc([pod("a"), pod("b")], { a: 20 }).replicas, 2);
  // a, b at 5%, c missing: (10+10+200)/600 = 36% → ratio 0.72 → ceil(2.16) = 3: stay at 3.
  assert.equal(calc([pod("a"), pod("b"), pod("c")], { a: 10, b: 10 }).replicas, 3);
});

Deno.test("resourceReplicas() leaves out deleted pods and refuses what it cannot compute", () => {
  assert.equal(
    calc([pod("a"), pod("gone", { ignored: true })], { a: 100, gone: 900 }, 2).replicas,
    2,
  );
  assert.throws(() => calc([pod("a", NOT_READY)], { a: 100 }), /did not receive metrics/);
  assert.throws(
    () => calc([pod("a", { requestMilli: undefined, missingRequestIn: "c" })], { a: 100 }),
    /missing request for cpu in container c of Pod a/,
  );
  assert.throws(() => calc([], {}), /no pods returned by selector/);
});

Deno.test("resourceReplicas() compares the average with an AverageValue target", () => {
  const r = resourceReplicas({
    resource: "memory",
    currentReplicas: 2,
    pods: [pod("a", { requestMilli: undefined }), pod("b", { requestMilli: undefined })],
    usage: samples({ a: 300_000, b: 500_000 }),
    target: { type: "AverageValue", averageValueMilli: 200_000 },
    tolerance: 0.1,
    now: NOW,
  });
  assert.deepEqual(r, { replicas: 4, utilization: undefined, averageMilli: 400_000 });
});

Deno.test("resourceReplicas() distrusts cpu samples of pods still starting up", () => {
  const young = (readySince: number) =>
    pod("b", { startTime: NOW - MIN, ready: { status: "True", since: readySince } });
  // b ready 30 s ago, the 15 s sample window began after that: it counts. 80% → 1.6 → 4.
  assert.equal(calc([pod("a"), young(NOW - 30_000)], { a: 160, b: 160 }).replicas, 4);
  // b ready 5 s ago: its sample may cover its start-up, so on a scale-up it counts as idle:
  // (160 + 0) / 400 = 40%, below the target, so the direction flips and nothing changes.
  assert.equal(calc([pod("a"), young(NOW - 5_000)], { a: 160, b: 160 }).replicas, 2);
});

Deno.test("resourceReplicas() counts a pod that was Ready once, and not one never Ready", () => {
  const wasReady = pod("b", { ready: { status: "False", since: NOW - 9 * MIN } });
  assert.equal(calc([pod("a"), wasReady], { a: 200, b: 200 }).replicas, 4);
  const neverReady = pod("b", { ready: { status: "False", since: NOW - 20 * MIN + 10_000 } });
  assert.equal(calc([pod("a"), neverReady], { a: 200, b: 200 }).replicas, 2);
});

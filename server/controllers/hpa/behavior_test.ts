import assert from "node:assert/strict";
import {
  DEFAULT_SCALE_UP,
  defaultScaleDown,
  normalize,
  normalizeWithoutBehavior,
  type Recommendation,
  type ScaleEvent,
  withDefaults,
} from "./behavior.ts";

const NOW = 1_000_000;

function run(
  desired: number,
  current: number,
  opts: {
    recommendations?: Recommendation[];
    up?: ScaleEvent[];
    down?: ScaleEvent[];
    downWindow?: number;
    min?: number;
    max?: number;
  } = {},
) {
  return normalize({
    desired,
    current,
    minReplicas: opts.min ?? 1,
    maxReplicas: opts.max ?? 10,
    up: DEFAULT_SCALE_UP,
    down: defaultScaleDown(opts.downWindow ?? 300),
    recommendations: opts.recommendations ?? [],
    upEvents: opts.up ?? [],
    downEvents: opts.down ?? [],
    now: NOW,
  });
}

Deno.test("normalize() holds a scale-down at the highest recommendation of the window", () => {
  const recommendations = [{ at: NOW - 60_000, replicas: 5 }, { at: NOW - 400_000, replicas: 9 }];
  const r = run(2, 5, { recommendations });
  assert.equal(r.replicas, 5);
  assert.equal(r.stabilized.reason, "ScaleDownStabilized");
  // The recommendation outside every window is forgotten; this one is remembered.
  assert.deepEqual(recommendations, [{ at: NOW - 60_000, replicas: 5 }, { at: NOW, replicas: 2 }]);
  assert.equal(
    run(2, 5, { recommendations: [{ at: NOW - 60_000, replicas: 5 }], downWindow: 0 })
      .replicas,
    2,
  );
});

Deno.test("normalize() limits a scale-up to 4 pods or 100% per 15 s, then maxReplicas", () => {
  const r = run(20, 3, { max: 30 });
  assert.deepEqual([r.replicas, r.limited?.reason], [7, "ScaleUpLimit"]);
  assert.deepEqual([run(20, 6, { max: 30 }).replicas], [12]);
  // 3 added 5 s ago: the period started at 3, so 7 at most.
  assert.equal(run(20, 6, { max: 30, up: [{ at: NOW - 5_000, change: 3 }] }).replicas, 7);
  const capped = run(20, 6, { max: 8 });
  assert.deepEqual([capped.replicas, capped.limited?.reason], [8, "TooManyReplicas"]);
  const within = run(4, 3);
  assert.deepEqual([within.replicas, within.limited], [4, null]);
});

Deno.test("normalize() keeps minReplicas and honours a disabled direction", () => {
  const r = run(1, 4, { min: 2, downWindow: 0 });
  assert.deepEqual([r.replicas, r.limited?.reason], [2, "TooFewReplicas"]);
  const disabled = normalize({
    desired: 9,
    current: 3,
    minReplicas: 1,
    maxReplicas: 10,
    up: withDefaults({ selectPolicy: "Disabled" }, DEFAULT_SCALE_UP),
    down: defaultScaleDown(0),
    recommendations: [],
    upEvents: [],
    downEvents: [],
    now: NOW,
  });
  assert.equal(disabled.replicas, 3);
});

Deno.test("normalize() takes Percent scale-down policies rounding down", () => {
  const r = normalize({
    desired: 1,
    current: 10,
    minReplicas: 1,
    maxReplicas: 10,
    up: DEFAULT_SCALE_UP,
    down: withDefaults(
      {
        stabilizationWindowSeconds: 0,
        policies: [{ type: "Percent", value: 25, periodSeconds: 60 }],
      },
      defaultScaleDown(300),
    ),
    recommendations: [],
    upEvents: [],
    downEvents: [],
    now: NOW,
  });
  assert.deepEqual([r.replicas, r.limited?.reason], [7, "ScaleDownLimit"]);
});

Deno.test("normalizeWithoutBehavior() doubles at most, holds scale-downs for the window", () => {
  const base = { minReplicas: 1, maxReplicas: 20, downWindowMs: 300_000, now: NOW };
  const up = normalizeWithoutBehavior({ ...base, desired: 15, current: 3, recommendations: [] });
  assert.deepEqual([up.replicas, up.limited?.reason], [6, "ScaleUpLimit"]);
  const small = normalizeWithoutBehavior({ ...base, desired: 9, current: 1, recommendations: [] });
  assert.equal(small.replicas, 4);
  const recommendations = [{ at: NOW - 100_000, replicas: 6 }, { at: NOW - 400_000, replicas: 9 }];
  const held = normalizeWithoutBehavior({ ...base, desired: 2, current: 6, recommendations });
  assert.deepEqual([held.replicas, held.stabilized.reason], [6, "ScaleDownStabilized"]);
  assert.deepEqual(recommendations, [{ at: NOW - 100_000, replicas: 6 }, { at: NOW, replicas: 2 }]);
  const capped = normalizeWithoutBehavior({
    ...base,
    maxReplicas: 5,
    desired: 8,
    current: 4,
    recommendations: [],
  });
  assert.deepEqual([capped.replicas, capped.limited?.reason], [5, "TooManyReplicas"]);
  const floor = normalizeWithoutBehavior({
    ...base,
    minReplicas: 2,
    desired: 1,
    current: 3,
    downWindowMs: 0,
    recommendations: [],
  });
  assert.deepEqual([floor.replicas, floor.limited?.reason], [2, "TooFewReplicas"]);
});

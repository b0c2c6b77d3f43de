/**
 * `spec.behavior`: stabilization windows and rate policies (upstream's
 * `normalizeDesiredReplicasWithBehaviors`), pure over the recommendations and scale events the
 * controller remembers per HorizontalPodAutoscaler.
 *
 * - Stabilization: a scale-up goes no higher than the lowest recommendation of the scale-up
 *   window, a scale-down no lower than the highest of the scale-down window.
 * - Rate: each policy allows `Pods` more (fewer) or `Percent` more (fewer) replicas than there
 *   were at the start of its period; `selectPolicy` picks the largest (`Max`) or smallest
 *   (`Min`) change, or none (`Disabled`). Then `minReplicas` and `maxReplicas` bound it.
 *
 * An HPA without `behavior` takes upstream's older path ({@link normalizeWithoutBehavior}): the
 * scale-down window of the controller's `downscaleStabilizationMs` (300 s), and a scale-up to at
 * most `max(2 × current, 4)` per sync.
 *
 * @module
 */

export interface ScalingPolicy {
  type: "Pods" | "Percent";
  value: number;
  periodSeconds: number;
}

export interface ScalingRules {
  stabilizationWindowSeconds?: number;
  selectPolicy?: "Max" | "Min" | "Disabled";
  policies?: ScalingPolicy[];
}

export interface Behavior {
  scaleUp?: ScalingRules;
  scaleDown?: ScalingRules;
}

/** A recommendation made at `at` (ms). */
export interface Recommendation {
  at: number;
  replicas: number;
}

/** A rescale by `change` replicas (positive) at `at` (ms). */
export interface ScaleEvent {
  at: number;
  change: number;
}

/** The outcome and why, for the AbleToScale and ScalingLimited conditions. */
export interface Normalized {
  replicas: number;
  stabilized: { reason: string; message: string };
  limited: { reason: string; message: string } | null;
}

export const DEFAULT_SCALE_UP: Required<ScalingRules> = {
  stabilizationWindowSeconds: 0,
  selectPolicy: "Max",
  policies: [
    { type: "Pods", value: 4, periodSeconds: 15 },
    { type: "Percent", value: 100, periodSeconds: 15 },
  ],
};

/** The scale-down defaults; the window is the controller's setting. */
export function defaultScaleDown(windowSeconds: number): Required<ScalingRules> {
  return {
    stabilizationWindowSeconds: windowSeconds,
    selectPolicy: "Max",
    policies: [{ type: "Percent", value: 100, periodSeconds: 15 }],
  };
}

/** `rules` with unset fields from `defaults`. */
export function withDefaults(
  rules: ScalingRules | undefined,
  defaults: Required<ScalingRules>,
): Required<ScalingRules> {
  return {
    stabilizationWindowSeconds: rules?.stabilizationWindowSeconds ??
      defaults.stabilizationWindowSeconds,
    selectPolicy: rules?.selectPolicy ?? defaults.selectPolicy,
    policies: rules?.policies ?? defaults.policies,
  };
}

/** The longest policy period of either direction (how long scale events matter), in ms. */
export function longestPeriodMs(up: Required<ScalingRules>, down: Required<ScalingRules>) {
  return Math.max(0, ...[...up.policies, ...down.policies].map((p) => p.periodSeconds)) * 1000;
}

function changeWithin(events: readonly ScaleEvent[], now: number, periodSeconds: number): number {
  const since = now - periodSeconds * 1000;
  return events.filter((e) => e.at > since).reduce((sum, e) => sum + e.change, 0);
}

function scaleUpLimit(
  current: number,
  up: readonly ScaleEvent[],
  down: readonly ScaleEvent[],
  rules: Required<ScalingRules>,
  now: number,
): number {
  if (rules.selectPolicy === "Disabled" || rules.policies.length === 0) return current;
  const pick = rules.selectPolicy === "Min" ? Math.min : Math.max;
  let result = rules.selectPolicy === "Min" ? Infinity : -Infinity;
  for (const p of rules.policies) {
    const start = current - changeWithin(up, now, p.periodSeconds) +
      changeWithin(down, now, p.periodSeconds);
    const proposed = p.type === "Pods" ? start + p.value : Math.ceil(start * (1 + p.value / 100));
    result = pick(result, proposed);
  }
  return result;
}

function scaleDownLimit(
  current: number,
  up: readonly ScaleEvent[],
  down: readonly ScaleEvent[],
  rules: Required<ScalingRules>,
  now: number,
): number {
  if (rules.selectPolicy === "Disabled" || rules.policies.length === 0) return current;
  const pick = rules.selectPolicy === "Min" ? Math.max : Math.min;
  let result = rules.selectPolicy === "Min" ? -Infinity : Infinity;
  for (const p of rules.policies) {
    const start = current + changeWithin(down, now, p.periodSeconds) -
      changeWithin(up, now, p.periodSeconds);
    const proposed = p.type === "Pods" ? start - p.value : Math.trunc(start * (1 - p.value / 100));
    result = pick(result, proposed);
  }
  return result;
}

/**
 * Applies stabilization and rate limits to `desired`; appends the recommendation to
 * `recommendations` (dropping those older than both windows).
 */
export function normalize(input: {
  desired: number;
  current: number;
  minReplicas: number;
  maxReplicas: number;
  up: Required<ScalingRules>;
  down: Required<ScalingRules>;
  recommendations: Recommendation[];
  upEvents: readonly ScaleEvent[];
  downEvents: readonly ScaleEvent[];
  now: number;
}): Normalized {
  const { desired, current, up, down, now } = input;
  const upSince = now - up.stabilizationWindowSeconds * 1000;
  const downSince = now - down.stabilizationWindowSeconds * 1000;
  let upRec = desired;
  let downRec = desired;
  for (const r of input.recommendations) {
    if (r.at > upSince) upRec = Math.min(upRec, r.replicas);
    if (r.at > downSince) downRec = Math.max(downRec, r.replicas);
  }
  let stable = current;
  if (stable < upRec) stable = upRec;
  if (stable > downRec) stable = downRec;
  const keepSince = Math.min(upSince, downSince);
  const kept = input.recommendations.filter((r) => r.at > keepSince);
  input.recommendations.splice(0, input.recommendations.length, ...kept, {
    at: now,
    replicas: desired,
  });
  let stabilized = { reason: "ReadyForNewScale", message: "recommended size matches current size" };
  if (stable !== desired) {
    stabilized = desired < stable
      ? {
        reason: "ScaleDownStabilized",
        message:
          "recent recommendations were higher than current one, applying the highest recent recommendation",
      }
      : {
        reason: "ScaleUpStabilized",
        message:
          "recent recommendations were lower than current one, applying the lowest recent recommendation",
      };
  }

  let replicas = stable;
  let limited: Normalized["limited"] = null;
  if (stable > current) {
    const rate = Math.max(
      scaleUpLimit(current, input.upEvents, input.downEvents, up, now),
      current,
    );
    const [limit, why] = input.maxReplicas > rate
      ? [rate, {
        reason: "ScaleUpLimit",
        message: "the desired replica count is increasing faster than the maximum scale rate",
      }]
      : [input.maxReplicas, {
        reason: "TooManyReplicas",
        message: "the desired replica count is more than the maximum replica count",
      }];
    if (stable > limit) [replicas, limited] = [limit, why];
  } else if (stable < current) {
    const rate = Math.min(
      scaleDownLimit(current, input.upEvents, input.downEvents, down, now),
      current,
    );
    const [limit, why] = input.minReplicas < rate
      ? [rate, {
        reason: "ScaleDownLimit",
        message: "the desired replica count is decreasing faster than the maximum scale rate",
      }]
      : [input.minReplicas, {
        reason: "TooFewReplicas",
        message: "the desired replica count is less than the minimum replica count",
      }];
    if (stable < limit) [replicas, limited] = [limit, why];
  }
  return { replicas, stabilized, limited };
}

/**
 * Stabilization and limits for an HPA without `behavior` (upstream's `normalizeDesiredReplicas`):
 * no lower than the highest recommendation of the scale-down window, no higher than
 * `max(2 × current, 4)`, within `minReplicas` and `maxReplicas`. Appends the recommendation.
 */
export function normalizeWithoutBehavior(input: {
  desired: number;
  current: number;
  minReplicas: number;
  maxReplicas: number;
  downWindowMs: number;
  recommendations: Recommendation[];
  now: number;
}): Normalized {
  const { desired, current, now } = input;
  const since = now - input.downWindowMs;
  const kept = input.recommendations.filter((r) => r.at >= since);
  const stable = Math.max(desired, ...kept.map((r) => r.replicas));
  input.recommendations.splice(0, input.recommendations.length, ...kept, {
    at: now,
    replicas: desired,
  });
  const stabilized = stable !== desired
    ? {
      reason: "ScaleDownStabilized",
      message:
        "recent recommendations were higher than current one, applying the highest recent recommendation",
    }
    : { reason: "ReadyForNewScale", message: "recommended size matches current size" };
  const upLimit = Math.max(2 * current, 4);
  const [maximum, tooMany] = input.maxReplicas > upLimit
    ? [upLimit, {
      reason: "ScaleUpLimit",
      message: "the desired replica count is increasing faster than the maximum scale rate",
    }]
    : [input.maxReplicas, {
      reason: "TooManyReplicas",
      message: "the desired replica count is more than the maximum replica count",
    }];
  if (stable < input.minReplicas) {
    return {
      replicas: input.minReplicas,
      stabilized,
      limited: {
        reason: "TooFewReplicas",
        message: "the desired replica count is less than the minimum replica count",
      },
    };
  }
  if (stable > maximum) return { replicas: maximum, stabilized, limited: tooMany };
  return { replicas: stable, stabilized, limited: null };
}

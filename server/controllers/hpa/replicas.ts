/**
 * The replica count one resource metric asks for (upstream's `ReplicaCalculator` for
 * `Resource` metrics), as a pure function of the pods, their requests and their usage:
 *
 * - Pods being deleted or Failed are left out; Pending pods count as unready. For `cpu`, a pod
 *   counts as unready without a Ready condition or start time; during its first
 *   `cpuInitializationPeriodMs` (5 min) when not Ready or when the sample's window began before
 *   it became Ready; later only when it is not Ready and has never been (its Ready condition
 *   last changed within `initialReadinessDelayMs`, 30 s, of its start).
 * - `Utilization`: total usage of the ready pods with metrics over their total requests, as a
 *   percentage, against the target; `AverageValue`: their average usage against the target.
 * - Within `tolerance` of the target nothing changes; otherwise `ceil(ratio × pods)`.
 * - Pods without metrics count as using the target (or 100% of their request, whichever is
 *   more) on a scale-down and nothing on a scale-up; unready pods count as using nothing on a
 *   scale-up. When that flips the direction or lands within tolerance, nothing changes.
 *
 * @module
 */

/** A pod as the calculation sees it (times in ms since the epoch). */
export interface PodSample {
  name: string;
  /** Deleted or Failed: left out entirely. */
  ignored: boolean;
  pending: boolean;
  /** The Ready condition's status and last transition, or null without one. */
  ready: { status: string; since: number } | null;
  startTime?: number;
  /** Sum of the containers' requests of the resource (milli-units); undefined when one lacks it. */
  requestMilli?: number;
  /** The container that lacks a request, for the error. */
  missingRequestIn?: string;
}

/** What the metric aims at: a percentage of the requests, or an average per pod (milli). */
export type ResourceTarget =
  | { type: "Utilization"; averageUtilization: number }
  | { type: "AverageValue"; averageValueMilli: number };

/** One pod's sample from the metrics API. */
export interface UsageSample {
  /** Usage in milli-units. */
  milli: number;
  /** When the sample was taken, and over how long a window. */
  timestamp: number;
  windowMs: number;
}

/** Upstream's `--horizontal-pod-autoscaler-cpu-initialization-period` default. */
export const CPU_INITIALIZATION_PERIOD_MS = 5 * 60_000;
/** Upstream's `--horizontal-pod-autoscaler-initial-readiness-delay` default. */
export const INITIAL_READINESS_DELAY_MS = 30_000;

/** Whether a CPU sample of `pod` is too early to trust (upstream's `groupPods`). */
function cpuUnready(
  pod: PodSample,
  sample: UsageSample,
  now: number,
  initializationMs: number,
  readinessDelayMs: number,
): boolean {
  if (!pod.ready || pod.startTime === undefined) return true;
  if (pod.startTime + initializationMs > now) {
    return pod.ready.status === "False" || sample.timestamp < pod.ready.since + sample.windowMs;
  }
  return pod.ready.status === "False" && pod.startTime + readinessDelayMs > pod.ready.since;
}

/** The proposal of one resource metric. */
export interface ResourceProposal {
  replicas: number;
  /** Current average utilization in percent (for a Utilization target). */
  utilization?: number;
  /** Current average usage per pod (milli-units). */
  averageMilli: number;
}

/** Proposes a replica count; throws with upstream's wording when it cannot. */
export function resourceReplicas(input: {
  resource: string;
  currentReplicas: number;
  pods: PodSample[];
  /** Samples by pod name, from the metrics API. */
  usage: ReadonlyMap<string, UsageSample>;
  target: ResourceTarget;
  tolerance: number;
  now: number;
  cpuInitializationPeriodMs?: number;
  initialReadinessDelayMs?: number;
}): ResourceProposal {
  const { resource, currentReplicas, pods, target, tolerance, now } = input;
  const initializationMs = input.cpuInitializationPeriodMs ?? CPU_INITIALIZATION_PERIOD_MS;
  const readinessDelayMs = input.initialReadinessDelayMs ?? INITIAL_READINESS_DELAY_MS;
  if (pods.length === 0) {
    throw new Error("no pods returned by selector while calculating replica count");
  }
  const metrics = new Map<string, number>();
  const unready: PodSample[] = [];
  const missing: PodSample[] = [];
  for (const pod of pods) {
    if (pod.ignored) continue;
    if (pod.pending) {
      unready.push(pod);
      continue;
    }
    const sample = input.usage.get(pod.name);
    if (sample === undefined) {
      missing.push(pod);
      continue;
    }
    if (
      resource === "cpu" && cpuUnready(pod, sample, now, initializationMs, readinessDelayMs)
    ) {
      unready.push(pod);
      continue;
    }
    metrics.set(pod.name, sample.milli);
  }
  if (metrics.size === 0) {
    throw new Error("did not receive metrics for targeted pods (pods might be unready)");
  }
  const requests = new Map<string, number>();
  if (target.type === "Utilization") {
    for (const pod of pods) {
      if (pod.ignored) continue;
      if (pod.requestMilli === undefined) {
        throw new Error(
          `missing request for ${resource} in container ${
            pod.missingRequestIn ?? ""
          } of Pod ${pod.name}`,
        );
      }
      requests.set(pod.name, pod.requestMilli);
    }
  }
  const ratioOf = (m: ReadonlyMap<string, number>) => {
    let used = 0;
    let requested = 0;
    for (const [name, value] of m) {
      used += value;
      requested += requests.get(name) ?? 0;
    }
    if (target.type === "AverageValue") {
      return { ratio: used / m.size / target.averageValueMilli, utilization: undefined };
    }
    if (requested === 0) throw new Error("no metrics returned matched known pods");
    const utilization = Math.trunc(used * 100 / requested);
    return { ratio: utilization / target.averageUtilization, utilization };
  };
  const within = (ratio: number) => Math.abs(1 - ratio) <= tolerance;
  const { ratio, utilization } = ratioOf(metrics);
  let averageMilli = 0;
  for (const v of metrics.values()) averageMilli += v;
  averageMilli = Math.round(averageMilli / metrics.size);
  const done = (replicas: number): ResourceProposal => ({ replicas, utilization, averageMilli });

  const scaleUpWithUnready = unready.length > 0 && ratio > 1;
  if (!scaleUpWithUnready && missing.length === 0) {
    return done(within(ratio) ? currentReplicas : Math.ceil(ratio * metrics.size));
  }
  for (const pod of missing) {
    if (ratio < 1) {
      metrics.set(
        pod.name,
        target.type === "Utilization"
          ? (requests.get(pod.name) ?? 0) * Math.max(100, target.averageUtilization) / 100
          : target.averageValueMilli,
      );
    } else if (ratio > 1) metrics.set(pod.name, 0);
  }
  if (scaleUpWithUnready) { for (const pod of unready) metrics.set(pod.name, 0); }
  const next = ratioOf(metrics).ratio;
  if (within(next) || (ratio < 1 && next > 1) || (ratio > 1 && next < 1)) {
    return done(currentReplicas);
  }
  const replicas = Math.ceil(next * metrics.size);
  if ((next < 1 && replicas > currentReplicas) || (next > 1 && replicas < currentReplicas)) {
    return done(currentReplicas);
  }
  return done(replicas);
}

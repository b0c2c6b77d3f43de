/**
 * The replica count one resource metric asks for (upstream's `ReplicaCalculator` for
 * `Resource` metrics), as a pure function of the pods, their requests and their usage:
 *
 * - Pods being deleted or Failed are left out; Pending pods count as unready; for `cpu`, so do
 *   pods whose Ready condition is not True. (Upstream also treats a pod as unready during its
 *   first `cpu-initialization-period` while the sample predates its readiness; here readiness
 *   alone decides.)
 * - `Utilization`: total usage of the ready pods with metrics over their total requests, as a
 *   percentage, against the target; `AverageValue`: their average usage against the target.
 * - Within `tolerance` of the target nothing changes; otherwise `ceil(ratio × pods)`.
 * - Pods without metrics count as using the target (or 100% of their request, whichever is
 *   more) on a scale-down and nothing on a scale-up; unready pods count as using nothing on a
 *   scale-up. When that flips the direction or lands within tolerance, nothing changes.
 *
 * @module
 */

/** A pod as the calculation sees it. */
export interface PodSample {
  name: string;
  /** Deleted or Failed: left out entirely. */
  ignored: boolean;
  /** Pending, or (for cpu) not Ready. */
  unready: boolean;
  /** Sum of the containers' requests of the resource (milli-units); undefined when one lacks it. */
  requestMilli?: number;
  /** The container that lacks a request, for the error. */
  missingRequestIn?: string;
}

/** What the metric aims at: a percentage of the requests, or an average per pod (milli). */
export type ResourceTarget =
  | { type: "Utilization"; averageUtilization: number }
  | { type: "AverageValue"; averageValueMilli: number };

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
  /** Usage by pod name (milli-units), from the metrics API. */
  usage: ReadonlyMap<string, number>;
  target: ResourceTarget;
  tolerance: number;
}): ResourceProposal {
  const { resource, currentReplicas, pods, target, tolerance } = input;
  if (pods.length === 0) {
    throw new Error("no pods returned by selector while calculating replica count");
  }
  const metrics = new Map<string, number>();
  const unready: PodSample[] = [];
  const missing: PodSample[] = [];
  for (const pod of pods) {
    if (pod.ignored) continue;
    const used = input.usage.get(pod.name);
    if (used === undefined) {
      missing.push(pod);
      continue;
    }
    if (pod.unready) {
      unready.push(pod);
      continue;
    }
    metrics.set(pod.name, used);
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

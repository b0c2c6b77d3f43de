/**
 * Deployment rules that need no API: revision and replica annotations, surge and
 * unavailability budgets, which ReplicaSet is the new one, replica sums, the proportions of a
 * scaling event, and the status conditions' reasons.
 *
 * @module
 */
import { deepClone, deepEqual } from "../../../kube/meta.ts";
import { semantic } from "../common/hash.ts";
import type { Deployment, PodTemplate, ReplicaSet } from "../common/types.ts";
import { scaledValue } from "../common/util.ts";

export const REVISION = "deployment.kubernetes.io/revision";
export const REVISION_HISTORY = "deployment.kubernetes.io/revision-history";
export const DESIRED_REPLICAS = "deployment.kubernetes.io/desired-replicas";
export const MAX_REPLICAS = "deployment.kubernetes.io/max-replicas";
export const POD_TEMPLATE_HASH = "pod-template-hash";
/** What kubectl stamps to record why (`--record`, or by hand). */
export const CHANGE_CAUSE = "kubernetes.io/change-cause";

/** Deployment annotations never copied to its ReplicaSets. */
const SKIPPED_ANNOTATIONS = new Set([
  "kubectl.kubernetes.io/last-applied-configuration",
  REVISION,
  REVISION_HISTORY,
  DESIRED_REPLICAS,
  MAX_REPLICAS,
  "deprecated.deployment.rollback.to",
]);

/** Longest `revision-history` annotation kept, in characters. */
export const MAX_REVISION_HISTORY_CHARS = 2000;

/** Progressing / Available / ReplicaFailure reasons, as upstream spells them. */
export const Reason = {
  newRSCreated: "NewReplicaSetCreated",
  foundNewRS: "FoundNewReplicaSet",
  newRSAvailable: "NewReplicaSetAvailable",
  rsUpdated: "ReplicaSetUpdated",
  timedOut: "ProgressDeadlineExceeded",
  paused: "DeploymentPaused",
  resumed: "DeploymentResumed",
  failedRSCreate: "ReplicaSetCreateError",
  minAvailable: "MinimumReplicasAvailable",
  minUnavailable: "MinimumReplicasUnavailable",
} as const;

export function replicasOf(d: Deployment): number {
  return d.spec?.replicas ?? 1;
}

export function isRollingUpdate(d: Deployment): boolean {
  return (d.spec?.strategy?.type ?? "RollingUpdate") === "RollingUpdate";
}

/** `ResolveFenceposts`: surge rounded up, unavailable rounded down, never both zero. */
export function fenceposts(d: Deployment): { surge: number; unavailable: number } {
  const ru = d.spec?.strategy?.rollingUpdate ?? {};
  const total = replicasOf(d);
  const surge = scaledValue(ru.maxSurge ?? "25%", total, true);
  let unavailable = scaledValue(ru.maxUnavailable ?? "25%", total, false);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return { surge, unavailable };
}

export function maxSurge(d: Deployment): number {
  return isRollingUpdate(d) ? fenceposts(d).surge : 0;
}

export function maxUnavailable(d: Deployment): number {
  const replicas = replicasOf(d);
  if (!isRollingUpdate(d) || replicas === 0) return 0;
  return Math.min(fenceposts(d).unavailable, replicas);
}

/** A progress deadline is set (not the "never" value MaxInt32). */
export function hasProgressDeadline(d: Deployment): boolean {
  const s = d.spec?.progressDeadlineSeconds;
  return typeof s === "number" && s !== 2147483647;
}

/** The revision of a ReplicaSet or Deployment (0 when absent or malformed). */
export function revisionOf(obj: { metadata: { annotations?: Record<string, string> } }): number {
  const v = Number(obj.metadata.annotations?.[REVISION]);
  return Number.isInteger(v) && v >= 0 ? v : 0;
}

export function maxRevision(sets: readonly ReplicaSet[]): number {
  return sets.reduce((m, rs) => Math.max(m, revisionOf(rs)), 0);
}

/**
 * Templates equal apart from the `pod-template-hash` label (`EqualIgnoreHash`), with upstream's
 * semantic equality (null, empty and absent are the same).
 */
export function equalIgnoreHash(a: PodTemplate | undefined, b: PodTemplate | undefined) {
  const strip = (t: PodTemplate | undefined) => {
    const c = deepClone(t ?? {});
    if (c.metadata?.labels) delete c.metadata.labels[POD_TEMPLATE_HASH];
    return semantic(c);
  };
  return deepEqual(strip(a), strip(b));
}

function createdAt(rs: ReplicaSet): number {
  return Date.parse(rs.metadata.creationTimestamp ?? "") || 0;
}

/** Oldest first; ties by name (`ReplicaSetsByCreationTimestamp`). */
export function byCreation(a: ReplicaSet, b: ReplicaSet): number {
  return createdAt(a) - createdAt(b) || (a.metadata.name! < b.metadata.name! ? -1 : 1);
}

/** The ReplicaSet running the deployment's template: the oldest one when several do. */
export function findNewReplicaSet(d: Deployment, sets: readonly ReplicaSet[]) {
  return [...sets].sort(byCreation).find((rs) =>
    equalIgnoreHash(rs.spec?.template, d.spec?.template)
  );
}

export function specReplicas(rs: ReplicaSet | undefined): number {
  return rs?.spec?.replicas ?? 0;
}

/** Σ spec.replicas. */
export function sumSpec(sets: readonly (ReplicaSet | undefined)[]): number {
  return sets.reduce((n, rs) => n + specReplicas(rs), 0);
}

/** Σ status.replicas. */
export function sumActual(sets: readonly (ReplicaSet | undefined)[]): number {
  return sets.reduce((n, rs) => n + (rs?.status?.replicas ?? 0), 0);
}

export function sumReady(sets: readonly (ReplicaSet | undefined)[]): number {
  return sets.reduce((n, rs) => n + (rs?.status?.readyReplicas ?? 0), 0);
}

export function sumAvailable(sets: readonly (ReplicaSet | undefined)[]): number {
  return sets.reduce((n, rs) => n + (rs?.status?.availableReplicas ?? 0), 0);
}

/** Sets with spec.replicas > 0. */
export function active(sets: readonly (ReplicaSet | undefined)[]): ReplicaSet[] {
  return sets.filter((rs): rs is ReplicaSet => !!rs && specReplicas(rs) > 0);
}

function annotationInt(rs: ReplicaSet, key: string): number | undefined {
  const v = rs.metadata.annotations?.[key];
  if (v === undefined) return undefined;
  const n = Number(v);
  return Number.isInteger(n) ? n : undefined;
}

export function desiredReplicasAnnotation(rs: ReplicaSet): number | undefined {
  return annotationInt(rs, DESIRED_REPLICAS);
}

/** Sets desired-replicas and max-replicas; true when they changed. */
export function setReplicasAnnotations(rs: ReplicaSet, desired: number, max: number): boolean {
  const a = rs.metadata.annotations ??= {};
  const d = String(desired), m = String(max);
  if (a[DESIRED_REPLICAS] === d && a[MAX_REPLICAS] === m) return false;
  a[DESIRED_REPLICAS] = d;
  a[MAX_REPLICAS] = m;
  return true;
}

/** Copies the deployment's annotations (but the skipped ones) onto `rs`; true on a change. */
export function copyAnnotations(d: Deployment, rs: ReplicaSet): boolean {
  const a = rs.metadata.annotations ??= {};
  let changed = false;
  for (const [k, v] of Object.entries(d.metadata.annotations ?? {})) {
    if (SKIPPED_ANNOTATIONS.has(k) || a[k] === v) continue;
    a[k] = v;
    changed = true;
  }
  return changed;
}

/**
 * `SetNewReplicaSetAnnotations`: deployment annotations, the new revision (when higher, keeping
 * the old one in revision-history: a rollback to this set), and for a set about to be created
 * the replica annotations. True when anything changed.
 */
export function setNewReplicaSetAnnotations(
  d: Deployment,
  rs: ReplicaSet,
  newRevision: number,
  exists: boolean,
): boolean {
  let changed = copyAnnotations(d, rs);
  const a = rs.metadata.annotations!;
  const oldText = a[REVISION];
  const old = revisionOf(rs);
  if (old < newRevision) {
    a[REVISION] = String(newRevision);
    changed = true;
    if (oldText !== undefined && oldText !== "") {
      const history = (a[REVISION_HISTORY] ?? "").split(",").filter(Boolean);
      history.push(oldText);
      while (history.join(",").length > MAX_REVISION_HISTORY_CHARS) history.shift();
      a[REVISION_HISTORY] = history.join(",");
    }
  }
  if (!exists && setReplicasAnnotations(rs, replicasOf(d), replicasOf(d) + maxSurge(d))) {
    changed = true;
  }
  return changed;
}

/** Replicas the new set should have now (`NewRSNewReplicas`). */
export function newRSNewReplicas(d: Deployment, all: readonly ReplicaSet[], rs: ReplicaSet) {
  if (!isRollingUpdate(d)) return replicasOf(d);
  const current = sumSpec(all);
  const maxTotal = replicasOf(d) + maxSurge(d);
  if (current >= maxTotal) return specReplicas(rs);
  const up = Math.min(maxTotal - current, replicasOf(d) - specReplicas(rs));
  return specReplicas(rs) + up;
}

/** The new set runs every desired replica, all available (`IsSaturated`). */
export function isSaturated(d: Deployment, rs: ReplicaSet | undefined): boolean {
  if (!rs) return false;
  return desiredReplicasAnnotation(rs) === replicasOf(d) &&
    (rs.status?.availableReplicas ?? 0) === replicasOf(d);
}

/**
 * The one set with replicas, or the newest (new set first) when none has any; undefined when
 * several have replicas (`FindActiveOrLatest`).
 */
export function activeOrLatest(newRS: ReplicaSet | undefined, olds: readonly ReplicaSet[]) {
  if (!newRS && olds.length === 0) return undefined;
  const sorted = [...olds].sort((a, b) => byCreation(b, a));
  const all = active([...sorted, newRS]);
  if (all.length === 0) return newRS ?? sorted[0];
  if (all.length === 1) return all[0];
  return undefined;
}

/**
 * A set's share of a scaling event (`getProportion` / `getReplicaSetFraction`): its size
 * scaled by the new deployment size over the size recorded in its max-replicas annotation.
 */
export function proportion(
  rs: ReplicaSet,
  d: Deployment,
  toAdd: number,
  added: number,
): number {
  if (specReplicas(rs) === 0 || toAdd === 0 || toAdd === added) return 0;
  let fraction: number;
  if (replicasOf(d) === 0) fraction = -specReplicas(rs);
  else {
    const total = replicasOf(d) + maxSurge(d);
    const annotated = annotationInt(rs, MAX_REPLICAS) ?? d.status?.replicas ?? 0;
    fraction = annotated === 0
      ? 0
      : Math.round((specReplicas(rs) * total) / annotated) - specReplicas(rs);
  }
  const allowed = toAdd - added;
  return toAdd > 0 ? Math.min(fraction, allowed) : Math.max(fraction, allowed);
}

/** The template of a new set: the deployment's plus the hash label. */
export function newRSTemplate(d: Deployment, hash: string): PodTemplate {
  const t = deepClone(d.spec?.template ?? {});
  t.metadata ??= {};
  t.metadata.labels = { ...(t.metadata.labels ?? {}), [POD_TEMPLATE_HASH]: hash };
  return t;
}

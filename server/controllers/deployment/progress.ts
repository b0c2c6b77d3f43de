/**
 * Deployment status and progress (upstream's progress.go and the status half of sync.go): the
 * counts from the ReplicaSets, the `Available` condition, and the `Progressing` condition's
 * life — `ReplicaSetUpdated` while pods move, `NewReplicaSetAvailable` when done,
 * `ProgressDeadlineExceeded` when nothing moved for `progressDeadlineSeconds`, and
 * `DeploymentPaused` / `DeploymentResumed`.
 *
 * @module
 */
import type { Condition, Deployment, DeploymentStatus, ReplicaSet } from "../common/types.ts";
import {
  getCondition,
  newCondition,
  removeCondition,
  setCondition,
  timeOf,
} from "../common/util.ts";
import {
  hasProgressDeadline,
  maxUnavailable,
  Reason,
  replicasOf,
  sumActual,
  sumAvailable,
  sumReady,
  sumSpec,
} from "./util.ts";

/** `calculateStatus`: counts from the sets and the Available condition. */
export function calculateStatus(
  d: Deployment,
  all: readonly (ReplicaSet | undefined)[],
  newRS: ReplicaSet | undefined,
  now: number,
): DeploymentStatus {
  const available = sumAvailable(all);
  const status: DeploymentStatus = {
    observedGeneration: d.metadata.generation,
    replicas: sumActual(all),
    updatedReplicas: sumActual([newRS]),
    readyReplicas: sumReady(all),
    availableReplicas: available,
    unavailableReplicas: Math.max(0, sumSpec(all) - available),
  };
  if (d.status?.collisionCount !== undefined) status.collisionCount = d.status.collisionCount;
  let conditions: Condition[] = [...(d.status?.conditions ?? [])];
  conditions = available >= replicasOf(d) - maxUnavailable(d)
    ? setCondition(
      conditions,
      newCondition(
        "Available",
        "True",
        Reason.minAvailable,
        "Deployment has minimum availability.",
        now,
        true,
      ),
    )
    : setCondition(
      conditions,
      newCondition(
        "Available",
        "False",
        Reason.minUnavailable,
        "Deployment does not have minimum availability.",
        now,
        true,
      ),
    );
  status.conditions = conditions;
  return status;
}

/** Every replica updated and available, and the latest spec observed. */
export function deploymentComplete(d: Deployment, s: DeploymentStatus): boolean {
  const r = replicasOf(d);
  return (s.updatedReplicas ?? 0) === r && (s.replicas ?? 0) === r &&
    (s.availableReplicas ?? 0) === r && (s.observedGeneration ?? 0) >= (d.metadata.generation ?? 0);
}

/** Something moved since the last status (`DeploymentProgressing`). */
function progressing(d: Deployment, s: DeploymentStatus): boolean {
  const old = d.status ?? {};
  const oldOld = (old.replicas ?? 0) - (old.updatedReplicas ?? 0);
  const newOld = (s.replicas ?? 0) - (s.updatedReplicas ?? 0);
  return (s.updatedReplicas ?? 0) > (old.updatedReplicas ?? 0) || newOld < oldOld ||
    (s.readyReplicas ?? 0) > (old.readyReplicas ?? 0) ||
    (s.availableReplicas ?? 0) > (old.availableReplicas ?? 0);
}

/** Nothing moved for longer than the deadline (`DeploymentTimedOut`). */
function timedOut(d: Deployment, s: DeploymentStatus, now: number): boolean {
  if (!hasProgressDeadline(d)) return false;
  const c = getCondition(s.conditions, "Progressing");
  if (!c || c.reason === Reason.newRSAvailable) return false;
  if (c.reason === Reason.timedOut) return true;
  const from = timeOf(c.lastUpdateTime);
  if (from === undefined) return false;
  return from + d.spec!.progressDeadlineSeconds! * 1000 < now;
}

/**
 * `syncRolloutStatus`: the status with a Progressing condition brought up to date, and after how
 * many milliseconds to look again for a deadline (undefined when no deadline is running).
 */
export function rolloutStatus(
  d: Deployment,
  all: readonly (ReplicaSet | undefined)[],
  newRS: ReplicaSet | undefined,
  now: number,
): { status: DeploymentStatus; recheckMs?: number } {
  const status = calculateStatus(d, all, newRS, now);
  let conditions = status.conditions ?? [];
  if (!hasProgressDeadline(d)) conditions = removeCondition(conditions, "Progressing");
  const currentCond = getCondition(d.status?.conditions, "Progressing");
  const complete = status.replicas === status.updatedReplicas &&
    currentCond?.reason === Reason.newRSAvailable;
  if (hasProgressDeadline(d) && !complete) {
    const rsName = newRS?.metadata.name;
    status.conditions = conditions;
    if (deploymentComplete(d, status)) {
      const msg = rsName
        ? `ReplicaSet "${rsName}" has successfully progressed.`
        : `Deployment "${d.metadata.name}" has successfully progressed.`;
      conditions = setCondition(
        conditions,
        newCondition("Progressing", "True", Reason.newRSAvailable, msg, now, true),
      );
    } else if (progressing(d, status)) {
      const msg = rsName
        ? `ReplicaSet "${rsName}" is progressing.`
        : `Deployment "${d.metadata.name}" is progressing.`;
      const c = newCondition("Progressing", "True", Reason.rsUpdated, msg, now, true);
      if (currentCond?.status === "True") c.lastTransitionTime = currentCond.lastTransitionTime;
      conditions = [...removeCondition(conditions, "Progressing"), c];
    } else if (timedOut(d, status, now)) {
      const msg = rsName
        ? `ReplicaSet "${rsName}" has timed out progressing.`
        : `Deployment "${d.metadata.name}" has timed out progressing.`;
      conditions = setCondition(
        conditions,
        newCondition("Progressing", "False", Reason.timedOut, msg, now, true),
      );
    }
  }
  const failure = replicaFailure(all, newRS);
  conditions = failure
    ? setCondition(conditions, { ...failure })
    : removeCondition(conditions, "ReplicaFailure");
  status.conditions = conditions;
  return { status, recheckMs: recheck(d, status, now) };
}

/** A ReplicaFailure condition of the new set first, else of any set (`getReplicaFailures`). */
function replicaFailure(all: readonly (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined) {
  const fromSet = (rs: ReplicaSet | undefined) =>
    getCondition(rs?.status?.conditions, "ReplicaFailure");
  const c = fromSet(newRS) ?? all.map(fromSet).find(Boolean);
  return c && c.status === "True" ? c : undefined;
}

/** When a running deadline falls due (`requeueStuckDeployment`). */
function recheck(d: Deployment, status: DeploymentStatus, now: number): number | undefined {
  const c = getCondition(status.conditions, "Progressing");
  if (!hasProgressDeadline(d) || !c) return undefined;
  if (c.reason === Reason.newRSAvailable || c.reason === Reason.timedOut) return undefined;
  if (deploymentComplete(d, status)) return undefined;
  const from = timeOf(c.lastUpdateTime);
  if (from === undefined) return undefined;
  return Math.max(0, from + d.spec!.progressDeadlineSeconds! * 1000 - now) + 1000;
}

/**
 * `checkPausedConditions`: the Progressing condition records a pause or a resume (never over a
 * timed-out one). Returns the new conditions, or undefined when nothing changes.
 */
export function pausedConditions(d: Deployment, now: number): Condition[] | undefined {
  if (!hasProgressDeadline(d)) return undefined;
  const c = getCondition(d.status?.conditions, "Progressing");
  if (c?.reason === Reason.timedOut) return undefined;
  const pausedCond = c?.reason === Reason.paused;
  const conditions = d.status?.conditions ?? [];
  if (d.spec?.paused && !pausedCond) {
    return setCondition(
      conditions,
      newCondition("Progressing", "Unknown", Reason.paused, "Deployment is paused", now, true),
    );
  }
  if (!d.spec?.paused && pausedCond) {
    return setCondition(
      conditions,
      newCondition("Progressing", "Unknown", Reason.resumed, "Deployment is resumed", now, true),
    );
  }
  return undefined;
}

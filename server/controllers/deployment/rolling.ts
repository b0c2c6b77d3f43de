/**
 * The two rollout strategies (upstream's rolling.go and recreate.go).
 *
 * RollingUpdate: scale the new set up while the total stays within replicas + maxSurge, and old
 * sets down while available pods stay at or above replicas − maxUnavailable — unhealthy old
 * replicas first, then the oldest sets first.
 *
 * Recreate: scale every old set to zero, wait until no old pod runs, then scale the new set up.
 *
 * @module
 */
import type { Pod, ReplicaSet } from "../common/types.ts";
import { current, newAndOldSets, scaleSet, type Sync } from "./sync.ts";
import {
  active,
  byCreation,
  maxUnavailable,
  newRSNewReplicas,
  replicasOf,
  specReplicas,
  sumAvailable,
  sumSpec,
} from "./util.ts";

/** What a strategy hands back: the sets after scaling, for status and cleanup. */
export interface RolloutResult {
  newRS?: ReplicaSet;
  oldRSs: ReplicaSet[];
  /** Something was scaled: the rollout is not finished (no cleanup yet). */
  scaled: boolean;
}

function refresh(s: Sync, newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[]) {
  return { newRS: current(s, newRS), oldRSs: oldRSs.map((rs) => current(s, rs)!) };
}

/** `rolloutRolling`. */
export async function rolloutRolling(s: Sync): Promise<RolloutResult> {
  const first = await newAndOldSets(s, true);
  let { newRS, oldRSs } = first;
  if (await reconcileNewSet(s, [...oldRSs, newRS!], newRS!)) {
    return { ...refresh(s, newRS, oldRSs), scaled: true };
  }
  ({ newRS, oldRSs } = refresh(s, newRS, oldRSs));
  const scaledDown = await reconcileOldSets(s, oldRSs, newRS!);
  return { ...refresh(s, newRS, oldRSs), scaled: scaledDown };
}

async function reconcileNewSet(s: Sync, all: ReplicaSet[], newRS: ReplicaSet): Promise<boolean> {
  const want = replicasOf(s.d);
  if (specReplicas(newRS) === want) return false;
  if (specReplicas(newRS) > want) return await scaleSet(s, newRS, want);
  return await scaleSet(s, newRS, newRSNewReplicas(s.d, all, newRS));
}

async function reconcileOldSets(s: Sync, oldRSs: ReplicaSet[], newRS: ReplicaSet) {
  if (sumSpec(oldRSs) === 0) return false;
  const all = [...oldRSs, newRS];
  const minAvailable = replicasOf(s.d) - maxUnavailable(s.d);
  const newUnavailable = specReplicas(newRS) - (newRS.status?.availableReplicas ?? 0);
  const maxScaledDown = sumSpec(all) - minAvailable - newUnavailable;
  if (maxScaledDown <= 0) return false;
  const cleaned = await cleanupUnhealthy(s, active(oldRSs), maxScaledDown);
  const olds = oldRSs.map((rs) => current(s, rs)!);
  const scaled = await scaleDownOld(s, [...olds, current(s, newRS)!], olds);
  return cleaned + scaled > 0;
}

/** Scales old sets down by their unavailable replicas, oldest first, within `max`. */
async function cleanupUnhealthy(s: Sync, oldRSs: ReplicaSet[], max: number): Promise<number> {
  let total = 0;
  for (const rs of [...oldRSs].sort(byCreation)) {
    if (total >= max) break;
    const replicas = specReplicas(rs);
    const available = rs.status?.availableReplicas ?? 0;
    // A set scaled down keeps its surplus pods, available, until its own controller deletes
    // them: more available than wanted is not unhealthy (and must never scale the set up).
    if (replicas === 0 || available >= replicas) continue;
    const down = Math.min(max - total, replicas - available);
    await scaleSet(s, rs, replicas - down);
    total += down;
  }
  return total;
}

/** Scales old sets down while availability stays at the minimum, oldest first. */
async function scaleDownOld(s: Sync, all: ReplicaSet[], oldRSs: ReplicaSet[]): Promise<number> {
  const minAvailable = replicasOf(s.d) - maxUnavailable(s.d);
  const available = sumAvailable(all);
  if (available <= minAvailable) return 0;
  const budget = available - minAvailable;
  let total = 0;
  for (const rs of [...oldRSs].sort(byCreation)) {
    if (total >= budget) break;
    if (specReplicas(rs) === 0) continue;
    const down = Math.min(specReplicas(rs), budget - total);
    await scaleSet(s, rs, specReplicas(rs) - down);
    total += down;
  }
  return total;
}

/** `rolloutRecreate`; `pods` are the deployment's pods by ReplicaSet uid. */
export async function rolloutRecreate(
  s: Sync,
  pods: Map<string, Pod[]>,
): Promise<RolloutResult> {
  let { newRS, oldRSs } = await newAndOldSets(s, false);
  let scaled = false;
  for (const rs of active(oldRSs)) {
    if (await scaleSet(s, rs, 0)) scaled = true;
  }
  if (scaled) return { ...refresh(s, newRS, oldRSs), scaled: true };
  ({ newRS, oldRSs } = refresh(s, newRS, oldRSs));
  if (oldPodsRunning(newRS, oldRSs, pods)) return { newRS, oldRSs, scaled: true };
  if (!newRS) ({ newRS, oldRSs } = await newAndOldSets(s, true));
  const up = await scaleSet(s, newRS!, replicasOf(s.d));
  return { ...refresh(s, newRS, oldRSs), scaled: up };
}

function oldPodsRunning(
  newRS: ReplicaSet | undefined,
  oldRSs: ReplicaSet[],
  pods: Map<string, Pod[]>,
): boolean {
  if (oldRSs.reduce((n, rs) => n + (rs.status?.replicas ?? 0), 0) > 0) return true;
  for (const [uid, list] of pods) {
    if (newRS && newRS.metadata.uid === uid) continue;
    for (const p of list) {
      const phase = p.status?.phase;
      if (phase !== "Failed" && phase !== "Succeeded") return true;
    }
  }
  return false;
}

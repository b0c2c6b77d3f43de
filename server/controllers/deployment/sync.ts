/**
 * The Deployment controller's steps that write (upstream's sync.go): find or create the new
 * ReplicaSet and keep revisions in order, scale a set (recording `ScalingReplicaSet`), scale
 * proportionally on a scaling event or while paused, delete old sets beyond
 * `revisionHistoryLimit`, and write status.
 *
 * @module
 */
import {
  type Clock,
  DEPLOYMENTS,
  type EventRecorder,
  isAlreadyExists,
  type KubeClient,
  objectReference,
  REPLICA_SETS,
  type Resource,
} from "../../../kube/client/mod.ts";
import { deepClone } from "../../../kube/meta.ts";
import { computeHash } from "../common/hash.ts";
import { newControllerRef } from "../common/owner.ts";
import { errText, writeStatus } from "../common/status.ts";
import type { Deployment, LabelSelector, ReplicaSet } from "../common/types.ts";
import { getCondition, newCondition, setCondition } from "../common/util.ts";
import { calculateStatus } from "./progress.ts";
import {
  active,
  activeOrLatest,
  byCreation,
  desiredReplicasAnnotation,
  equalIgnoreHash,
  findNewReplicaSet,
  hasProgressDeadline,
  isRollingUpdate,
  isSaturated,
  maxRevision,
  maxSurge,
  newRSNewReplicas,
  newRSTemplate,
  POD_TEMPLATE_HASH,
  proportion,
  Reason,
  replicasOf,
  REVISION,
  revisionOf,
  setNewReplicaSetAnnotations,
  setReplicasAnnotations,
  specReplicas,
  sumSpec,
} from "./util.ts";

const RS = REPLICA_SETS as Resource<ReplicaSet>;
const DEPLOY = DEPLOYMENTS as Resource<Deployment>;

/** What the steps need from the controller. */
export interface SyncContext {
  client: KubeClient;
  recorder: EventRecorder;
  clock: Clock;
  /** Looks at the deployment again after `ms`. */
  requeueAfter(ms: number): void;
}

/** The deployment being synced; steps replace `d` with what the API returned. */
export interface Sync {
  ctx: SyncContext;
  d: Deployment;
  /** The ReplicaSets it controls. */
  sets: ReplicaSet[];
}

export function event(s: Sync, type: "Normal" | "Warning", reason: string, message: string) {
  s.ctx.recorder.event(objectReference(DEPLOY, s.d), type, reason, message);
}

/** Writes the deployment's status when it changed; keeps `s.d` current. */
export async function updateStatus(s: Sync, status: Deployment["status"]): Promise<void> {
  const written = await writeStatus(s.ctx.client, DEPLOY, s.d, status);
  if (written) s.d = written;
  else s.d = { ...s.d, status };
}

/** Stamps the deployment's revision annotation (a metadata write: status writes drop it). */
async function setDeploymentRevision(s: Sync, revision: string): Promise<void> {
  if (s.d.metadata.annotations?.[REVISION] === revision) return;
  const next = deepClone(s.d);
  next.metadata.annotations = { ...(next.metadata.annotations ?? {}), [REVISION]: revision };
  s.d = await s.ctx.client.update(DEPLOY, next);
}

function replaceSet(s: Sync, rs: ReplicaSet): void {
  s.sets = s.sets.map((x) => (x.metadata.uid === rs.metadata.uid ? rs : x));
}

/**
 * `getAllReplicaSetsAndSyncRevision`: the new set (created when `create` and missing) and the
 * old ones, with the new set's revision above every old one.
 */
export async function newAndOldSets(
  s: Sync,
  create: boolean,
): Promise<{ newRS?: ReplicaSet; oldRSs: ReplicaSet[] }> {
  const existing = findNewReplicaSet(s.d, s.sets);
  const oldRSs = s.sets.filter((rs) => rs !== existing);
  const newRevision = maxRevision(oldRSs) + 1;
  if (existing) {
    const copy = deepClone(existing);
    const annotated = setNewReplicaSetAnnotations(s.d, copy, newRevision, true);
    const minReady = s.d.spec?.minReadySeconds ?? 0;
    if (annotated || (copy.spec?.minReadySeconds ?? 0) !== minReady) {
      copy.spec = { ...copy.spec, minReadySeconds: minReady };
      const updated = await s.ctx.client.update(RS, copy);
      replaceSet(s, updated);
      return { newRS: updated, oldRSs };
    }
    await setDeploymentRevision(s, copy.metadata.annotations?.[REVISION] ?? String(newRevision));
    if (hasProgressDeadline(s.d) && !getCondition(s.d.status?.conditions, "Progressing")) {
      const c = newCondition(
        "Progressing",
        "True",
        Reason.foundNewRS,
        `Found new replica set "${copy.metadata.name}"`,
        s.ctx.clock.now(),
        true,
      );
      await updateStatus(s, {
        ...s.d.status,
        conditions: setCondition(s.d.status?.conditions ?? [], c),
      });
    }
    return { newRS: existing, oldRSs };
  }
  if (!create) return { newRS: undefined, oldRSs };
  return { newRS: await createNewSet(s, oldRSs, newRevision), oldRSs };
}

async function createNewSet(
  s: Sync,
  oldRSs: ReplicaSet[],
  newRevision: number,
): Promise<ReplicaSet> {
  const d = s.d;
  const hash = computeHash(d.spec?.template ?? {}, d.status?.collisionCount);
  const selector: LabelSelector = deepClone(d.spec?.selector ?? {});
  selector.matchLabels = { ...(selector.matchLabels ?? {}), [POD_TEMPLATE_HASH]: hash };
  const template = newRSTemplate(d, hash);
  const rs: ReplicaSet = {
    apiVersion: "apps/v1",
    kind: "ReplicaSet",
    metadata: {
      name: `${d.metadata.name}-${hash}`,
      namespace: d.metadata.namespace,
      labels: { ...(template.metadata?.labels ?? {}) },
      ownerReferences: [newControllerRef(d, "apps/v1", "Deployment")],
    },
    spec: {
      replicas: 0,
      minReadySeconds: d.spec?.minReadySeconds ?? 0,
      selector,
      template,
    },
  };
  rs.spec!.replicas = newRSNewReplicas(d, [...oldRSs, rs], rs);
  setNewReplicaSetAnnotations(d, rs, newRevision, false);
  let created: ReplicaSet;
  try {
    created = await s.ctx.client.create(RS, rs);
  } catch (err) {
    if (isAlreadyExists(err)) return await onNameTaken(s, rs);
    const msg = `Failed to create new replica set "${rs.metadata.name}": ${errText(err)}`;
    if (hasProgressDeadline(d)) {
      const c = newCondition(
        "Progressing",
        "False",
        Reason.failedRSCreate,
        msg,
        s.ctx.clock.now(),
        true,
      );
      await updateStatus(s, {
        ...d.status,
        conditions: setCondition(d.status?.conditions ?? [], c),
      })
        .catch(() => {});
    }
    event(s, "Warning", Reason.failedRSCreate, msg);
    throw err;
  }
  s.sets = [...s.sets, created];
  const replicas = specReplicas(created);
  if (replicas > 0) {
    event(
      s,
      "Normal",
      "ScalingReplicaSet",
      `Scaled up replica set ${created.metadata.name} from 0 to ${replicas}`,
    );
  }
  await setDeploymentRevision(s, String(newRevision));
  if (hasProgressDeadline(s.d)) {
    const c = newCondition(
      "Progressing",
      "True",
      Reason.newRSCreated,
      `Created new replica set "${created.metadata.name}"`,
      s.ctx.clock.now(),
      true,
    );
    await updateStatus(s, {
      ...s.d.status,
      conditions: setCondition(s.d.status?.conditions ?? [], c),
    });
  }
  return created;
}

/**
 * A set of our name exists: ours with the same template means the cache was stale; anything else
 * is a hash collision, counted in status.collisionCount so the next hash differs.
 */
async function onNameTaken(s: Sync, wanted: ReplicaSet): Promise<ReplicaSet> {
  const found = await s.ctx.client.get(RS, wanted.metadata.name!, {
    namespace: wanted.metadata.namespace,
  });
  const ours = found.metadata.ownerReferences?.some((r) =>
    r.uid === s.d.metadata.uid && r.controller
  );
  if (ours && equalIgnoreHash(found.spec?.template, s.d.spec?.template)) return found;
  const collisionCount = (s.d.status?.collisionCount ?? 0) + 1;
  await updateStatus(s, { ...s.d.status, collisionCount });
  throw new Error(
    `Cannot create replica set ${wanted.metadata.name}: the name is taken (hash collision ${collisionCount})`,
  );
}

/** Sets a set's replicas and replica annotations; records the scaling event. */
export async function scaleSet(s: Sync, rs: ReplicaSet, replicas: number): Promise<boolean> {
  const copy = deepClone(rs);
  const sizeChanged = specReplicas(rs) !== replicas;
  const annotated = setReplicasAnnotations(copy, replicasOf(s.d), replicasOf(s.d) + maxSurge(s.d));
  if (!sizeChanged && !annotated) return false;
  copy.spec = { ...copy.spec, replicas };
  const updated = await s.ctx.client.update(RS, copy);
  replaceSet(s, updated);
  if (sizeChanged) {
    const op = specReplicas(rs) < replicas ? "up" : "down";
    event(
      s,
      "Normal",
      "ScalingReplicaSet",
      `Scaled ${op} replica set ${rs.metadata.name} from ${specReplicas(rs)} to ${replicas}`,
    );
  }
  return sizeChanged;
}

/** The current copy of `rs` in `s.sets` (after a scale replaced it). */
export function current(s: Sync, rs: ReplicaSet | undefined): ReplicaSet | undefined {
  return rs && s.sets.find((x) => x.metadata.uid === rs.metadata.uid);
}

/** A replica count changed without a template change (`isScalingEvent`). */
export async function isScalingEvent(s: Sync): Promise<boolean> {
  const { newRS, oldRSs } = await newAndOldSets(s, false);
  for (const rs of active([...oldRSs, newRS])) {
    const desired = desiredReplicasAnnotation(rs);
    if (desired !== undefined && desired !== replicasOf(s.d)) return true;
  }
  return false;
}

/** Scales proportionally for a scaling event or while paused (upstream's `scale`). */
async function scale(s: Sync, newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[]) {
  const d = s.d;
  const only = activeOrLatest(newRS, oldRSs);
  if (only) {
    if (specReplicas(only) !== replicasOf(d)) await scaleSet(s, only, replicasOf(d));
    return;
  }
  if (isSaturated(d, newRS)) {
    for (const old of active(oldRSs)) await scaleSet(s, old, 0);
    return;
  }
  if (!isRollingUpdate(d)) return;
  const all = active([...oldRSs, newRS]);
  const allowed = replicasOf(d) > 0 ? replicasOf(d) + maxSurge(d) : 0;
  const toAdd = allowed - sumSpec(all);
  const created = (rs: ReplicaSet) => Date.parse(rs.metadata.creationTimestamp ?? "") || 0;
  if (toAdd > 0) all.sort((a, b) => specReplicas(b) - specReplicas(a) || created(b) - created(a));
  else if (toAdd < 0) {
    all.sort((a, b) => specReplicas(b) - specReplicas(a) || created(a) - created(b));
  }
  let added = 0;
  const sizes = new Map<string, number>();
  for (const rs of all) {
    if (toAdd !== 0) {
      const p = proportion(rs, d, toAdd, added);
      sizes.set(rs.metadata.name!, specReplicas(rs) + p);
      added += p;
    } else sizes.set(rs.metadata.name!, specReplicas(rs));
  }
  if (all.length && added !== toAdd) {
    const first = all[0].metadata.name!;
    sizes.set(first, Math.max(0, sizes.get(first)! + toAdd - added));
  }
  for (const rs of all) await scaleSet(s, rs, sizes.get(rs.metadata.name!)!);
}

/** Scaling and paused deployments: no rollout, only sizes, cleanup and status (`sync`). */
export async function syncScaleOnly(s: Sync): Promise<void> {
  const { newRS, oldRSs } = await newAndOldSets(s, false);
  await scale(s, newRS, oldRSs);
  const olds = oldRSs.map((rs) => current(s, rs)!);
  if (s.d.spec?.paused) await cleanup(s, olds);
  await syncStatus(s, [...olds, current(s, newRS)], current(s, newRS));
}

/** Status without progress conditions (`syncDeploymentStatus`). */
export async function syncStatus(
  s: Sync,
  all: (ReplicaSet | undefined)[],
  newRS: ReplicaSet | undefined,
): Promise<void> {
  await updateStatus(s, calculateStatus(s.d, all, newRS, s.ctx.clock.now()));
}

/** Deletes the oldest idle old sets beyond `revisionHistoryLimit` (`cleanupDeployment`). */
export async function cleanup(s: Sync, oldRSs: ReplicaSet[]): Promise<void> {
  const limit = s.d.spec?.revisionHistoryLimit;
  if (limit === undefined || limit === null) return;
  const alive = oldRSs.filter((rs) => !rs.metadata.deletionTimestamp);
  const diff = alive.length - limit;
  if (diff <= 0) return;
  alive.sort((a, b) => revisionOf(a) - revisionOf(b) || byCreation(a, b));
  for (const rs of alive.slice(0, diff)) {
    if ((rs.status?.replicas ?? 0) !== 0 || specReplicas(rs) !== 0) continue;
    if ((rs.metadata.generation ?? 0) > (rs.status?.observedGeneration ?? 0)) continue;
    try {
      await s.ctx.client.delete(RS, rs.metadata.name!, {
        namespace: rs.metadata.namespace,
        preconditions: { uid: rs.metadata.uid },
      });
    } catch (err) {
      if ((err as { code?: number }).code !== 404) throw err;
    }
  }
}

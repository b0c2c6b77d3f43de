/**
 * {@link StatefulSetController}: pods with stable identities `<set>-<ordinal>` (hostname, the
 * governing service as subdomain, `statefulset.kubernetes.io/pod-name` and
 * `apps.kubernetes.io/pod-index` labels) and stable storage (a PVC `<template>-<set>-<ordinal>`
 * per volumeClaimTemplate), as upstream's stateful set control:
 *
 * - OrderedReady: create 0, 1, 2… each only once its predecessors are Running and Ready (and
 *   available for minReadySeconds); scale down from the highest ordinal, one at a time, after
 *   every remaining pod is healthy. Parallel: all at once.
 * - RollingUpdate: replace pods not at the update revision from the highest ordinal down to the
 *   partition, one at a time, waiting for each to be healthy; OnDelete: only recreated pods
 *   change.
 * - Revisions are ControllerRevisions (see `common/revisions.ts`); pods carry
 *   `controller-revision-hash: <revision name>`; status reports current and update revisions.
 *
 * @module
 */
import {
  BY_NAMESPACE,
  CONTROLLER_REVISIONS,
  isAlreadyExists,
  isNotFound,
  namespaceIndex,
  objectReference,
  PERSISTENT_VOLUME_CLAIMS,
  PODS,
  type Resource,
  type SharedInformer,
  STATEFUL_SETS,
} from "../../../kube/client/mod.ts";
import { deepClone } from "../../../kube/meta.ts";
import { Controller, type ControllerConfig } from "../framework/mod.ts";
import { claim, isControlledBy, newControllerRef } from "../common/owner.ts";
import { isPodAvailable, isPodReady, msUntilAvailable, podFromTemplate } from "../common/pods.ts";
import {
  type Revisions,
  revisionTemplate,
  syncRevisions,
  truncateHistory,
} from "../common/revisions.ts";
import { errText, writeStatus } from "../common/status.ts";
import type { ControllerRevision, Pod, StatefulSet } from "../common/types.ts";
import { ownerKeys, selectorOf } from "../common/util.ts";
import { Claims, claimVolumes } from "./claims.ts";

export const POD_NAME_LABEL = "statefulset.kubernetes.io/pod-name";
export const POD_INDEX_LABEL = "apps.kubernetes.io/pod-index";
export const REVISION_LABEL = "controller-revision-hash";

const STS = STATEFUL_SETS as Resource<StatefulSet>;
const PVCS = PERSISTENT_VOLUME_CLAIMS;
const REVISIONS = CONTROLLER_REVISIONS as Resource<ControllerRevision>;

/** The ordinal in a pod's name `<set>-<n>`, or undefined when the name is not of the set. */
export function ordinalOf(set: StatefulSet, pod: Pod): number | undefined {
  const prefix = `${set.metadata.name}-`;
  const name = pod.metadata.name ?? "";
  if (!name.startsWith(prefix)) return undefined;
  const rest = name.slice(prefix.length);
  return /^(0|[1-9]\d*)$/.test(rest) ? Number(rest) : undefined;
}

function phase(p: Pod): string | undefined {
  return p.status?.phase;
}

function runningAndReady(p: Pod): boolean {
  return phase(p) === "Running" && isPodReady(p);
}

function terminating(p: Pod): boolean {
  return !!p.metadata.deletionTimestamp;
}

function healthy(p: Pod): boolean {
  return runningAndReady(p) && !terminating(p);
}

/** The pod's identity labels are in place. */
function identityMatches(pod: Pod, ord: number): boolean {
  const l = pod.metadata.labels ?? {};
  return l[POD_NAME_LABEL] === pod.metadata.name && l[POD_INDEX_LABEL] === String(ord);
}

/** One pass over a set: what it did and whether it must look again soon. */
interface Pass {
  set: StatefulSet;
  pods: Pod[];
  revisions: Revisions;
  /** Milliseconds until a pod becomes available. */
  recheckMs: number;
}

/** Runs StatefulSets. */
export class StatefulSetController extends Controller {
  readonly #sets: SharedInformer<StatefulSet>;
  readonly #pods: SharedInformer<Pod>;
  readonly #revisions: SharedInformer<ControllerRevision>;
  readonly #claims: Claims;

  constructor(config: ControllerConfig) {
    super(config);
    const byNs = { [BY_NAMESPACE]: namespaceIndex };
    this.#sets = this.watch(STS, { indexers: byNs });
    this.#pods = this.watch(PODS, {
      indexers: byNs,
      keys: (pod) =>
        ownerKeys(pod, "StatefulSet", this.#sets.store, (s) => selectorOf(s.spec?.selector)),
    });
    this.#revisions = this.watch(REVISIONS, { indexers: byNs, keys: () => undefined });
    const claims = this.watch(PVCS, { indexers: byNs, keys: () => undefined });
    this.#claims = new Claims(
      this.client,
      claims.store,
      (set, type, reason, msg) => this.#event(set, type, reason, msg),
    );
  }

  protected async reconcile(key: string): Promise<void> {
    const set = this.#sets.store.get(key);
    if (!set) return;
    const ns = set.metadata.namespace!;
    const selector = selectorOf(set.spec?.selector);
    const pods = await claim(
      this.#pods.store.byIndex(BY_NAMESPACE, ns),
      { owner: set, apiVersion: "apps/v1", kind: "StatefulSet", selector },
      {
        client: this.client,
        resource: PODS,
        canAdopt: async () => {
          const fresh = await this.client.get(STS, set.metadata.name!, { namespace: ns });
          return fresh.metadata.uid === set.metadata.uid && !fresh.metadata.deletionTimestamp;
        },
      },
    );
    const owned = this.#revisions.store.byIndex(BY_NAMESPACE, ns)
      .filter((r) => isControlledBy(r, set.metadata.uid));
    const revs = await syncRevisions(
      this.client,
      {
        owner: set,
        apiVersion: "apps/v1",
        kind: "StatefulSet",
        template: set.spec?.template,
      },
      owned,
      set.status?.currentRevision,
      set.status?.collisionCount ?? 0,
    );
    const pass: Pass = { set, pods, revisions: revs, recheckMs: 0 };
    let error: unknown;
    try {
      if (!set.metadata.deletionTimestamp) await this.#step(pass);
    } catch (err) {
      error = err;
    }
    await writeStatus(this.client, STS, set, this.#status(pass));
    const live = new Set([revs.current.metadata.name!, revs.update.metadata.name!]);
    for (const p of pass.pods) {
      const r = p.metadata.labels?.[REVISION_LABEL];
      if (r) live.add(r);
    }
    await truncateHistory(this.client, revs.all, live, set.spec?.revisionHistoryLimit ?? 10);
    if (error) throw error;
    if (pass.recheckMs > 0) this.queue.addAfter(key, pass.recheckMs);
  }

  /** One step of the set's state machine; returns early wherever upstream waits. */
  async #step(pass: Pass): Promise<void> {
    const { set, revisions } = pass;
    const start = set.spec?.ordinals?.start ?? 0;
    const replicas = set.spec?.replicas ?? 1;
    const slots: (Pod | undefined)[] = Array(replicas).fill(undefined);
    const condemned: Pod[] = [];
    for (const pod of pass.pods) {
      const ord = ordinalOf(set, pod);
      if (ord === undefined) continue;
      if (ord >= start && ord < start + replicas) slots[ord - start] = pod;
      else condemned.push(pod);
    }
    condemned.sort((a, b) => ordinalOf(set, a)! - ordinalOf(set, b)!);
    const monotonic = set.spec?.podManagementPolicy !== "Parallel";
    const firstUnhealthy = [...slots, ...condemned].find((p) => p && !healthy(p));
    const minReady = set.spec?.minReadySeconds ?? 0;
    const now = this.clock.now();

    for (let i = 0; i < replicas; i++) {
      const ord = start + i;
      const pod = slots[i];
      if (!pod) {
        const created = await this.#createPod(set, ord, this.#revisionFor(set, revisions, i));
        if (created) pass.pods.push(created);
        if (monotonic) return;
        continue;
      }
      if (phase(pod) === "Failed" || phase(pod) === "Succeeded") {
        if (!terminating(pod)) await this.#deletePod(set, pod);
        if (monotonic) return;
        continue;
      }
      if (phase(pod) === "Pending" || phase(pod) === undefined) {
        await this.#claims.create(set, ord, pod.metadata.name!);
      }
      if (monotonic && (terminating(pod) || !runningAndReady(pod))) return;
      if (monotonic && !isPodAvailable(pod, minReady, now)) {
        pass.recheckMs = Math.max(pass.recheckMs, msUntilAvailable(pod, minReady, now));
        return;
      }
      if (!identityMatches(pod, ord)) await this.#fixIdentity(pod, ord);
    }

    for (let j = condemned.length - 1; j >= 0; j--) {
      const pod = condemned[j];
      if (terminating(pod)) {
        if (monotonic) return;
        continue;
      }
      if (monotonic && !runningAndReady(pod) && pod !== firstUnhealthy) return;
      await this.#claims.releaseOnScaleDown(set, pod, ordinalOf(set, pod)!);
      await this.#deletePod(set, pod);
      if (monotonic) return;
    }

    if (set.spec?.updateStrategy?.type === "OnDelete") return;
    const partition = set.spec?.updateStrategy?.rollingUpdate?.partition ?? 0;
    for (let target = replicas - 1; target >= partition; target--) {
      const pod = slots[target];
      if (!pod) return;
      if (pod.metadata.labels?.[REVISION_LABEL] !== revisions.update.metadata.name) {
        if (!terminating(pod)) {
          await this.#deletePod(set, pod);
          return;
        }
      }
      if (!healthy(pod)) return;
    }
  }

  /** Which revision a new pod at slot `i` gets (`newVersionedStatefulSetPod`). */
  #revisionFor(set: StatefulSet, revs: Revisions, i: number): ControllerRevision {
    const strategy = set.spec?.updateStrategy;
    if ((strategy?.type ?? "RollingUpdate") !== "RollingUpdate") return revs.update;
    const partition = strategy?.rollingUpdate?.partition;
    const currentUpTo = partition ?? set.status?.currentReplicas ?? 0;
    return i < currentUpTo ? revs.current : revs.update;
  }

  async #createPod(
    set: StatefulSet,
    ord: number,
    rev: ControllerRevision,
  ): Promise<Pod | undefined> {
    const name = `${set.metadata.name}-${ord}`;
    const pod = podFromTemplate(
      revisionTemplate(rev),
      set.metadata.namespace!,
      set.metadata.name!,
      newControllerRef(set, "apps/v1", "StatefulSet"),
    );
    delete pod.metadata.generateName;
    pod.metadata.name = name;
    pod.metadata.labels = {
      ...pod.metadata.labels,
      [POD_NAME_LABEL]: name,
      [POD_INDEX_LABEL]: String(ord),
      [REVISION_LABEL]: rev.metadata.name!,
    };
    pod.spec!.hostname = name;
    if (set.spec?.serviceName) pod.spec!.subdomain = set.spec.serviceName;
    pod.spec!.volumes = claimVolumes(set, ord, pod.spec?.volumes);
    await this.#claims.create(set, ord, name);
    try {
      const created = await this.client.create(PODS, pod);
      this.#event(
        set,
        "Normal",
        "SuccessfulCreate",
        `create Pod ${name} in StatefulSet ${set.metadata.name} successful`,
      );
      return created;
    } catch (err) {
      if (isAlreadyExists(err)) return undefined;
      this.#event(
        set,
        "Warning",
        "FailedCreate",
        `create Pod ${name} in StatefulSet ${set.metadata.name} failed error: ${errText(err)}`,
      );
      throw err;
    }
  }

  async #deletePod(set: StatefulSet, pod: Pod): Promise<void> {
    try {
      await this.client.delete(PODS, pod.metadata.name!, {
        namespace: pod.metadata.namespace,
        preconditions: { uid: pod.metadata.uid },
      });
      this.#event(
        set,
        "Normal",
        "SuccessfulDelete",
        `delete Pod ${pod.metadata.name} in StatefulSet ${set.metadata.name} successful`,
      );
    } catch (err) {
      if (isNotFound(err)) return;
      this.#event(
        set,
        "Warning",
        "FailedDelete",
        `delete Pod ${pod.metadata.name} in StatefulSet ${set.metadata.name} failed error: ${
          errText(err)
        }`,
      );
      throw err;
    }
  }

  async #fixIdentity(pod: Pod, ord: number): Promise<void> {
    const next = deepClone(pod);
    next.metadata.labels = {
      ...next.metadata.labels,
      [POD_NAME_LABEL]: pod.metadata.name!,
      [POD_INDEX_LABEL]: String(ord),
    };
    try {
      await this.client.update(PODS, next);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  #event(set: StatefulSet, type: "Normal" | "Warning", reason: string, message: string): void {
    this.recorder.event(objectReference(STS, set), type, reason, message);
  }

  /** Status from the pods (`computeReplicaStatus` and `completeRollingUpdate`). */
  #status(pass: Pass): StatefulSet["status"] {
    const { set, revisions } = pass;
    const now = this.clock.now();
    const minReady = set.spec?.minReadySeconds ?? 0;
    const status: NonNullable<StatefulSet["status"]> = {
      ...(set.status ?? {}),
      observedGeneration: set.metadata.generation,
      replicas: 0,
      readyReplicas: 0,
      availableReplicas: 0,
      currentReplicas: 0,
      updatedReplicas: 0,
      currentRevision: revisions.current.metadata.name,
      updateRevision: revisions.update.metadata.name,
      collisionCount: revisions.collisionCount,
    };
    for (const p of pass.pods) {
      if (ordinalOf(set, p) === undefined) continue;
      status.replicas!++;
      if (runningAndReady(p)) {
        status.readyReplicas!++;
        if (isPodAvailable(p, minReady, now)) status.availableReplicas!++;
      }
      if (!terminating(p)) {
        const rev = p.metadata.labels?.[REVISION_LABEL];
        if (rev === status.currentRevision) status.currentReplicas!++;
        if (rev === status.updateRevision) status.updatedReplicas!++;
      }
    }
    if (
      (set.spec?.updateStrategy?.type ?? "RollingUpdate") === "RollingUpdate" &&
      status.updatedReplicas === status.replicas && status.readyReplicas === status.replicas
    ) {
      status.currentReplicas = status.updatedReplicas;
      status.currentRevision = status.updateRevision;
    }
    return status;
  }
}

/**
 * {@link ReplicaSetController}: keeps `spec.replicas` active pods for every ReplicaSet (or, with
 * {@link REPLICATION_CONTROLLER_KIND}, every ReplicationController — the same rules with a
 * plain-map selector). It adopts matching orphans and releases pods that stopped matching,
 * creates missing pods in slow-start batches and deletes surplus pods in upstream's order,
 * waits on {@link Expectations} so a stale cache never doubles a create, and reports
 * replicas / fullyLabeled / ready / available / observedGeneration and a `ReplicaFailure`
 * condition in status.
 *
 * @module
 */
import {
  BY_NAMESPACE,
  isNotFound,
  keyOf,
  namespaceIndex,
  objectReference,
  PODS,
  REPLICA_SETS,
  REPLICATION_CONTROLLERS,
  type Resource,
  type SharedInformer,
} from "../../../kube/client/mod.ts";
import { selectorFromSet } from "../../../kube/labels.ts";
import { Controller, type ControllerConfig, positiveInt } from "../framework/mod.ts";
import { Expectations } from "../common/expectations.ts";
import { claim, controllerRef, newControllerRef } from "../common/owner.ts";
import {
  compareForDeletion,
  isPodActive,
  isPodAvailable,
  isPodReady,
  msUntilAvailable,
  podFromTemplate,
  slowStartBatch,
} from "../common/pods.ts";
import { errText, writeStatus } from "../common/status.ts";
import type { Pod, ReplicaSet, ReplicaSetStatus } from "../common/types.ts";
import { getCondition, newCondition, ownerKeys, selectorOf } from "../common/util.ts";

/** Which kind a {@link ReplicaSetController} manages. */
export interface ReplicaSetKind {
  resource: Resource<ReplicaSet>;
  apiVersion: string;
  kind: string;
  /** ReplicationControllers select with a plain label map. */
  plainSelector: boolean;
}

export const REPLICA_SET_KIND: ReplicaSetKind = {
  resource: REPLICA_SETS as Resource<ReplicaSet>,
  apiVersion: "apps/v1",
  kind: "ReplicaSet",
  plainSelector: false,
};

export const REPLICATION_CONTROLLER_KIND: ReplicaSetKind = {
  resource: REPLICATION_CONTROLLERS as Resource<ReplicaSet>,
  apiVersion: "v1",
  kind: "ReplicationController",
  plainSelector: true,
};

export interface ReplicaSetControllerConfig extends ControllerConfig {
  /** Default {@link REPLICA_SET_KIND}. */
  kind?: ReplicaSetKind;
  /** Creations or deletions per sync at most (upstream's burstReplicas, 500). */
  burstReplicas?: number;
}

/** The apiserver's cause for a create refused in a terminating namespace. */
function namespaceTerminating(err: unknown): boolean {
  return /because it is being terminated/.test((err as Error)?.message ?? "");
}

/** Replicates pods for ReplicaSets or ReplicationControllers. */
export class ReplicaSetController extends Controller {
  readonly kind: ReplicaSetKind;
  readonly #burst: number;
  readonly #sets: SharedInformer<ReplicaSet>;
  readonly #pods: SharedInformer<Pod>;
  readonly #expectations: Expectations;

  constructor(config: ReplicaSetControllerConfig) {
    super(config);
    this.kind = config.kind ?? REPLICA_SET_KIND;
    this.#burst = positiveInt(this.name, "burstReplicas", config.burstReplicas, 500);
    this.#expectations = new Expectations(this.clock);
    const byNs = { [BY_NAMESPACE]: namespaceIndex };
    this.#sets = this.watch(this.kind.resource, { indexers: byNs });
    // Expectations first: the handler watch() adds below enqueues after they are counted.
    this.informers.informer(PODS, { indexers: byNs }).addEventHandler({
      add: (pod) => this.#observe(pod, "add"),
      update: (old, pod) => {
        if (pod.metadata.deletionTimestamp && !old.metadata.deletionTimestamp) {
          this.#observe(pod, "delete");
        }
      },
      delete: (pod) => this.#observe(pod, "delete"),
    });
    this.#pods = this.watch(PODS, {
      indexers: byNs,
      keys: (pod) => ownerKeys(pod, this.kind.kind, this.#sets.store, (o) => this.#selector(o)),
      updateFilter: (a, b) => a.metadata.resourceVersion !== b.metadata.resourceVersion,
    });
  }

  #selector(rs: ReplicaSet) {
    return selectorOf(rs.spec?.selector, this.kind.plainSelector);
  }

  #observe(pod: Pod, what: "add" | "delete"): void {
    const ref = controllerRef(pod);
    if (!ref || ref.kind !== this.kind.kind) return;
    const key = `${pod.metadata.namespace}/${ref.name}`;
    if (what === "add") {
      if (!pod.metadata.deletionTimestamp) this.#expectations.creationObserved(key);
    } else this.#expectations.deletionObserved(key, keyOf(pod));
  }

  protected async reconcile(key: string): Promise<void> {
    const rs = this.#sets.store.get(key);
    if (!rs) {
      this.#expectations.delete(key);
      return;
    }
    const satisfied = this.#expectations.satisfied(key);
    const selector = this.#selector(rs);
    const active = this.#pods.store.byIndex(BY_NAMESPACE, rs.metadata.namespace!)
      .filter(isPodActive);
    const owned = await claim(active, {
      owner: rs,
      apiVersion: this.kind.apiVersion,
      kind: this.kind.kind,
      selector,
    }, {
      client: this.client,
      resource: PODS,
      canAdopt: () => this.#freshAndAlive(rs),
    });
    let manageError: Error | undefined;
    let diff = 0;
    if (satisfied && !rs.metadata.deletionTimestamp) {
      diff = owned.length - (rs.spec?.replicas ?? 1);
      manageError = await this.#manage(rs, key, owned, diff);
    }
    const status = this.#status(rs, owned, manageError, diff);
    await writeStatus(this.client, this.kind.resource, rs, status);
    if (manageError) throw manageError;
    const minReady = rs.spec?.minReadySeconds ?? 0;
    if (minReady > 0) {
      const now = this.clock.now();
      const wait = owned.reduce((m, p) => Math.max(m, msUntilAvailable(p, minReady, now)), 0);
      if (wait > 0) this.queue.addAfter(key, wait);
    }
  }

  /** A quorum read of the owner: adopt only while it exists with the same uid, undeleted. */
  async #freshAndAlive(rs: ReplicaSet): Promise<boolean> {
    const fresh = await this.client.get(this.kind.resource, rs.metadata.name!, {
      namespace: rs.metadata.namespace,
    });
    return fresh.metadata.uid === rs.metadata.uid && !fresh.metadata.deletionTimestamp;
  }

  async #manage(
    rs: ReplicaSet,
    key: string,
    owned: Pod[],
    diff: number,
  ): Promise<Error | undefined> {
    const ref = this.#ref(rs);
    if (diff < 0) {
      const count = Math.min(-diff, this.#burst);
      this.#expectations.expectCreations(key, count);
      const template = rs.spec?.template ?? {};
      const res = await slowStartBatch(count, async () => {
        const pod = podFromTemplate(
          template,
          rs.metadata.namespace!,
          rs.metadata.name!,
          newControllerRef(rs, this.kind.apiVersion, this.kind.kind),
        );
        try {
          const created = await this.client.create(PODS, pod);
          this.recorder.event(
            ref,
            "Normal",
            "SuccessfulCreate",
            `Created pod: ${created.metadata.name}`,
          );
        } catch (err) {
          this.#expectations.creationObserved(key);
          if (namespaceTerminating(err)) return;
          this.recorder.event(ref, "Warning", "FailedCreate", `Error creating: ${errText(err)}`);
          throw err;
        }
      });
      for (let i = 0; i < res.skipped; i++) this.#expectations.creationObserved(key);
      return res.error;
    }
    if (diff > 0) {
      const count = Math.min(diff, this.#burst);
      const victims = podsToDelete(owned, count);
      this.#expectations.expectDeletions(key, victims.map(keyOf));
      const results = await Promise.allSettled(victims.map((p) => this.#deletePod(key, rs, p)));
      const failed = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
      return failed?.reason as Error | undefined;
    }
    return undefined;
  }

  async #deletePod(key: string, rs: ReplicaSet, pod: Pod): Promise<void> {
    try {
      await this.client.delete(PODS, pod.metadata.name!, {
        namespace: pod.metadata.namespace,
        preconditions: { uid: pod.metadata.uid },
      });
      this.recorder.event(
        this.#ref(rs),
        "Normal",
        "SuccessfulDelete",
        `Deleted pod: ${pod.metadata.name}`,
      );
    } catch (err) {
      this.#expectations.deletionObserved(key, keyOf(pod));
      if (isNotFound(err)) return;
      this.recorder.event(
        this.#ref(rs),
        "Warning",
        "FailedDelete",
        `Error deleting: ${errText(err)}`,
      );
      throw err;
    }
  }

  #status(rs: ReplicaSet, owned: Pod[], err: Error | undefined, diff: number): ReplicaSetStatus {
    const now = this.clock.now();
    const templateLabels = selectorFromSet(rs.spec?.template?.metadata?.labels ?? {});
    const minReady = rs.spec?.minReadySeconds ?? 0;
    const status: ReplicaSetStatus = {
      ...(rs.status ?? {}),
      replicas: owned.length,
      fullyLabeledReplicas: owned.filter((p) => templateLabels.matches(p.metadata.labels)).length,
      readyReplicas: owned.filter(isPodReady).length,
      availableReplicas: owned.filter((p) => isPodAvailable(p, minReady, now)).length,
      observedGeneration: rs.metadata.generation ?? rs.status?.observedGeneration,
    };
    const conditions = (rs.status?.conditions ?? []).filter((c) => c.type !== "ReplicaFailure");
    const failure = getCondition(rs.status?.conditions, "ReplicaFailure");
    if (err) {
      const reason = diff < 0 ? "FailedCreate" : "FailedDelete";
      conditions.push(failure ?? newCondition("ReplicaFailure", "True", reason, errText(err), now));
    }
    if (conditions.length) status.conditions = conditions;
    else delete status.conditions;
    return status;
  }

  #ref(rs: ReplicaSet) {
    return objectReference(this.kind.resource, rs);
  }
}

/** Picks `count` pods to delete, doubled-up pods first (`getPodsToDelete`). */
export function podsToDelete(pods: Pod[], count: number): Pod[] {
  if (count >= pods.length) return [...pods];
  const perNode = new Map<string, number>();
  for (const p of pods) {
    const n = p.spec?.nodeName;
    if (n) perNode.set(n, (perNode.get(n) ?? 0) + 1);
  }
  const rank = (p: Pod) => (p.spec?.nodeName ? perNode.get(p.spec.nodeName) ?? 0 : 0);
  return [...pods].sort((a, b) => compareForDeletion(a, b, rank)).slice(0, count);
}

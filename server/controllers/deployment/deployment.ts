/**
 * {@link DeploymentController}: rolls Deployments out through ReplicaSets named
 * `<deployment>-<pod-template-hash>`, one per distinct pod template, as upstream does —
 * RollingUpdate within maxSurge / maxUnavailable or Recreate, revisions in the
 * `deployment.kubernetes.io/revision` annotation (a rollback moves an old set to the top and
 * records `revision-history`), proportional scaling while paused or mid-rollout, old sets beyond
 * `revisionHistoryLimit` deleted, and Progressing / Available conditions with the progress
 * deadline. `kubectl rollout undo` needs nothing more: it patches the template back from a
 * ReplicaSet, and this controller finds that set again.
 *
 * @module
 */
import {
  BY_NAMESPACE,
  DEPLOYMENTS,
  namespaceIndex,
  objectReference,
  PODS,
  REPLICA_SETS,
  type Resource,
  type SharedInformer,
} from "../../../kube/client/mod.ts";
import { Controller, type ControllerConfig } from "../framework/mod.ts";
import { claim, controllerRef } from "../common/owner.ts";
import type { Deployment, Pod, ReplicaSet } from "../common/types.ts";
import { ownerKeys, selectorOf } from "../common/util.ts";
import { deploymentComplete, pausedConditions, rolloutStatus } from "./progress.ts";
import { rolloutRecreate, rolloutRolling } from "./rolling.ts";
import {
  cleanup,
  isScalingEvent,
  newAndOldSets,
  type Sync,
  syncScaleOnly,
  syncStatus,
  updateStatus,
} from "./sync.ts";

const DEPLOY = DEPLOYMENTS as Resource<Deployment>;
const RS = REPLICA_SETS as Resource<ReplicaSet>;

/** Rolls out Deployments. */
export class DeploymentController extends Controller {
  readonly #deployments: SharedInformer<Deployment>;
  readonly #sets: SharedInformer<ReplicaSet>;
  readonly #pods: SharedInformer<Pod>;

  constructor(config: ControllerConfig) {
    super(config);
    const byNs = { [BY_NAMESPACE]: namespaceIndex };
    this.#deployments = this.watch(DEPLOY, { indexers: byNs });
    this.#sets = this.watch(RS, {
      indexers: byNs,
      keys: (rs) =>
        ownerKeys(rs, "Deployment", this.#deployments.store, (d) => selectorOf(d.spec?.selector)),
    });
    // Pods matter only when they go: a Recreate rollout waits for the old ones to be gone.
    this.#pods = this.watch(PODS, { indexers: byNs, keys: () => undefined });
    this.#pods.addEventHandler({ delete: (pod) => this.#podGone(pod) });
  }

  #podGone(pod: Pod): void {
    const ref = controllerRef(pod);
    if (ref?.kind !== "ReplicaSet") return;
    const rs = this.#sets.store.getByName(ref.name, pod.metadata.namespace);
    const owner = rs && controllerRef(rs);
    if (owner?.kind !== "Deployment") return;
    const d = this.#deployments.store.getByName(owner.name, pod.metadata.namespace);
    if (d?.spec?.strategy?.type === "Recreate") {
      this.enqueue(`${pod.metadata.namespace}/${owner.name}`);
    }
  }

  protected async reconcile(key: string): Promise<void> {
    const cached = this.#deployments.store.get(key);
    if (!cached) return;
    const s: Sync = {
      ctx: {
        client: this.client,
        recorder: this.recorder,
        clock: this.clock,
        requeueAfter: (ms) => this.queue.addAfter(key, ms),
      },
      d: cached,
      sets: [],
    };
    const selector = selectorOf(cached.spec?.selector);
    if (selector.isEmpty()) {
      this.recorder.event(
        objectReference(DEPLOY, cached),
        "Warning",
        "SelectingAll",
        "This deployment is selecting all pods. A non-empty selector is required.",
      );
      if ((cached.status?.observedGeneration ?? 0) < (cached.metadata.generation ?? 0)) {
        await updateStatus(s, { ...cached.status, observedGeneration: cached.metadata.generation });
      }
      return;
    }
    s.sets = await claim(
      this.#sets.store.byIndex(BY_NAMESPACE, cached.metadata.namespace!),
      { owner: cached, apiVersion: "apps/v1", kind: "Deployment", selector },
      {
        client: this.client,
        resource: RS,
        canAdopt: async () => {
          const fresh = await this.client.get(DEPLOY, cached.metadata.name!, {
            namespace: cached.metadata.namespace,
          });
          return fresh.metadata.uid === cached.metadata.uid && !fresh.metadata.deletionTimestamp;
        },
      },
    );
    if (cached.metadata.deletionTimestamp) {
      const { newRS, oldRSs } = await newAndOldSets(s, false);
      await syncStatus(s, [...oldRSs, newRS], newRS);
      return;
    }
    const paused = pausedConditions(s.d, this.clock.now());
    if (paused) await updateStatus(s, { ...s.d.status, conditions: paused });
    if (s.d.spec?.paused || await isScalingEvent(s)) {
      await syncScaleOnly(s);
      return;
    }
    const before = s.d.status ?? {};
    const result = s.d.spec?.strategy?.type === "Recreate"
      ? await rolloutRecreate(s, this.#podsBySet(s.sets))
      : await rolloutRolling(s);
    if (!result.scaled && deploymentComplete(s.d, before)) await cleanup(s, result.oldRSs);
    const { status, recheckMs } = rolloutStatus(
      s.d,
      [...result.oldRSs, result.newRS],
      result.newRS,
      this.clock.now(),
    );
    await updateStatus(s, status);
    if (recheckMs !== undefined) this.queue.addAfter(key, recheckMs);
  }

  /** The deployment's pods by the uid of their ReplicaSet. */
  #podsBySet(sets: ReplicaSet[]): Map<string, Pod[]> {
    const out = new Map<string, Pod[]>();
    for (const rs of sets) out.set(rs.metadata.uid!, []);
    if (!sets.length) return out;
    for (const pod of this.#pods.store.byIndex(BY_NAMESPACE, sets[0].metadata.namespace!)) {
      const ref = controllerRef(pod);
      if (ref && out.has(ref.uid)) out.get(ref.uid)!.push(pod);
    }
    return out;
  }
}

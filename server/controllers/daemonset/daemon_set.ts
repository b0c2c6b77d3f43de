/**
 * {@link DaemonSetController}: one pod per eligible node (see `nodes.ts`), as upstream. Pods are
 * created pinned to their node by required node affinity and bound by the scheduler; a failed
 * daemon pod is deleted (with backoff) and replaced; extra pods on a node are deleted, oldest
 * kept; pods on nodes that no longer qualify (or no longer exist) go. RollingUpdate replaces
 * pods whose `controller-revision-hash` is not the current revision's, keeping at most
 * maxUnavailable nodes without an available pod (or, with maxSurge, starting the new pod
 * first). Status counts desired, current, misscheduled, ready, available and updated nodes.
 *
 * @module
 */
import {
  BY_NAMESPACE,
  CONTROLLER_REVISIONS,
  DAEMON_SETS,
  isNotFound,
  keyOf,
  namespaceIndex,
  type Node,
  NODES,
  objectReference,
  PODS,
  type Resource,
  type SharedInformer,
} from "../../../kube/client/mod.ts";
import { deepEqual } from "../../../kube/meta.ts";
import { Controller, type ControllerConfig } from "../framework/mod.ts";
import { TEMPLATE_GENERATION_ANNOTATION } from "../../apiserver/resources/apps/mod.ts";
import { Expectations } from "../common/expectations.ts";
import { claim, controllerRef, isControlledBy, newControllerRef } from "../common/owner.ts";
import { isPodAvailable, isPodReady, podFromTemplate, slowStartBatch } from "../common/pods.ts";
import { revisionHash, syncRevisions, truncateHistory } from "../common/revisions.ts";
import { errText, writeStatus } from "../common/status.ts";
import type { ControllerRevision, DaemonSet, Pod } from "../common/types.ts";
import { ownerKeys, scaledValue, selectorOf } from "../common/util.ts";
import { pinnedToNode, shouldRun, targetNode, withDaemonTolerations } from "./nodes.ts";

export const REVISION_LABEL = "controller-revision-hash";
export const TEMPLATE_GENERATION_LABEL = "pod-template-generation";

const DS = DAEMON_SETS as Resource<DaemonSet>;
const REVISIONS = CONTROLLER_REVISIONS as Resource<ControllerRevision>;
const FAILED_BACKOFF_MS = [1000, 15 * 60_000];

function created(p: Pod): number {
  return Date.parse(p.metadata.creationTimestamp ?? "") || 0;
}

/** Oldest first; on a tie, the one further along (`podByCreationTimestampAndPhase`). */
function byAge(a: Pod, b: Pod): number {
  const order: Record<string, number> = { Running: 0, Pending: 1 };
  return created(a) - created(b) ||
    (order[a.status?.phase ?? ""] ?? 2) - (order[b.status?.phase ?? ""] ?? 2) ||
    (a.metadata.name! < b.metadata.name! ? -1 : 1);
}

/** What one sync decided. */
interface Plan {
  createOn: string[];
  remove: Pod[];
}

/** Runs DaemonSets. */
export class DaemonSetController extends Controller {
  readonly #sets: SharedInformer<DaemonSet>;
  readonly #pods: SharedInformer<Pod>;
  readonly #nodes: SharedInformer<Node>;
  readonly #revisions: SharedInformer<ControllerRevision>;
  readonly #expectations: Expectations;
  /** Backoff of failed-pod deletions per `ds/node`: next allowed time and current delay. */
  readonly #failed = new Map<string, { at: number; delay: number }>();

  constructor(config: ControllerConfig) {
    super(config);
    this.#expectations = new Expectations(this.clock);
    const byNs = { [BY_NAMESPACE]: namespaceIndex };
    this.#sets = this.watch(DS, { indexers: byNs });
    this.informers.informer(PODS, { indexers: byNs }).addEventHandler({
      add: (p) => this.#observe(p, false),
      update: (old, p) => {
        if (p.metadata.deletionTimestamp && !old.metadata.deletionTimestamp) this.#observe(p, true);
      },
      delete: (p) => this.#observe(p, true),
    });
    this.#pods = this.watch(PODS, {
      indexers: byNs,
      keys: (pod) =>
        ownerKeys(pod, "DaemonSet", this.#sets.store, (d) => selectorOf(d.spec?.selector)),
    });
    this.#nodes = this.watch(NODES, {
      keys: () => [...this.#sets.store.keys()],
      updateFilter: (a, b) =>
        !deepEqual(a.metadata.labels, b.metadata.labels) ||
        !deepEqual(a.spec?.taints, b.spec?.taints),
    });
    this.#revisions = this.watch(REVISIONS, { indexers: byNs, keys: () => undefined });
  }

  #observe(pod: Pod, gone: boolean): void {
    const ref = controllerRef(pod);
    if (ref?.kind !== "DaemonSet") return;
    const key = `${pod.metadata.namespace}/${ref.name}`;
    if (gone) this.#expectations.deletionObserved(key, keyOf(pod));
    else if (!pod.metadata.deletionTimestamp) this.#expectations.creationObserved(key);
  }

  protected async reconcile(key: string): Promise<void> {
    const ds = this.#sets.store.get(key);
    if (!ds) {
      this.#expectations.delete(key);
      return;
    }
    const ns = ds.metadata.namespace!;
    const nodes = this.#nodes.store.list();
    const pods = await claim(
      this.#pods.store.byIndex(BY_NAMESPACE, ns),
      {
        owner: ds,
        apiVersion: "apps/v1",
        kind: "DaemonSet",
        selector: selectorOf(ds.spec?.selector),
      },
      {
        client: this.client,
        resource: PODS,
        canAdopt: async () => {
          const fresh = await this.client.get(DS, ds.metadata.name!, { namespace: ns });
          return fresh.metadata.uid === ds.metadata.uid && !fresh.metadata.deletionTimestamp;
        },
      },
    );
    const revs = await syncRevisions(
      this.client,
      {
        owner: ds,
        apiVersion: "apps/v1",
        kind: "DaemonSet",
        template: ds.spec?.template,
        labels: (hash) => ({ [REVISION_LABEL]: hash }),
      },
      this.#revisions.store.byIndex(BY_NAMESPACE, ns).filter((r) =>
        isControlledBy(r, ds.metadata.uid)
      ),
      undefined,
      ds.status?.collisionCount ?? 0,
    );
    const hash = revisionHash(revs.update);
    const byNode = new Map<string, Pod[]>();
    for (const p of pods) {
      const n = targetNode(p);
      if (n) byNode.set(n, [...(byNode.get(n) ?? []), p]);
    }
    let error: unknown;
    if (!ds.metadata.deletionTimestamp && this.#expectations.satisfied(key)) {
      try {
        const plan = this.#manage(key, ds, nodes, byNode);
        if (!plan.createOn.length && !plan.remove.length) {
          const strategy = ds.spec?.updateStrategy?.type ?? "RollingUpdate";
          if (strategy === "RollingUpdate") this.#rollingUpdate(ds, nodes, byNode, hash, plan);
        }
        await this.#syncNodes(key, ds, plan, hash);
      } catch (err) {
        error = err;
      }
    }
    await writeStatus(
      this.client,
      DS,
      ds,
      this.#status(ds, nodes, byNode, hash, revs.collisionCount),
    );
    const live = new Set([revs.update.metadata.name!]);
    for (const r of revs.all) {
      if (pods.some((p) => p.metadata.labels?.[REVISION_LABEL] === revisionHash(r))) {
        live.add(r.metadata.name!);
      }
    }
    await truncateHistory(this.client, revs.all, live, ds.spec?.revisionHistoryLimit ?? 10);
    if (error) throw error;
  }

  /** Pods to create and delete so each node has what it should (`manage`). */
  #manage(key: string, ds: DaemonSet, nodes: Node[], byNode: Map<string, Pod[]>): Plan {
    const plan: Plan = { createOn: [], remove: [] };
    const names = new Set(nodes.map((n) => n.metadata.name!));
    const now = this.clock.now();
    for (const node of nodes) {
      const name = node.metadata.name!;
      const { run, keep } = shouldRun(ds.spec?.template, node);
      const daemonPods = byNode.get(name) ?? [];
      if (run && !daemonPods.length) {
        plan.createOn.push(name);
        continue;
      }
      if (!keep) {
        plan.remove.push(...daemonPods.filter((p) => !p.metadata.deletionTimestamp));
        continue;
      }
      const running: Pod[] = [];
      for (const p of daemonPods) {
        if (p.metadata.deletionTimestamp) continue;
        const phase = p.status?.phase;
        if (phase === "Failed" || phase === "Succeeded") {
          const backoffKey = `${key}/${name}`;
          const b = this.#failed.get(backoffKey);
          if (b && now < b.at) {
            this.queue.addAfter(key, b.at - now);
            continue;
          }
          const delay = b ? Math.min(b.delay * 2, FAILED_BACKOFF_MS[1]) : FAILED_BACKOFF_MS[0];
          this.#failed.set(backoffKey, { at: now + delay, delay });
          this.recorder.event(
            objectReference(DS, ds),
            "Warning",
            "FailedDaemonPod",
            `Found failed daemon pod ${p.metadata.namespace}/${p.metadata.name} on node ${name}, will try to kill it`,
          );
          plan.remove.push(p);
        } else running.push(p);
      }
      const surge = scaledValue(ds.spec?.updateStrategy?.rollingUpdate?.maxSurge, 1, true) > 0;
      if (!surge && running.length > 1) plan.remove.push(...running.sort(byAge).slice(1));
    }
    for (const [node, daemonPods] of byNode) {
      if (!names.has(node)) {
        plan.remove.push(...daemonPods.filter((p) => !p.metadata.deletionTimestamp));
      }
    }
    return plan;
  }

  /** Old pods to replace within the budgets (`rollingUpdate`). */
  #rollingUpdate(
    ds: DaemonSet,
    nodes: Node[],
    byNode: Map<string, Pod[]>,
    hash: string,
    plan: Plan,
  ) {
    const now = this.clock.now();
    const minReady = ds.spec?.minReadySeconds ?? 0;
    const desired = nodes.filter((n) => shouldRun(ds.spec?.template, n).run).length;
    const ru = ds.spec?.updateStrategy?.rollingUpdate ?? {};
    const maxSurge = scaledValue(ru.maxSurge ?? 0, desired, true);
    let maxUnavailable = scaledValue(ru.maxUnavailable ?? 1, desired, true);
    if (maxSurge === 0 && maxUnavailable === 0) maxUnavailable = 1;
    const available = (p: Pod) => isPodAvailable(p, minReady, now);
    let unavailable = 0, surging = 0;
    const replace: Pod[] = [], candidates: Pod[] = [], surgeOn: string[] = [];
    for (const [node, daemonPods] of byNode) {
      const live = daemonPods.filter((p) => !p.metadata.deletionTimestamp);
      const fresh = live.filter((p) => p.metadata.labels?.[REVISION_LABEL] === hash);
      const old = live.filter((p) => p.metadata.labels?.[REVISION_LABEL] !== hash);
      if (fresh.length > 1 || old.length > 1 || (!fresh.length && !old.length)) {
        unavailable++;
        continue;
      }
      const [newPod] = fresh, [oldPod] = old;
      if (maxSurge > 0) {
        if (newPod && oldPod) {
          if (available(newPod)) replace.push(oldPod);
          else surging++;
        } else if (oldPod) surgeOn.push(node);
        continue;
      }
      if (newPod && oldPod) unavailable++;
      else if (newPod) {
        if (!available(newPod)) unavailable++;
      } else if (!available(oldPod)) replace.push(oldPod);
      else candidates.push(oldPod);
    }
    if (maxSurge > 0) {
      plan.remove.push(...replace);
      plan.createOn.push(...surgeOn.slice(0, Math.max(0, maxSurge - surging)));
      return;
    }
    const room = Math.min(Math.max(0, maxUnavailable - unavailable), candidates.length);
    plan.remove.push(...replace, ...candidates.slice(0, room));
  }

  /** Creates and deletes what `plan` says, with expectations (`syncNodes`). */
  async #syncNodes(key: string, ds: DaemonSet, plan: Plan, hash: string): Promise<void> {
    if (!plan.createOn.length && !plan.remove.length) return;
    this.#expectations.expect(key, plan.createOn.length, plan.remove.map(keyOf));
    const ref = objectReference(DS, ds);
    const template = ds.spec?.template ?? {};
    const generation = ds.metadata.annotations?.[TEMPLATE_GENERATION_ANNOTATION];
    const results = await slowStartBatch(plan.createOn.length, async (i) => {
      const node = plan.createOn[i];
      const pod = podFromTemplate(
        template,
        ds.metadata.namespace!,
        ds.metadata.name!,
        newControllerRef(ds, "apps/v1", "DaemonSet"),
      );
      pod.metadata.labels = {
        ...pod.metadata.labels,
        [REVISION_LABEL]: hash,
        ...(generation ? { [TEMPLATE_GENERATION_LABEL]: generation } : {}),
      };
      pod.spec = pinnedToNode(withDaemonTolerations(pod.spec!), node);
      try {
        const out = await this.client.create(PODS, pod);
        this.recorder.event(ref, "Normal", "SuccessfulCreate", `Created pod: ${out.metadata.name}`);
      } catch (err) {
        this.#expectations.creationObserved(key);
        this.recorder.event(ref, "Warning", "FailedCreate", `Error creating: ${errText(err)}`);
        throw err;
      }
    });
    for (let i = 0; i < results.skipped; i++) this.#expectations.creationObserved(key);
    const deletes = await Promise.allSettled(plan.remove.map(async (p) => {
      try {
        await this.client.delete(PODS, p.metadata.name!, {
          namespace: p.metadata.namespace,
          preconditions: { uid: p.metadata.uid },
        });
        this.recorder.event(ref, "Normal", "SuccessfulDelete", `Deleted pod: ${p.metadata.name}`);
      } catch (err) {
        this.#expectations.deletionObserved(key, keyOf(p));
        if (!isNotFound(err)) throw err;
      }
    }));
    const failed = deletes.find((r) => r.status === "rejected") as
      | PromiseRejectedResult
      | undefined;
    if (results.error) throw results.error;
    if (failed) throw failed.reason;
  }

  #status(
    ds: DaemonSet,
    nodes: Node[],
    byNode: Map<string, Pod[]>,
    hash: string,
    collisionCount: number,
  ): DaemonSet["status"] {
    const now = this.clock.now();
    const minReady = ds.spec?.minReadySeconds ?? 0;
    let desired = 0, current = 0, misscheduled = 0, ready = 0, available = 0, updated = 0;
    for (const node of nodes) {
      const { run } = shouldRun(ds.spec?.template, node);
      const daemonPods = [...(byNode.get(node.metadata.name!) ?? [])].sort(byAge);
      if (!run) {
        if (daemonPods.length) misscheduled++;
        continue;
      }
      desired++;
      if (!daemonPods.length) continue;
      current++;
      const pod = daemonPods[0];
      if (isPodReady(pod)) {
        ready++;
        if (isPodAvailable(pod, minReady, now)) available++;
      }
      if (pod.metadata.labels?.[REVISION_LABEL] === hash) updated++;
    }
    const status: NonNullable<DaemonSet["status"]> = {
      ...(ds.status ?? {}),
      currentNumberScheduled: current,
      numberMisscheduled: misscheduled,
      desiredNumberScheduled: desired,
      numberReady: ready,
      observedGeneration: ds.metadata.generation,
      updatedNumberScheduled: updated,
      numberAvailable: available,
      numberUnavailable: desired - available,
    };
    if (collisionCount) status.collisionCount = collisionCount;
    return status;
  }
}

/**
 * {@link DisruptionController}: PodDisruptionBudget status (upstream
 * `pkg/controller/disruption`): `expectedPods`, `currentHealthy` (Ready, not being deleted, not
 * just evicted), `desiredHealthy`, `disruptionsAllowed`, the `DisruptionAllowed` condition and
 * `observedGeneration`; evictions the API recorded under `disruptedPods` are dropped once the
 * pod is gone or after two minutes. With `maxUnavailable` or a percentage `minAvailable` the
 * expected count is the scale of the pods' controllers (ReplicaSet or its Deployment,
 * ReplicationController, StatefulSet); a pod without one makes the budget fail safe (no
 * disruptions, `SyncFailed`).
 *
 * @module
 */
import {
  BY_NAMESPACE,
  DEPLOYMENTS,
  type KubeObject,
  namespaceIndex,
  objectReference,
  type Pod,
  POD_DISRUPTION_BUDGETS,
  PODS,
  REPLICA_SETS,
  REPLICATION_CONTROLLERS,
  type Resource,
  type SharedInformer,
  STATEFUL_SETS,
} from "../../../kube/client/mod.ts";
import { labelSelectorAsSelector } from "../../../kube/labels.ts";
import { formatTime } from "../../../kube/meta.ts";
import { writeStatus } from "../common/status.ts";
import { scaledValue } from "../common/util.ts";
import { Controller, type ControllerConfig } from "../framework/mod.ts";
import type { PodDisruptionBudget } from "./types.ts";

const PDBS = POD_DISRUPTION_BUDGETS as Resource<PodDisruptionBudget>;
/** How long an eviction the API recorded counts before the pod must be gone. */
export const DELETION_TIMEOUT_MS = 2 * 60_000;

type Scaled = KubeObject & { spec?: { replicas?: number } };

/** Keeps PodDisruptionBudget status. */
export class DisruptionController extends Controller {
  readonly #pdbs: SharedInformer<PodDisruptionBudget>;
  readonly #pods: SharedInformer<Pod>;
  readonly #owners: Map<string, SharedInformer<Scaled>>;

  constructor(config: ControllerConfig) {
    super(config);
    const indexers = { [BY_NAMESPACE]: namespaceIndex };
    this.#pdbs = this.watch(PDBS, { indexers });
    const budgetsOf = (o: KubeObject) => this.#budgetsSelecting(o);
    this.#pods = this.watch(PODS, { indexers, keys: budgetsOf });
    const all = (o: KubeObject) =>
      this.#pdbs.store.byIndex(BY_NAMESPACE, o.metadata.namespace ?? "")
        .map((p) => `${p.metadata.namespace}/${p.metadata.name}`);
    const scaleChanged = (a: Scaled, b: Scaled) => a.spec?.replicas !== b.spec?.replicas;
    this.#owners = new Map(
      ([
        ["ReplicaSet", REPLICA_SETS],
        ["Deployment", DEPLOYMENTS],
        ["ReplicationController", REPLICATION_CONTROLLERS],
        ["StatefulSet", STATEFUL_SETS],
      ] as const).map(([kind, res]) => [
        kind,
        this.watch(res as Resource<Scaled>, { keys: all, updateFilter: scaleChanged }),
      ]),
    );
  }

  #budgetsSelecting(pod: KubeObject): string[] {
    const ns = pod.metadata.namespace ?? "";
    return this.#pdbs.store.byIndex(BY_NAMESPACE, ns).filter((p) => {
      if (!p.spec?.selector) return false;
      try {
        return labelSelectorAsSelector(p.spec.selector).matches(pod.metadata.labels);
      } catch {
        return false;
      }
    }).map((p) => `${ns}/${p.metadata.name}`);
  }

  /** The scale of a pod's controller: `[uid, replicas]`, or undefined when it has none we know. */
  #controllerScale(pod: Pod): [string, number] | undefined {
    const ns = pod.metadata.namespace;
    const ref = pod.metadata.ownerReferences?.find((r) => r.controller);
    if (!ref) return undefined;
    const owner = this.#owners.get(ref.kind)?.store.get(`${ns}/${ref.name}`);
    if (!owner || owner.metadata.uid !== ref.uid) return undefined;
    if (ref.kind === "ReplicaSet") {
      const dref = owner.metadata.ownerReferences?.find((r) => r.controller);
      if (dref?.kind === "Deployment") {
        const d = this.#owners.get("Deployment")!.store.get(`${ns}/${dref.name}`);
        if (d && d.metadata.uid === dref.uid) return [d.metadata.uid!, d.spec?.replicas ?? 1];
      }
    }
    return [owner.metadata.uid!, owner.spec?.replicas ?? 1];
  }

  protected async reconcile(key: string): Promise<void> {
    const pdb = this.#pdbs.store.get(key);
    if (!pdb) return;
    const now = this.clock.now();
    const selector = pdb.spec?.selector;
    let pods: Pod[] = [];
    if (selector) {
      const sel = labelSelectorAsSelector(selector);
      pods = this.#pods.store.byIndex(BY_NAMESPACE, pdb.metadata.namespace ?? "")
        .filter((p) => sel.matches(p.metadata.labels));
    }
    if (!pods.length) {
      this.recorder.event(objectReference(PDBS, pdb), "Normal", "NoPods", "No matching pods found");
    }
    const status = pdb.status ?? {};
    const byName = new Map(pods.map((p) => [p.metadata.name!, p]));
    // Evictions recorded by the API: kept while the pod lingers, at most two minutes.
    const disrupted: Record<string, string> = {};
    let recheck = Infinity;
    for (const [name, at] of Object.entries(status.disruptedPods ?? {})) {
      const pod = byName.get(name);
      if (!pod || pod.metadata.deletionTimestamp) continue;
      const expires = Date.parse(at) + DELETION_TIMEOUT_MS;
      if (!(expires > now)) continue;
      disrupted[name] = at;
      recheck = Math.min(recheck, expires - now);
    }
    const healthy =
      pods.filter((p) =>
        !p.metadata.deletionTimestamp && !(p.metadata.name! in disrupted) &&
        p.status?.conditions?.find((c) => c.type === "Ready")?.status === "True"
      ).length;
    let expected: number;
    let desired: number;
    try {
      [expected, desired] = this.#expected(pdb, pods);
    } catch (err) {
      const message = (err as Error).message;
      this.recorder.event(
        objectReference(PDBS, pdb),
        "Warning",
        "CalculateExpectedPodCountFailed",
        `Failed to calculate the number of expected pods: ${message}`,
      );
      await writeStatus(this.client, PDBS, pdb, {
        ...status,
        disruptionsAllowed: 0,
        observedGeneration: pdb.metadata.generation,
        conditions: this.#conditions(pdb, false, "SyncFailed", message),
      });
      return;
    }
    const allowed = Math.max(0, healthy - desired);
    const next: PodDisruptionBudget["status"] = {
      observedGeneration: pdb.metadata.generation,
      disruptionsAllowed: allowed,
      currentHealthy: healthy,
      desiredHealthy: desired,
      expectedPods: expected,
      conditions: this.#conditions(
        pdb,
        allowed > 0,
        allowed > 0 ? "SufficientPods" : "InsufficientPods",
        "",
      ),
    };
    if (Object.keys(disrupted).length) next.disruptedPods = disrupted;
    await writeStatus(this.client, PDBS, pdb, next);
    if (recheck < Infinity) this.queue.addAfter(key, recheck + 1);
  }

  /** `[expectedPods, desiredHealthy]`. */
  #expected(pdb: PodDisruptionBudget, pods: Pod[]): [number, number] {
    const { minAvailable, maxUnavailable } = pdb.spec ?? {};
    if (maxUnavailable === undefined && typeof minAvailable === "number") {
      return [pods.length, minAvailable];
    }
    if (
      maxUnavailable === undefined && minAvailable !== undefined &&
      /^\d+$/.test(String(minAvailable))
    ) {
      return [pods.length, Number(minAvailable)];
    }
    const scales = new Map<string, number>();
    for (const pod of pods) {
      const s = this.#controllerScale(pod);
      if (!s) throw new Error(`found no controllers for pod "${pod.metadata.name}"`);
      scales.set(s[0], s[1]);
    }
    const expected = [...scales.values()].reduce((a, b) => a + b, 0);
    if (maxUnavailable !== undefined) {
      return [expected, Math.max(0, expected - scaledValue(maxUnavailable, expected, true))];
    }
    return [expected, scaledValue(minAvailable, expected, true)];
  }

  #conditions(pdb: PodDisruptionBudget, ok: boolean, reason: string, message: string) {
    const status = ok ? "True" : "False";
    const old = pdb.status?.conditions?.find((c) => c.type === "DisruptionAllowed");
    const same = old && old.status === status && old.reason === reason && old.message === message;
    return [
      ...(pdb.status?.conditions ?? []).filter((c) => c.type !== "DisruptionAllowed"),
      same ? { ...old, observedGeneration: pdb.metadata.generation } : {
        type: "DisruptionAllowed",
        status,
        reason,
        message,
        observedGeneration: pdb.metadata.generation,
        lastTransitionTime: old?.status === status
          ? old.lastTransitionTime
          : formatTime(this.clock.now()),
      },
    ];
  }
}

/**
 * {@link NodeLifecycleController}: node health from heartbeats (upstream
 * `pkg/controller/nodelifecycle`). A node whose Lease in `kube-node-lease` (or Ready condition
 * heartbeat) has not moved for the grace period (`--node-monitor-grace-period`, 40 s) gets its
 * Ready, MemoryPressure, DiskPressure and PIDPressure conditions set to Unknown ("Kubelet
 * stopped posting node status.") and its pods marked not Ready. Taints follow the conditions:
 * Ready Unknown → `node.kubernetes.io/unreachable` NoExecute + NoSchedule, Ready False →
 * `node.kubernetes.io/not-ready` NoExecute + NoSchedule, pressure conditions and
 * `spec.unschedulable` → their NoSchedule taints; they go again when the node recovers. The
 * eviction that NoExecute taints cause is the taint eviction controller's.
 *
 * @module
 */
import {
  BY_NODE_NAME,
  isConflict,
  isNotFound,
  type Lease,
  LEASES,
  type Node,
  type NodeCondition,
  nodeNameIndex,
  NODES,
  objectReference,
  type Pod,
  PODS,
  type SharedInformer,
  type Taint,
} from "../../../kube/client/mod.ts";
import { deepEqual, formatTime } from "../../../kube/meta.ts";
import { Controller, type ControllerConfig, positiveInt } from "../framework/mod.ts";

export const NODE_LEASE_NAMESPACE = "kube-node-lease";
export const TAINT_UNREACHABLE = "node.kubernetes.io/unreachable";
export const TAINT_NOT_READY = "node.kubernetes.io/not-ready";

/** NoSchedule taints that mirror a condition being True. */
const CONDITION_TAINTS: Record<string, string> = {
  MemoryPressure: "node.kubernetes.io/memory-pressure",
  DiskPressure: "node.kubernetes.io/disk-pressure",
  PIDPressure: "node.kubernetes.io/pid-pressure",
  NetworkUnavailable: "node.kubernetes.io/network-unavailable",
};
const TAINT_UNSCHEDULABLE = "node.kubernetes.io/unschedulable";
const MANAGED_TAINTS = new Set([
  TAINT_UNREACHABLE,
  TAINT_NOT_READY,
  TAINT_UNSCHEDULABLE,
  ...Object.values(CONDITION_TAINTS),
]);
/** Conditions the kubelet posts, set to Unknown when it stops. */
const KUBELET_CONDITIONS = ["Ready", "MemoryPressure", "DiskPressure", "PIDPressure"];

/** Options of {@linkcode NodeLifecycleController}. */
export interface NodeLifecycleConfig extends ControllerConfig {
  /** `--node-monitor-grace-period` (default 40 s). */
  gracePeriodMs?: number;
  /** `--node-startup-grace-period`, for nodes that never posted Ready (default 60 s). */
  startupGracePeriodMs?: number;
  /** `--node-monitor-period`: how often each node is looked at (default 5 s). */
  monitorPeriodMs?: number;
}

interface Health {
  /** When (our clock) the node last showed a sign of life. */
  probeTime: number;
  renewTime?: string | null;
  heartbeat?: string;
}

/** The taints a node's conditions call for (`timeAdded` on NoExecute ones: `now`). */
export function desiredTaints(node: Node, now: string): Taint[] {
  const conds = node.status?.conditions ?? [];
  const status = (type: string) => conds.find((c) => c.type === type)?.status;
  const out: Taint[] = [];
  const ready = status("Ready");
  const readyKey = ready === "False"
    ? TAINT_NOT_READY
    : ready === "Unknown"
    ? TAINT_UNREACHABLE
    : "";
  if (readyKey) {
    out.push({ key: readyKey, effect: "NoSchedule" });
    out.push({ key: readyKey, effect: "NoExecute", timeAdded: now });
  }
  for (const [type, key] of Object.entries(CONDITION_TAINTS)) {
    if (status(type) === "True") out.push({ key, effect: "NoSchedule" });
  }
  if (node.spec?.unschedulable) out.push({ key: TAINT_UNSCHEDULABLE, effect: "NoSchedule" });
  return out;
}

/** The node's taints with the managed ones replaced by `want` (existing ones kept as they are). */
export function mergeTaints(current: readonly Taint[], want: readonly Taint[]): Taint[] {
  const same = (a: Taint, b: Taint) => a.key === b.key && a.effect === b.effect;
  const kept = current.filter((t) => !MANAGED_TAINTS.has(t.key) || want.some((w) => same(w, t)));
  for (const w of want) if (!kept.some((t) => same(t, w))) kept.push(w);
  return kept;
}

/** Watches node heartbeats; marks silent nodes Unknown; keeps condition taints. */
export class NodeLifecycleController extends Controller {
  readonly #nodes: SharedInformer<Node>;
  readonly #leases: SharedInformer<Lease>;
  readonly #pods: SharedInformer<Pod>;
  readonly #health = new Map<string, Health>();
  readonly #grace: number;
  readonly #startupGrace: number;
  readonly #period: number;

  constructor(config: NodeLifecycleConfig) {
    super(config);
    this.#grace = positiveInt(this.name, "gracePeriodMs", config.gracePeriodMs, 40_000);
    this.#startupGrace = positiveInt(
      this.name,
      "startupGracePeriodMs",
      config.startupGracePeriodMs,
      60_000,
    );
    this.#period = positiveInt(this.name, "monitorPeriodMs", config.monitorPeriodMs, 5_000);
    this.#nodes = this.watch(NODES);
    this.#leases = this.watch(LEASES, {
      namespace: NODE_LEASE_NAMESPACE,
      keys: (l) => l.metadata.name,
    });
    this.#pods = this.informers.informer(PODS, { indexers: { [BY_NODE_NAME]: nodeNameIndex } });
  }

  protected async reconcile(name: string): Promise<void> {
    const node = this.#nodes.store.get(name);
    if (!node) {
      this.#health.delete(name);
      return;
    }
    const now = this.clock.now();
    const conds = node.status?.conditions ?? [];
    const ready = conds.find((c) => c.type === "Ready");
    const lease = this.#leases.store.get(`${NODE_LEASE_NAMESPACE}/${name}`);
    const renewTime = lease?.spec?.renewTime;
    const heartbeat = ready?.lastHeartbeatTime;
    let h = this.#health.get(name);
    if (!h || h.renewTime !== renewTime || h.heartbeat !== heartbeat) {
      // A sign of life (or the first look): the grace period starts again.
      h = { probeTime: now, renewTime, heartbeat };
      this.#health.set(name, h);
    }
    const grace = ready ? this.#grace : this.#startupGrace;
    const silentFor = now - h.probeTime;
    let current = node;
    if (silentFor >= grace) {
      current = await this.#markUnknown(node, !ready) ?? node;
    }
    await this.#taint(current);
    this.queue.addAfter(name, Math.max(1, Math.min(this.#period, grace - silentFor)));
  }

  /** Sets the kubelet's conditions Unknown; marks the node's pods not Ready. */
  async #markUnknown(node: Node, never: boolean): Promise<Node | undefined> {
    const now = formatTime(this.clock.now());
    const conds: NodeCondition[] = [...(node.status?.conditions ?? [])];
    let changed = false;
    for (const type of KUBELET_CONDITIONS) {
      const i = conds.findIndex((c) => c.type === type);
      if (i < 0) {
        conds.push({
          type,
          status: "Unknown",
          reason: "NodeStatusNeverUpdated",
          message: "Kubelet never posted node status.",
          lastHeartbeatTime: node.metadata.creationTimestamp ?? undefined,
          lastTransitionTime: now,
        });
        changed = true;
      } else if (conds[i].status !== "Unknown") {
        conds[i] = {
          ...conds[i],
          status: "Unknown",
          reason: "NodeStatusUnknown",
          message: never
            ? "Kubelet never posted node status."
            : "Kubelet stopped posting node status.",
          lastTransitionTime: now,
        };
        changed = true;
      }
    }
    if (!changed) return undefined;
    let written: Node;
    try {
      written = await this.client.updateStatus(NODES, {
        ...node,
        status: { ...node.status, conditions: conds },
      });
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
    this.log.info(`node ${node.metadata.name} stopped posting status: marked Unknown`);
    this.recorder.event(
      objectReference(NODES, written),
      "Normal",
      "NodeNotReady",
      `Node ${node.metadata.name} status is now: NodeNotReady`,
    );
    await this.#markPodsNotReady(node.metadata.name!, now);
    return written;
  }

  async #markPodsNotReady(nodeName: string, now: string): Promise<void> {
    for (const pod of this.#pods.store.byIndex(BY_NODE_NAME, nodeName)) {
      const phase = pod.status?.phase;
      if (phase === "Succeeded" || phase === "Failed") continue;
      const ready = pod.status?.conditions?.find((c) => c.type === "Ready");
      if (ready?.status === "False") continue;
      try {
        await this.client.patch(
          PODS,
          pod.metadata.name!,
          {
            status: { conditions: [{ type: "Ready", status: "False", lastTransitionTime: now }] },
          },
          "strategic",
          { namespace: pod.metadata.namespace, subresource: "status" },
        );
      } catch (err) {
        if (!isNotFound(err)) {
          this.log.warn(
            `cannot mark pod ${pod.metadata.namespace}/${pod.metadata.name} not ready: ${
              (err as Error).message
            }`,
          );
        }
      }
    }
  }

  /** Brings the managed taints in line with the node's conditions. */
  async #taint(node: Node): Promise<void> {
    const current = node.spec?.taints ?? [];
    const next = mergeTaints(current, desiredTaints(node, formatTime(this.clock.now())));
    if (deepEqual(current, next)) return;
    try {
      await this.client.patch(NODES, node.metadata.name!, {
        metadata: { resourceVersion: node.metadata.resourceVersion },
        spec: { taints: next },
      }, "merge");
    } catch (err) {
      if (isNotFound(err)) return;
      if (isConflict(err)) throw new Error(`Cannot taint node ${node.metadata.name}: it changed`);
      throw err;
    }
  }
}

/**
 * {@link TaintEvictionController}: deletes pods from nodes with `NoExecute` taints they do not
 * tolerate (upstream's taint manager, `pkg/controller/tainteviction`). A pod with no toleration
 * for one of the taints goes at once; a pod tolerating all of them for a while
 * (`tolerationSeconds`, 300 s by default admission) goes when the shortest of those has passed
 * since the taint was added; a pod tolerating them without a limit stays. Before the delete the
 * pod gets a `DisruptionTarget` condition (`DeletionByTaintManager`).
 *
 * @module
 */
import {
  BY_NODE_NAME,
  isNotFound,
  type Node,
  nodeNameIndex,
  NODES,
  objectReference,
  type Pod,
  PODS,
  type SharedInformer,
  type Taint,
  type Toleration,
} from "../../../kube/client/mod.ts";
import { formatTime } from "../../../kube/meta.ts";
import { toleratesTaint } from "../../scheduler/taints.ts";
import { Controller, type ControllerConfig } from "../framework/mod.ts";

/**
 * How long a pod may stay under `taints` (NoExecute ones): 0 when one is not tolerated, the
 * shortest `tolerationSeconds` (in ms) of the tolerations used, or Infinity.
 */
export function tolerationMs(tolerations: readonly Toleration[], taints: readonly Taint[]): number {
  let min = Infinity;
  for (const taint of taints) {
    const used = tolerations.filter((t) => toleratesTaint(t, taint));
    if (!used.length) return 0;
    for (const t of used) {
      if (typeof t.tolerationSeconds === "number") {
        min = Math.min(min, Math.max(0, t.tolerationSeconds) * 1000);
      }
    }
  }
  return min;
}

/** Evicts pods from NoExecute-tainted nodes. */
export class TaintEvictionController extends Controller {
  readonly #nodes: SharedInformer<Node>;
  readonly #pods: SharedInformer<Pod>;
  /** When we first saw a NoExecute taint without `timeAdded`, per node and taint. */
  readonly #firstSeen = new Map<string, number>();

  constructor(config: ControllerConfig) {
    super(config);
    this.#nodes = this.watch(NODES, {
      updateFilter: (a, b) =>
        JSON.stringify(a.spec?.taints ?? []) !== JSON.stringify(b.spec?.taints ?? []),
    });
    this.#pods = this.watch(PODS, {
      indexers: { [BY_NODE_NAME]: nodeNameIndex },
      keys: (p) => p.spec?.nodeName || undefined,
      updateFilter: (a, b) =>
        a.spec?.nodeName !== b.spec?.nodeName ||
        JSON.stringify(a.spec?.tolerations) !== JSON.stringify(b.spec?.tolerations),
    });
  }

  protected async reconcile(nodeName: string): Promise<void> {
    const node = this.#nodes.store.get(nodeName);
    const taints = (node?.spec?.taints ?? []).filter((t) => t.effect === "NoExecute");
    const now = this.clock.now();
    for (const key of this.#firstSeen.keys()) {
      if (key.startsWith(`${nodeName}\n`)) {
        const [, k] = key.split("\n");
        if (!taints.some((t) => `${t.key}=${t.value ?? ""}` === k)) this.#firstSeen.delete(key);
      }
    }
    if (!taints.length) return;
    const added = taints.map((t) => {
      const at = Date.parse(t.timeAdded ?? "");
      if (Number.isFinite(at)) return at;
      const k = `${nodeName}\n${t.key}=${t.value ?? ""}`;
      if (!this.#firstSeen.has(k)) this.#firstSeen.set(k, now);
      return this.#firstSeen.get(k)!;
    });
    const since = Math.min(...added);
    let next = Infinity;
    for (const pod of this.#pods.store.byIndex(BY_NODE_NAME, nodeName)) {
      if (pod.metadata.deletionTimestamp) continue;
      const phase = pod.status?.phase;
      if (phase === "Succeeded" || phase === "Failed") continue;
      const allowed = tolerationMs(pod.spec?.tolerations ?? [], taints);
      if (allowed === Infinity) continue;
      const due = since + allowed;
      if (due > now) {
        next = Math.min(next, due);
        continue;
      }
      await this.#evict(pod);
    }
    if (next < Infinity) this.queue.addAfter(nodeName, next - now + 1);
  }

  async #evict(pod: Pod): Promise<void> {
    const { name, namespace } = pod.metadata;
    this.recorder.event(
      objectReference(PODS, pod),
      "Normal",
      "TaintManagerEviction",
      `Marking for deletion Pod ${namespace}/${name}`,
    );
    try {
      await this.client.patch(
        PODS,
        name!,
        {
          status: {
            conditions: [{
              type: "DisruptionTarget",
              status: "True",
              reason: "DeletionByTaintManager",
              message: "Taint manager: deleting due to NoExecute taint",
              lastTransitionTime: formatTime(this.clock.now()),
            }],
          },
        },
        "strategic",
        { namespace, subresource: "status" },
      );
      await this.client.delete(PODS, name!, {
        namespace,
        preconditions: { uid: pod.metadata.uid },
      });
      this.log.info(`deleted pod ${namespace}/${name}: a NoExecute taint of its node`);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}

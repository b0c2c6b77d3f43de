/**
 * {@link PodGcController}: upstream's pod garbage collector (`pkg/controller/podgc`), every
 * `gcPeriodMs` (20 s):
 *
 * - finished pods (Succeeded/Failed) above `terminatedPodThreshold` (12500): the oldest go;
 * - pods bound to a node that no longer exists (not seen for `quarantineMs`, 40 s): marked
 *   Failed with a `DisruptionTarget` condition (`DeletionByPodGC`), then deleted at once;
 * - unscheduled pods being deleted: deleted at once (no kubelet will finish them).
 *
 * @module
 */
import {
  isNotFound,
  type Node,
  NODES,
  type Pod,
  PODS,
  type SharedInformer,
} from "../../../kube/client/mod.ts";
import { formatTime } from "../../../kube/meta.ts";
import { Controller, type ControllerConfig, nonNegative, positiveInt } from "../framework/mod.ts";
import { compareStrings } from "../../../kube/order.ts";

/** Options of {@linkcode PodGcController}. */
export interface PodGcConfig extends ControllerConfig {
  /** `--terminated-pod-gc-threshold` (default 12500; 0 keeps them all). */
  terminatedPodThreshold?: number;
  /** How often to look (default 20 s). */
  gcPeriodMs?: number;
  /** How long a node must stay missing before its pods go (default 40 s). */
  quarantineMs?: number;
}

const KEY = "podgc";

/** Deletes pods no one else will. */
export class PodGcController extends Controller {
  readonly #pods: SharedInformer<Pod>;
  readonly #nodes: SharedInformer<Node>;
  readonly #threshold: number;
  readonly #period: number;
  readonly #quarantine: number;
  /** Node names first found missing, and when. */
  readonly #missing = new Map<string, number>();

  constructor(config: PodGcConfig) {
    super(config);
    this.#threshold = nonNegative(
      this.name,
      "terminatedPodThreshold",
      config.terminatedPodThreshold,
      12500,
    );
    this.#period = positiveInt(this.name, "gcPeriodMs", config.gcPeriodMs, 20_000);
    this.#quarantine = nonNegative(this.name, "quarantineMs", config.quarantineMs, 40_000);
    this.#pods = this.watch(PODS, { keys: () => undefined });
    this.#nodes = this.watch(NODES, { keys: () => undefined });
    this.queue.add(KEY);
  }

  protected async reconcile(): Promise<void> {
    try {
      await this.#gcTerminated();
      await this.#gcOrphaned();
      await this.#gcUnscheduledTerminating();
    } finally {
      this.queue.addAfter(KEY, this.#period);
    }
  }

  async #gcTerminated(): Promise<void> {
    if (this.#threshold <= 0) return;
    const done = this.#pods.store.list().filter((p) => {
      const phase = p.status?.phase;
      return (phase === "Succeeded" || phase === "Failed") && !p.metadata.deletionTimestamp;
    });
    const excess = done.length - this.#threshold;
    if (excess <= 0) return;
    done.sort((a, b) =>
      compareStrings(a.metadata.creationTimestamp ?? "", b.metadata.creationTimestamp ?? "") ||
      compareStrings(a.metadata.name ?? "", b.metadata.name ?? "")
    );
    for (const p of done.slice(0, excess)) await this.#delete(p);
  }

  async #gcOrphaned(): Promise<void> {
    const now = this.clock.now();
    const bound = new Set<string>();
    for (const p of this.#pods.store.list()) if (p.spec?.nodeName) bound.add(p.spec.nodeName);
    for (const n of [...this.#missing.keys()]) {
      if (!bound.has(n) || this.#nodes.store.get(n)) this.#missing.delete(n);
    }
    for (const n of bound) {
      if (this.#nodes.store.get(n)) continue;
      if (!this.#missing.has(n)) this.#missing.set(n, now);
    }
    for (const p of this.#pods.store.list()) {
      const n = p.spec?.nodeName;
      if (!n || !this.#missing.has(n)) continue;
      if (now - this.#missing.get(n)! < this.#quarantine) continue;
      // The cache may be behind: ask the API before deleting on its word.
      try {
        await this.client.get(NODES, n);
        this.#missing.delete(n);
        continue;
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
      await this.#failAndDelete(p, "PodGC: node no longer exists");
    }
  }

  async #gcUnscheduledTerminating(): Promise<void> {
    for (const p of this.#pods.store.list()) {
      if (!p.spec?.nodeName && p.metadata.deletionTimestamp) await this.#delete(p);
    }
  }

  async #failAndDelete(p: Pod, message: string): Promise<void> {
    const { name, namespace } = p.metadata;
    const phase = p.status?.phase;
    const status: Record<string, unknown> = {
      conditions: [{
        type: "DisruptionTarget",
        status: "True",
        reason: "DeletionByPodGC",
        message,
        lastTransitionTime: formatTime(this.clock.now()),
      }],
    };
    if (phase !== "Succeeded" && phase !== "Failed") status.phase = "Failed";
    try {
      await this.client.patch(PODS, name!, { status }, "strategic", {
        namespace,
        subresource: "status",
      });
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
    await this.#delete(p);
  }

  async #delete(p: Pod): Promise<void> {
    const { name, namespace } = p.metadata;
    try {
      await this.client.delete(PODS, name!, {
        namespace,
        gracePeriodSeconds: 0,
        preconditions: { uid: p.metadata.uid },
      });
      this.log.info(`deleted pod ${namespace}/${name}`);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}

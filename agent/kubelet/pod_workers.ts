/**
 * The pod loop: a queue of pod UIDs fed by the pod source (API informer and static pods), by
 * relists of the runtime (containers that changed state, pods the API no longer has; every
 * second, or on the runtime's events, see `relist_loop.ts`) and by a periodic resync; workers
 * take one pod at a time and sync, terminate or remove it, then write its status. A sync reads
 * the last relist's view of its pod when that relist began after the pod's previous sync.
 *
 * @module
 */
import type { KubeClient } from "../../kube/client/client.ts";
import type { Clock } from "../../kube/client/clock.ts";
import { isNotFound } from "../../kube/client/errors.ts";
import type { Logger } from "../../kube/client/log.ts";
import { PODS } from "../../kube/client/resources.ts";
import type { Pod } from "../../kube/client/types.ts";
import { ItemExponentialRateLimiter, WorkQueue } from "../../kube/client/workqueue.ts";
import type { RuntimeEvents } from "../../cri/service.ts";
import { RelistLoop } from "./relist_loop.ts";
import type { RuntimePod, RuntimeView } from "./runtime_pod.ts";
import type { StatusManager } from "./status_manager.ts";
import { gracePeriodOf } from "./kill.ts";
import type { PodSyncer } from "./sync.ts";

/** Where the desired pods come from. */
export interface PodSource {
  /** The pod with this UID, or undefined when it is not (or no longer) wanted. */
  get(uid: string): Pod | undefined;
  all(): Pod[];
  /** Static pods have no API object of their own (their mirror pod carries the status). */
  isStatic(pod: Pod): boolean;
  /** The API pod whose status a pod's status goes to (itself, or a static pod's mirror). */
  statusTarget(pod: Pod): Pod | undefined;
}

export interface PodWorkersOptions {
  client: KubeClient;
  source: PodSource;
  syncer: PodSyncer;
  view: RuntimeView;
  statuses: StatusManager;
  clock: Clock;
  log: Logger;
  workers?: number;
  /** The runtime's event stream: relists follow it (`relist_loop.ts`). */
  events?: RuntimeEvents;
  /** Between relists without events, and at least between relists (1 s). */
  relistMs?: number;
  /** Between relists while the event stream stands (10 s). */
  safetyRelistMs?: number;
  resyncMs?: number;
}

function fingerprint(pod: RuntimePod): string {
  return [
    ...pod.sandboxes.map((s) => `${s.id}:${s.state}`),
    ...pod.containers.map((c) => `${c.id}:${c.state}`),
  ].sort().join(",");
}

/** ms until the pod's `activeDeadlineSeconds` (counted from its start) passes; none without one. */
export function deadlineLeft(pod: Pod, now: number): number | undefined {
  const seconds = pod.spec?.activeDeadlineSeconds as number | undefined;
  const start = pod.status?.startTime ? Date.parse(pod.status.startTime) : undefined;
  if (seconds === undefined || start === undefined || Number.isNaN(start)) return undefined;
  return start + seconds * 1000 - now;
}

function isTerminal(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase === "Succeeded" || phase === "Failed";
}

export class PodWorkers {
  readonly #o: PodWorkersOptions;
  readonly #queue: WorkQueue<string>;
  #seen = new Map<string, string>();
  #relisted = false;
  /** Where in the view's order each pod's last sync ended ({@link RuntimeView.mark}). */
  readonly #synced = new Map<string, number>();
  /** When each queued pod was first asked for (the debug log's queue wait). */
  readonly #queuedAt = new Map<string, number>();

  constructor(options: PodWorkersOptions) {
    this.#o = options;
    this.#queue = new WorkQueue<string>({
      clock: options.clock,
      rateLimiter: new ItemExponentialRateLimiter(1000, 30_000),
    });
  }

  /** Asks for a sync of the pod. */
  enqueue(uid: string, afterMs = 0): void {
    if (afterMs === 0 && !this.#queuedAt.has(uid)) this.#queuedAt.set(uid, performance.now());
    this.#queue.addAfter(uid, afterMs);
  }

  /** Runs relist, resync and the workers until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    signal.addEventListener("abort", () => this.#queue.shutDown(), { once: true });
    const workers = Array.from({ length: this.#o.workers ?? 16 }, () => this.#work(signal));
    const relist = new RelistLoop({
      relist: () => this.relist(),
      events: this.#o.events,
      clock: this.#o.clock,
      log: this.#o.log,
      intervalMs: this.#o.relistMs,
      safetyMs: this.#o.safetyRelistMs,
    }).run(signal);
    const resync = (async () => {
      while (!signal.aborted) {
        await this.#o.clock.sleep(this.#o.resyncMs ?? 15_000, signal);
        for (const pod of this.#o.source.all()) this.enqueue(pod.metadata.uid!);
      }
    })();
    await Promise.all([...workers, relist, resync]);
  }

  /** Compares the runtime with the last relist; queues pods that changed or are unwanted. */
  async relist(): Promise<void> {
    const pods = await this.#o.view.all();
    const next = new Map<string, string>();
    for (const [uid, pod] of pods) {
      const print = fingerprint(pod);
      next.set(uid, print);
      const wanted = this.#o.source.get(uid);
      if (this.#seen.get(uid) !== print || !wanted) this.enqueue(uid);
    }
    // On the first relist (after a restart too), every desired pod is looked at.
    if (!this.#relisted) {
      const running = [...pods.values()].filter((p) =>
        p.sandboxes.some((s) => s.state === "SANDBOX_READY")
      );
      if (running.length) {
        this.#o.log.info(
          `Found ${running.length} running pod sandboxes in the runtime: they are adopted, not recreated`,
        );
      }
      for (const p of this.#o.source.all()) this.enqueue(p.metadata.uid!);
    }
    this.#relisted = true;
    this.#seen = next;
  }

  async #work(signal: AbortSignal): Promise<void> {
    for (;;) {
      const uid = await this.#queue.get(signal);
      if (uid === undefined) return;
      const queuedAt = this.#queuedAt.get(uid);
      this.#queuedAt.delete(uid);
      try {
        const again = await this.#sync(uid, queuedAt).finally(() => {
          if (this.#o.source.get(uid)) this.#synced.set(uid, this.#o.view.mark());
          else this.#synced.delete(uid);
        });
        this.#queue.forget(uid);
        if (again !== undefined && !signal.aborted) this.#queue.addAfter(uid, again);
      } catch (error) {
        if (!signal.aborted) {
          this.#o.log.warn(`Cannot sync pod ${this.#describe(uid)}: ${(error as Error).message}`);
          this.#queue.addRateLimited(uid);
        }
      } finally {
        this.#queue.done(uid);
      }
    }
  }

  #describe(uid: string): string {
    const pod = this.#o.source.get(uid);
    return pod ? `${pod.metadata.namespace}/${pod.metadata.name} (${uid})` : uid;
  }

  /** One pod; resolves to when to look at it again. */
  async #sync(uid: string, queuedAt: number | undefined): Promise<number | undefined> {
    const { source, syncer, view, statuses } = this.#o;
    const pod = source.get(uid);
    if (!pod) {
      const runtime = await view.pod(uid);
      if (runtime.sandboxes.length || runtime.containers.length) {
        this.#o.log.info(
          `Pod ${runtime.namespace}/${runtime.name} (${uid}) is gone: stopping what is left of it`,
        );
        await syncer.terminate(undefined, runtime);
        await syncer.remove(uid, runtime);
      }
      statuses.forget(uid);
      return undefined;
    }
    if (pod.metadata.deletionTimestamp) {
      await this.#terminate(pod);
      return undefined;
    }
    const target = source.statusTarget(pod);
    if (target && isTerminal(target)) {
      // Done for good: make sure nothing runs; keep containers for their logs.
      const runtime = await view.pod(uid);
      if (
        runtime.containers.some((c) => c.state === "CONTAINER_RUNNING") ||
        runtime.sandboxes.some((s) => s.state === "SANDBOX_READY")
      ) {
        await syncer.terminate(pod, runtime);
      }
      return undefined;
    }
    const current = target ? { ...pod, status: statuses.get(uid) ?? target.status } : pod;
    const overdue = deadlineLeft(current, this.#o.clock.now());
    if (overdue !== undefined && overdue <= 0) {
      // activeDeadlineSeconds passed: the pod fails, as upstream's active deadline handler has it.
      const runtime = await view.pod(uid);
      await syncer.terminate(pod, runtime);
      const status = syncer.status(current, await view.pod(uid), {
        phase: "Failed",
        reason: "DeadlineExceeded",
        message: "Pod was active on the node longer than the specified deadline",
      });
      if (target) await statuses.set(target, status);
      return undefined;
    }
    const synced = performance.now();
    // Nothing but this worker changes the pod in the runtime: a relist that began after its
    // last sync ended is as good as asking again.
    const last = this.#synced.get(uid);
    const runtime = last === undefined ? undefined : view.cached(uid, last);
    const result = await syncer.sync(current, runtime);
    const written = performance.now();
    if (target && await statuses.set(target, result.status)) {
      const queued = queuedAt === undefined ? "" : `queued ${Math.round(synced - queuedAt)} ms, `;
      this.#o.log.debug(
        `Wrote the status of pod ${pod.metadata.namespace}/${pod.metadata.name} ` +
          `(${result.status.phase}): ${queued}sync ${Math.round(written - synced)} ms, ` +
          `write ${Math.round(performance.now() - written)} ms`,
      );
    }
    const phase = result.status.phase;
    if (phase === "Succeeded" || phase === "Failed") {
      await syncer.terminate(pod, await view.pod(uid));
    }
    if (overdue !== undefined) {
      return Math.min(result.requeueAfterMs ?? Infinity, overdue + 100);
    }
    return result.requeueAfterMs;
  }

  async #terminate(pod: Pod): Promise<void> {
    const uid = pod.metadata.uid!;
    const { syncer, view, statuses } = this.#o;
    const runtime = await view.pod(uid);
    await syncer.terminate(pod, runtime, gracePeriodOf(pod));
    const stopped = await view.pod(uid);
    const target = this.#o.source.statusTarget(pod);
    if (target && !this.#o.source.isStatic(pod)) {
      const failed = stopped.containers.some((c) => c.exitCode !== 0);
      const status = syncer.status({ ...pod, status: statuses.get(uid) ?? pod.status }, stopped, {
        phase: failed ? "Failed" : "Succeeded",
      });
      await statuses.set(target, status).catch(() => false);
    }
    await syncer.remove(uid, stopped, pod);
    statuses.forget(uid);
    if (this.#o.source.isStatic(pod)) return;
    try {
      await this.#o.client.delete(PODS, pod.metadata.name!, {
        namespace: pod.metadata.namespace,
        gracePeriodSeconds: 0,
        preconditions: { uid },
      });
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }
}

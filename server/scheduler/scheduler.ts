/**
 * {@link Scheduler}: the informer-driven `default-scheduler`. Pod and node informers keep the
 * {@link SchedulerCache} and the {@link SchedulingQueue} current; while it holds the
 * `kube-system/kube-scheduler` Lease, the loop pops pods in batches, decides synchronously from
 * the cache, assumes each pod onto its node at once (so the next decision sees it), and binds
 * through `pods/binding` in the background. A pod no node fits gets a `FailedScheduling` event,
 * a `PodScheduled=False` condition and, when lower-priority pods can make room, a preemption.
 *
 * @module
 */
import {
  type Clock,
  EventRecorder,
  InformerFactory,
  isConflict,
  isNotFound,
  type KubeClient,
  LeaderElector,
  LeaseLock,
  type Logger,
  objectReference,
  type Pod,
  type PodCondition,
  PODS,
  realClock,
  sharedStripManagedFields,
  silentLogger,
} from "../../kube/client/mod.ts";
import { formatTime } from "../../kube/meta.ts";
import { SchedulerCache } from "./cache.ts";
import { watchCluster } from "./cluster_events.ts";
import { FitError } from "./fit_error.ts";
import { Cycle, type Plugin } from "./framework.ts";
import type { PodInfo } from "./pod_info.ts";
import { DEFAULT_PLUGINS, volumesToBind } from "./plugins/mod.ts";
import { preempt } from "./preemption.ts";
import { type QueuedPod, SchedulingQueue } from "./queue.ts";
import { schedulePod } from "./schedule_one.ts";
import { bindVolumes } from "./volume_binder.ts";

/** Options of {@linkcode Scheduler}. */
export interface SchedulerConfig {
  /** A client with the scheduler's identity (`system:kube-scheduler`). */
  client: KubeClient;
  /** Pods naming this scheduler are ours (default `default-scheduler`). */
  schedulerName?: string;
  /** Campaign for the Lease before scheduling (default true). */
  leaderElect?: boolean;
  leaseNamespace?: string;
  leaseName?: string;
  identity?: string;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  /** Bindings in flight at most (default 64). */
  bindConcurrency?: number;
  /** How long to wait for claims to be bound before binding their pod (default 600 s). */
  bindTimeoutMs?: number;
  /** Decisions per turn of the event loop (default 32). */
  batchSize?: number;
  plugins?: readonly Plugin[];
  clock?: Clock;
  log?: Logger;
}

/** Counters, for logs and benchmarks. */
export interface SchedulerStats {
  scheduled: number;
  bound: number;
  unschedulable: number;
  preemptions: number;
  bindErrors: number;
}

/** The default scheduler. */
export class Scheduler {
  readonly name: string;
  readonly cache = new SchedulerCache();
  readonly queue: SchedulingQueue;
  readonly stats: SchedulerStats = {
    scheduled: 0,
    bound: 0,
    unschedulable: 0,
    preemptions: 0,
    bindErrors: 0,
  };
  readonly #c: SchedulerConfig;
  readonly #client: KubeClient;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #plugins: readonly Plugin[];
  readonly #recorder: EventRecorder;
  readonly #informers: InformerFactory;
  readonly #bindLimit: number;
  readonly #batch: number;
  #binding = 0;
  #bindWaiters: (() => void)[] = [];

  constructor(config: SchedulerConfig) {
    if (!config?.client) throw new Error("Cannot create the scheduler: client is required");
    this.#c = config;
    this.#client = config.client;
    this.name = config.schedulerName ?? "default-scheduler";
    this.#clock = config.clock ?? realClock;
    this.#log = config.log ?? silentLogger;
    this.#plugins = config.plugins ?? DEFAULT_PLUGINS;
    this.#bindLimit = config.bindConcurrency ?? 64;
    this.#batch = config.batchSize ?? 32;
    this.queue = new SchedulingQueue(this.#clock);
    this.#recorder = new EventRecorder({
      client: this.#client,
      component: this.name,
      clock: this.#clock,
      log: this.#log,
    });
    this.#informers = new InformerFactory(this.#client, {
      clock: this.#clock,
      log: this.#log,
      transform: sharedStripManagedFields.apply,
    });
    watchCluster({
      informers: this.#informers,
      cache: this.cache,
      queue: this.queue,
      schedulerName: this.name,
      log: this.#log,
    });
  }

  /** Starts the informers, then campaigns and schedules while leader, until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    this.#informers.start(signal);
    if (!await this.#informers.waitForSync(signal)) return;
    this.#log.info(`caches synced: ${this.cache.nodeList().length} node(s)`);
    try {
      if (this.#c.leaderElect === false) {
        await this.#loop(signal);
        return;
      }
      const elector = new LeaderElector({
        lock: new LeaseLock(
          this.#client,
          this.#c.leaseNamespace ?? "kube-system",
          this.#c.leaseName ?? "kube-scheduler",
        ),
        identity: this.#c.identity,
        leaseDurationMs: this.#c.leaseDurationMs,
        renewDeadlineMs: this.#c.renewDeadlineMs,
        retryPeriodMs: this.#c.retryPeriodMs,
        clock: this.#clock,
        log: this.#log,
        onStartedLeading: (leading) => this.#loop(leading),
      });
      await elector.run(signal);
    } finally {
      this.queue.close();
    }
  }

  /** Resolves when every event recorded so far is written (tests, benchmarks). */
  flushEvents(): Promise<void> {
    return this.#recorder.flush();
  }

  /** The scheduling loop of one leadership term. */
  async #loop(signal: AbortSignal): Promise<void> {
    this.#log.info(`scheduling as ${this.name}`);
    while (!signal.aborted) {
      const first = await this.queue.pop(signal);
      if (!first) break;
      this.#scheduleOne(first);
      for (let i = 1; i < this.#batch; i++) {
        const next = this.queue.tryPop();
        if (!next) break;
        this.#scheduleOne(next);
        if (this.#binding >= this.#bindLimit) break;
      }
      if (this.#binding >= this.#bindLimit) {
        await new Promise<void>((r) => this.#bindWaiters.push(r));
      } else {
        // Let informer events and responses in before the next batch.
        await new Promise<void>((r) => setTimeout(r, 0));
      }
    }
  }

  #scheduleOne(q: QueuedPod): void {
    const info = q.info;
    const cycle = new Cycle(info, this.cache);
    let node: string;
    try {
      node = schedulePod(this.#plugins, cycle).node;
    } catch (err) {
      this.#failed(q, cycle, err as Error);
      return;
    }
    this.stats.scheduled++;
    this.cache.assume(info, node);
    this.cache.nominate(info, undefined);
    const volumes = volumesToBind(cycle);
    if (volumes.length === 0) return this.#bind(q, node);
    bindVolumes({
      client: this.#client,
      cache: this.cache,
      clock: this.#clock,
      node,
      claims: volumes,
      timeoutMs: this.#c.bindTimeoutMs ?? 600_000,
    }).then(
      () => this.#bind(q, node),
      (err: Error) => {
        this.cache.forget(info.key);
        const message = `running PreBind plugin "VolumeBinding": ${err.message}`;
        this.#log.warn(`cannot bind the volumes of ${info.key} on ${node}: ${err.message}`);
        this.#recorder.event(
          objectReference(PODS, info.pod),
          "Warning",
          "FailedScheduling",
          message,
        );
        void this.#setUnschedulable(info.pod, message, undefined, "SchedulerError");
        this.queue.backoff(q);
      },
    );
  }

  #bind(q: QueuedPod, node: string): void {
    const info = q.info;
    this.#binding++;
    this.#client.bind(info.namespace, info.name, node, { uid: info.uid || undefined })
      .then(() => {
        this.stats.bound++;
        this.#recorder.event(
          objectReference(PODS, info.pod),
          "Normal",
          "Scheduled",
          `Successfully assigned ${info.namespace}/${info.name} to ${node}`,
        );
      })
      .catch((err: Error) => {
        this.stats.bindErrors++;
        this.cache.forget(info.key);
        if (isNotFound(err) || isConflict(err)) {
          // Gone, or bound or deleted meanwhile: the informer brings the truth.
          this.#log.debug(`binding ${info.key} to ${node} not needed: ${err.message}`);
          return;
        }
        this.#log.warn(`cannot bind ${info.key} to ${node}: ${err.message}`);
        this.queue.backoff(q);
        this.queue.moveAll("AssignedPodDelete");
      })
      .finally(() => {
        this.#binding--;
        this.#bindWaiters.shift()?.();
      });
  }

  #failed(q: QueuedPod, cycle: Cycle, err: Error): void {
    const info = q.info;
    this.stats.unschedulable++;
    const rejectedBy = new Set<string>();
    let nominated: string | undefined;
    if (err instanceof FitError) {
      for (const s of err.statuses.values()) rejectedBy.add(s.plugin);
      const outcome = preempt(this.#plugins, cycle, err);
      if ("candidate" in outcome) {
        nominated = outcome.candidate.node;
        this.stats.preemptions++;
        this.cache.nominate(info, nominated);
        this.#evict(info, nominated, outcome.candidate.victims);
        rejectedBy.add("DefaultPreemption");
      } else err.postFilterMsg = outcome.message;
    } else if (!err.name.endsWith("NoNodesError")) {
      this.#log.error(`cannot schedule ${info.key}: ${err.stack ?? err.message}`);
    }
    const message = err.message;
    this.#recorder.event(objectReference(PODS, info.pod), "Warning", "FailedScheduling", message);
    void this.#setUnschedulable(info.pod, message, nominated);
    this.queue.unschedulable(q, rejectedBy);
  }

  /** Deletes the victims of a preemption and clears lower nominations on that node. */
  #evict(preemptor: PodInfo, node: string, victims: PodInfo[]): void {
    for (const v of victims) {
      this.#recorder.event(
        objectReference(PODS, v.pod),
        "Normal",
        "Preempted",
        `Preempted by pod ${preemptor.uid} on node ${node}`,
      );
      const condition: PodCondition = {
        type: "DisruptionTarget",
        status: "True",
        reason: "PreemptionByScheduler",
        message: `${this.name}: preempting to accommodate a higher priority pod`,
        lastTransitionTime: formatTime(this.#clock.now()),
      };
      this.#client.patch(PODS, v.name, { status: { conditions: [condition] } }, "strategic", {
        namespace: v.namespace,
        subresource: "status",
      })
        .catch(() => {/* the delete below is what matters */})
        .then(() =>
          this.#client.delete(PODS, v.name, {
            namespace: v.namespace,
            preconditions: v.uid ? { uid: v.uid } : undefined,
          })
        )
        .catch((err: Error) => {
          if (!isNotFound(err)) this.#log.warn(`cannot preempt ${v.key}: ${err.message}`);
        });
    }
    for (const other of this.cache.nominatedOn(node)?.values() ?? []) {
      if (other.key === preemptor.key || other.priority >= preemptor.priority) continue;
      this.cache.nominate(other, undefined);
      this.#client.patch(PODS, other.name, { status: { nominatedNodeName: null } }, "merge", {
        namespace: other.namespace,
        subresource: "status",
      }).catch(() => {});
    }
  }

  /** Sets `PodScheduled=False/Unschedulable` (and `nominatedNodeName`) unless already so. */
  async #setUnschedulable(
    pod: Pod,
    message: string,
    nominated?: string,
    reason = "Unschedulable",
  ): Promise<void> {
    const current = pod.status?.conditions?.find((c) => c.type === "PodScheduled");
    const same = current?.status === "False" && current.reason === reason &&
      current.message === message;
    const nominatedSame = !nominated || pod.status?.nominatedNodeName === nominated;
    if (same && nominatedSame) return;
    const condition: PodCondition = {
      type: "PodScheduled",
      status: "False",
      reason,
      message,
      lastProbeTime: null,
      lastTransitionTime: current?.status === "False" && current.lastTransitionTime
        ? current.lastTransitionTime
        : formatTime(this.#clock.now()),
    };
    const status: Record<string, unknown> = { conditions: [condition] };
    if (nominated) status.nominatedNodeName = nominated;
    try {
      await this.#client.patch(PODS, pod.metadata.name ?? "", { status }, "strategic", {
        namespace: pod.metadata.namespace,
        subresource: "status",
      });
    } catch (err) {
      if (!isNotFound(err)) {
        this.#log.warn(
          `cannot update the status of ${pod.metadata.namespace}/${pod.metadata.name}: ${
            (err as Error).message
          }`,
        );
      }
    }
  }
}

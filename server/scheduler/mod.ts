/**
 * The default scheduler (`default-scheduler`), informer-driven like any out-of-process
 * scheduler: it lists and watches pods, nodes and namespaces with its own identity
 * (`system:kube-scheduler`), schedules only while it holds the `kube-system/kube-scheduler`
 * Lease, and binds through `pods/binding`.
 *
 * - {@link Scheduler} (`scheduler.ts`): `new Scheduler({ client, log })`, then `run(signal)`.
 *   Options: `schedulerName`, `leaderElect` (default true), lease timings, `bindConcurrency`
 *   (64), `batchSize` (32 decisions per event-loop turn), `plugins`, `clock`. `stats` counts
 *   scheduled/bound/unschedulable/preemptions/bindErrors.
 * - Plugins (`plugins/`): NodeUnschedulable, NodeName, TaintToleration, NodeAffinity, NodePorts,
 *   NodeResourcesFit (least-allocated score), PodTopologySpread, InterPodAffinity,
 *   NodeResourcesBalancedAllocation; the {@link Plugin} interface is in `framework.ts`.
 * - `schedule_one.ts`: filter → score → select on the cache; `preemption.ts`: victims and the
 *   node to preempt on; `fit_error.ts`: upstream's `FailedScheduling` message text.
 * - `cache.ts` / `node_info.ts`: per-node aggregates (requests, non-zero requests, host ports,
 *   pods with affinity), assumed and nominated pods. `queue.ts`: active/backoff/unschedulable.
 *
 * @module
 */
export { SchedulerCache } from "./cache.ts";
export { FitError } from "./fit_error.ts";
export { Cycle, MAX_NODE_SCORE, type Plugin, type Status } from "./framework.ts";
export { NodeInfo } from "./node_info.ts";
export { type PodInfo, podInfo } from "./pod_info.ts";
export { DEFAULT_PLUGINS } from "./plugins/mod.ts";
export { type Candidate, preempt } from "./preemption.ts";
export { SchedulingQueue } from "./queue.ts";
export { NoNodesError, schedulePod } from "./schedule_one.ts";
export { Scheduler, type SchedulerConfig, type SchedulerStats } from "./scheduler.ts";
export { type RunningScheduler, startScheduler, type StartSchedulerOptions } from "./start.ts";

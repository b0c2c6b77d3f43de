/**
 * Shared plumbing for the controllers of `k3s server`. A controller is an API client like any
 * out-of-process one: it reads through shared informers and writes through `kube/client`'s
 * {@link KubeClient} with the `system:kube-controller-manager` identity.
 *
 * ## Writing a controller
 *
 * ```ts
 * import { Controller, type ControllerConfig, positiveInt } from "../framework/mod.ts";
 * import { DEPLOYMENTS, REPLICA_SETS, splitKey, type SharedInformer } from "../../../kube/client/mod.ts";
 *
 * export interface DeploymentConfig extends ControllerConfig { progressDeadlineCheckMs?: number }
 *
 * export class DeploymentController extends Controller {
 *   readonly #deployments: SharedInformer<KubeObject>;
 *   constructor(config: DeploymentConfig) {
 *     super(config);                                   // validates client/informers/name
 *     positiveInt(this.name, "progressDeadlineCheckMs", config.progressDeadlineCheckMs, 10_000);
 *     this.#deployments = this.watch(DEPLOYMENTS);     // own key on every change
 *     this.watch(REPLICA_SETS, { keys: (rs) => ownerKey(rs, "Deployment") });
 *   }
 *   protected async reconcile(key: string, signal: AbortSignal) {
 *     const d = this.#deployments.store.get(key);    // current state from the cache
 *     if (!d) return;                                 // deleted: nothing to do
 *     ...                                             // idempotent writes via this.client
 *   }
 * }
 * ```
 *
 * - `this.watch(res, { keys, updateFilter, namespace, labelSelector, fieldSelector, indexers })`
 *   registers a shared informer whose changes enqueue keys; `run()` waits for all of them.
 * - `reconcile(key, signal)` must be idempotent. Throwing requeues the key with per-key
 *   exponential backoff (5 ms doubling to 1000 s, 10 qps overall) until `maxRetries` (15);
 *   `this.queue.addAfter(key, ms)` looks again later without counting a failure.
 * - `this.client`, `this.clock` (inject a `FakeClock` in tests), `this.log`, `this.recorder`
 *   (core/v1 Events from `<name>-controller`), `this.queue` are there for subclasses.
 * - Constructors validate their config with {@link required}, {@link positiveInt},
 *   {@link nonNegative}, which throw {@link ConfigError} naming the controller and field.
 *
 * ## Running controllers
 *
 * ```ts
 * const manager = new ControllerManager({ client, log });   // lease kube-system/kube-controller-manager
 * manager.register({ name: "deployment", workers: 5, create: (ctx) => new DeploymentController({ ...ctx, name: "deployment" }) });
 * await manager.run(signal);
 * ```
 *
 * {@link ControllerManager} campaigns for the Lease (15 s / 10 s / 2 s); while leader it builds a
 * fresh {@link ControllerContext} (`client`, one shared `InformerFactory`, `clock`, `log`), calls
 * each descriptor's `create(ctx)`, starts the informers and runs each controller with its
 * `workers`. Losing the lease aborts the term's signal: controllers and informers stop, and the
 * manager campaigns again. `disabled` skips controllers by name; `leaderElect: false` runs
 * without an election.
 *
 * For a test, run one controller without a manager:
 * `const informers = new InformerFactory(client); const c = new X({ name: "x", client, informers });
 * informers.start(signal); await c.run(1, signal);`
 *
 * @module
 */
export { ConfigError, controllerName, nonNegative, positiveInt, required } from "./config.ts";
export {
  Controller,
  type ControllerConfig,
  type ControllerContext,
  prefixLogger,
  type WatchOptions,
} from "./controller.ts";
export {
  type ControllerDescriptor,
  ControllerManager,
  type ControllerManagerConfig,
} from "./manager.ts";

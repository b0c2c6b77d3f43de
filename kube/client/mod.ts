/**
 * The Kubernetes API client every component of ours uses, the way an out-of-process controller
 * would: its own identity, JSON over HTTPS (HTTP/1.1 keep-alive by default, one connection per
 * watch; {@link Http2Transport} multiplexes over one HTTP/2 session and falls back to HTTP/1.1
 * when the server declines HTTP/2), and client-go's list/watch machinery.
 *
 * - {@link KubeClient} (`client.ts`): `get`, `list`/`listAll`, `create`, `update`,
 *   `updateStatus`, `patch(res, name, body, "merge" | "strategic" | "json" | "apply")`, `delete`,
 *   `deleteCollection`, `bind` (pods/binding), `evict` (pods/eviction), `getScale`/`scale`,
 *   `watch()` (an async iterator of {@link WatchEvent}s, bookmarks included). Non-2xx answers
 *   throw `StatusError` (from `kube/errors.ts`); test them with {@link isNotFound},
 *   {@link isConflict}, {@link isGone}, … . Connection failures throw {@link TransportError}.
 * - Resources are descriptors ({@link Resource}, `resources.ts`): `PODS`, `NODES`, `LEASES`,
 *   `DEPLOYMENTS`, … or `resource(group, version, plural, kind, namespaced)`.
 * - {@link ClientConfig} (`config.ts`): server URL, CA, client cert/key or bearer token;
 *   {@link loadClientConfig} reads a kubeconfig.
 * - {@link Reflector}: list, then watch from the list's resourceVersion; re-watch on a clean end,
 *   relist on 410, backoff on errors; `useWatchList` starts with a `sendInitialEvents` watch.
 * - {@link SharedInformer}: a reflector plus an indexed {@link Cache} (`byIndex(BY_NAMESPACE, ns)`,
 *   `byIndex(BY_NODE_NAME, node)`), event handlers (`add`/`update`/`delete`), `hasSynced()`,
 *   `waitForSync()`. {@link InformerFactory} shares one informer per resource and scope.
 * - {@link WorkQueue}: dedupe, one worker per key at a time, `addAfter`, `addRateLimited`
 *   (per-item exponential backoff and an overall token bucket), `forget`, `shutDown`.
 * - {@link LeaderElector} with a {@link LeaseLock}: 15 s lease, 10 s renew deadline, 2 s retry.
 * - {@link EventRecorder}: core/v1 Events with count aggregation.
 * - {@link Clock} / {@link FakeClock}: every wait goes through an injectable clock.
 *
 * ```ts
 * const client = await KubeClient.fromKubeconfig("/etc/rancher/k3s/k3s.yaml");
 * const informers = new InformerFactory(client);
 * const pods = informers.informer(PODS, { indexers: { [BY_NODE_NAME]: nodeNameIndex } });
 * pods.addEventHandler({ add: (p) => queue.add(keyOf(p)) });
 * informers.start(signal);
 * await informers.waitForSync(signal);
 * ```
 *
 * @module
 */
export { Backoff, type BackoffOptions } from "./backoff.ts";
export {
  BY_NAMESPACE,
  BY_NODE_NAME,
  Cache,
  type IndexFunc,
  keyOf,
  namespaceIndex,
  nodeNameIndex,
  splitKey,
} from "./cache.ts";
export {
  type DeleteRequestOptions,
  KubeClient,
  type ListOptions,
  type PatchOptions,
  type PatchType,
  type RawResponse,
  type WatchOptions,
  type WriteOptions,
} from "./client.ts";
export { type Clock, FakeClock, realClock, type Timer } from "./clock.ts";
export { type ClientConfig, configFromKubeconfig, loadClientConfig } from "./config.ts";
export {
  isAlreadyExists,
  isConflict,
  isForbidden,
  isGone,
  isInvalid,
  isNotFound,
  isTooManyRequests,
  statusErrorFrom,
  statusToError,
} from "./errors.ts";
export { EventRecorder, type EventRecorderOptions, objectReference } from "./events.ts";
export {
  type EventHandlers,
  SharedInformer,
  type SharedInformerOptions,
  sharedStripManagedFields,
  SharedTransform,
  stripManagedFields,
} from "./informer.ts";
export { InformerFactory, type InformerFactoryOptions } from "./informer_factory.ts";
export {
  defaultIdentity,
  type LeaderElectionConfig,
  type LeaderElectionRecord,
  LeaderElector,
  LeaseLock,
  type ResourceLock,
} from "./leader_election.ts";
export { consoleLogger, type Logger, silentLogger } from "./log.ts";
export {
  type ListerWatcher,
  listWatch,
  type ListWatchOptions,
  type ListWatchScope,
  Reflector,
  type ReflectorOptions,
  type ReflectorStore,
} from "./reflector.ts";
export * from "./resources.ts";
export { HttpsTransport } from "./transport_https.ts";
export {
  Http2Transport,
  type StreamResponse,
  type Transport,
  TransportError,
  type TransportRequest,
  type TransportResponse,
} from "./transport.ts";
export type * from "./types.ts";
export { decodeWatch, INITIAL_EVENTS_END, type WatchEvent } from "./watch.ts";
export {
  BucketRateLimiter,
  defaultControllerRateLimiter,
  ItemExponentialRateLimiter,
  MaxOfRateLimiter,
  type RateLimiter,
  WorkQueue,
  type WorkQueueOptions,
} from "./workqueue.ts";

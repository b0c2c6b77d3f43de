/**
 * {@link Controller}: the base of every controller. A subclass declares what it watches with
 * {@link Controller.watch} (event handlers that only enqueue keys) and implements
 * {@link Controller.reconcile}, which reads current state from the informer caches and converges,
 * idempotently. Workers take keys from a rate-limited queue; a failed key comes back with
 * per-key exponential backoff until `maxRetries`, then is dropped with an error line.
 *
 * @module
 */
import {
  type Clock,
  EventRecorder,
  type IndexFunc,
  type InformerFactory,
  keyOf,
  type KubeClient,
  type KubeObject,
  type ListWatchScope,
  type Logger,
  type RateLimiter,
  realClock,
  type Resource,
  type SharedInformer,
  silentLogger,
  WorkQueue,
} from "../../../kube/client/mod.ts";
import { controllerName, nonNegative, positiveInt, required } from "./config.ts";

/** What the {@link ControllerManager} hands every controller it builds. */
export interface ControllerContext {
  /** The controller manager's client (identity `system:kube-controller-manager`). */
  client: KubeClient;
  /** Shared informers: one list+watch per resource for all controllers. */
  informers: InformerFactory;
  clock: Clock;
  log: Logger;
}

/** The config every controller takes (a subclass extends it with its own fields). */
export interface ControllerConfig extends Partial<Pick<ControllerContext, "clock" | "log">> {
  /** Lowercase with dashes, e.g. `deployment`; events come from `<name>-controller`. */
  name: string;
  client: KubeClient;
  informers: InformerFactory;
  /** Default: client-go's controller limiter (5 ms…1000 s per key, 10 qps overall). */
  rateLimiter?: RateLimiter<string>;
  /** Failures of one key before it is dropped (default 15; Infinity retries forever). */
  maxRetries?: number;
  /** Default: `<name>-controller` events through `client`. */
  recorder?: EventRecorder;
}

/** Options of {@linkcode Controller.watch}. */
export interface WatchOptions<T extends KubeObject> extends ListWatchScope {
  indexers?: Record<string, IndexFunc<T>>;
  /**
   * The keys a change of `obj` enqueues (default: the object's own `namespace/name`), e.g. the
   * owning Deployment of a ReplicaSet. Called with the new object, and the old one on update.
   */
  keys?: (obj: T) => Iterable<string> | string | undefined;
  /** Ignore an update where this returns false (e.g. only resourceVersion changed). */
  updateFilter?: (oldObj: T, newObj: T) => boolean;
}

/** A prefixing logger: lines start with `name: `. */
export function prefixLogger(log: Logger, name: string): Logger {
  return {
    info: (m) => log.info(`${name}: ${m}`),
    warn: (m) => log.warn(`${name}: ${m}`),
    error: (m) => log.error(`${name}: ${m}`),
    debug: (m) => log.debug(`${name}: ${m}`),
  };
}

/** The base of informer-driven controllers. */
export abstract class Controller {
  readonly name: string;
  protected readonly client: KubeClient;
  protected readonly informers: InformerFactory;
  protected readonly clock: Clock;
  protected readonly log: Logger;
  protected readonly recorder: EventRecorder;
  /** Keys (`namespace/name` or `name`) waiting for {@link reconcile}. */
  protected readonly queue: WorkQueue<string>;
  readonly #maxRetries: number;
  readonly #sources: SharedInformer<KubeObject>[] = [];

  constructor(config: ControllerConfig) {
    this.name = controllerName(config?.name);
    this.client = required(this.name, "client", config.client);
    this.informers = required(this.name, "informers", config.informers);
    this.clock = config.clock ?? realClock;
    this.log = prefixLogger(config.log ?? silentLogger, this.name);
    this.#maxRetries = nonNegative(this.name, "maxRetries", config.maxRetries, 15);
    this.recorder = config.recorder ??
      new EventRecorder({
        client: this.client,
        component: `${this.name}-controller`,
        clock: this.clock,
        log: this.log,
      });
    this.queue = new WorkQueue<string>({ clock: this.clock, rateLimiter: config.rateLimiter });
  }

  /**
   * Converges the object under `key` to its desired state. Must be idempotent: it may run again
   * for the same state. Throwing requeues the key with backoff; to look again later without an
   * error, call `this.queue.addAfter(key, ms)`.
   */
  protected abstract reconcile(key: string, signal: AbortSignal): Promise<void>;

  /**
   * Watches a resource through the shared informers; changes enqueue keys (see
   * {@link WatchOptions.keys}). Call from the constructor. `run()` waits for these informers.
   */
  protected watch<T extends KubeObject>(
    res: Resource<T>,
    options: WatchOptions<T> = {},
  ): SharedInformer<T> {
    const { keys, updateFilter, ...scope } = options;
    const informer = this.informers.informer(res, scope);
    this.#sources.push(informer as unknown as SharedInformer<KubeObject>);
    const enqueue = (obj: T) => {
      const k = keys ? keys(obj) : keyOf(obj);
      if (k === undefined) return;
      if (typeof k === "string") this.queue.add(k);
      else for (const one of k) this.queue.add(one);
    };
    informer.addEventHandler({
      add: enqueue,
      update: (oldObj, newObj) => {
        if (updateFilter && !updateFilter(oldObj, newObj)) return;
        if (keys) enqueue(oldObj);
        enqueue(newObj);
      },
      delete: enqueue,
    });
    return informer;
  }

  /** Queues `key` for reconciling. */
  enqueue(key: string): void {
    this.queue.add(key);
  }

  /**
   * Waits for the watched informers to sync (the owner starts the informer factory), then runs
   * `workers` concurrent reconcile loops until `signal` aborts.
   */
  async run(workers: number, signal: AbortSignal): Promise<void> {
    positiveInt(this.name, "workers", workers, 1);
    const stop = () => this.queue.shutDown();
    signal.addEventListener("abort", stop, { once: true });
    try {
      const synced = await Promise.all(this.#sources.map((s) => s.waitForSync(signal)));
      if (!synced.every(Boolean)) return;
      this.log.debug(`caches synced; starting ${workers} worker(s)`);
      await Promise.all(Array.from({ length: workers }, () => this.#worker(signal)));
    } finally {
      signal.removeEventListener("abort", stop);
      this.queue.shutDown();
    }
  }

  async #worker(signal: AbortSignal): Promise<void> {
    for (;;) {
      const key = await this.queue.get(signal);
      if (key === undefined) return;
      try {
        await this.reconcile(key, signal);
        this.queue.forget(key);
      } catch (err) {
        if (signal.aborted) return;
        this.#handleError(key, err as Error);
      } finally {
        this.queue.done(key);
      }
    }
  }

  #handleError(key: string, err: Error): void {
    const retries = this.queue.numRequeues(key);
    if (retries < this.#maxRetries) {
      this.log.debug(`cannot sync ${key} (retry ${retries + 1}): ${err.message}`);
      this.queue.addRateLimited(key);
      return;
    }
    this.log.error(`cannot sync ${key}, dropping it after ${retries} retries: ${err.message}`);
    this.queue.forget(key);
  }
}

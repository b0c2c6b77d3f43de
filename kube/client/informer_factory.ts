/**
 * {@link InformerFactory}: hands out one {@link SharedInformer} per resource and scope, so that
 * every controller in a process shares one list+watch and one cache per resource.
 *
 * @module
 */
import type { KubeObject } from "../meta.ts";
import type { IndexFunc } from "./cache.ts";
import type { KubeClient } from "./client.ts";
import { type Clock, realClock } from "./clock.ts";
import { SharedInformer } from "./informer.ts";
import { type Logger, silentLogger } from "./log.ts";
import { listWatch, type ListWatchScope } from "./reflector.ts";
import type { Resource } from "./resources.ts";

/** Options of {@linkcode InformerFactory}. */
export interface InformerFactoryOptions {
  clock?: Clock;
  log?: Logger;
  /** Informers start with a `sendInitialEvents` watch instead of a list. */
  useWatchList?: boolean;
  /** Applied to every object of every informer (see `SharedInformerOptions.transform`). */
  transform?: (obj: KubeObject) => KubeObject;
}

/** Shared informers of one client. */
export class InformerFactory {
  readonly client: KubeClient;
  readonly #options: InformerFactoryOptions;
  readonly #informers = new Map<string, SharedInformer<KubeObject>>();
  readonly #started = new Set<string>();
  #signal: AbortSignal | null = null;

  constructor(client: KubeClient, options: InformerFactoryOptions = {}) {
    this.client = client;
    this.#options = options;
  }

  /**
   * The informer of `res` in `scope` (created on first use, then shared). `indexers` are added
   * to the shared cache; two callers asking for the same index name must pass the same function.
   * An informer asked for after {@link start} starts at once.
   */
  informer<T extends KubeObject>(
    res: Resource<T>,
    scope: ListWatchScope & { indexers?: Record<string, IndexFunc<T>> } = {},
  ): SharedInformer<T> {
    const { indexers, ...where } = scope;
    const key = [
      res.group,
      res.version,
      res.resource,
      where.namespace ?? "",
      where.labelSelector ?? "",
      where.fieldSelector ?? "",
    ].join("|");
    let inf = this.#informers.get(key) as SharedInformer<T> | undefined;
    if (!inf) {
      const label = [res.resource, where.namespace, where.labelSelector, where.fieldSelector]
        .filter(Boolean).join(" ");
      inf = new SharedInformer<T>({
        name: label,
        listerWatcher: listWatch(this.client, res, where),
        clock: this.#options.clock ?? realClock,
        log: this.#options.log ?? silentLogger,
        useWatchList: this.#options.useWatchList,
        transform: this.#options.transform as ((obj: T) => T) | undefined,
      });
      this.#informers.set(key, inf as unknown as SharedInformer<KubeObject>);
    }
    for (const [name, fn] of Object.entries(indexers ?? {})) inf.addIndexer(name, fn);
    if (this.#signal) this.#startOne(key, this.#signal);
    return inf;
  }

  /** Starts every informer made so far, and any made later, until `signal` aborts. */
  start(signal: AbortSignal): void {
    this.#signal = signal;
    for (const key of this.#informers.keys()) this.#startOne(key, signal);
  }

  #startOne(key: string, signal: AbortSignal): void {
    if (this.#started.has(key) || signal.aborted) return;
    this.#started.add(key);
    void this.#informers.get(key)!.run(signal);
  }

  /** Resolves true once every informer made so far has synced (false if `signal` aborts). */
  async waitForSync(signal?: AbortSignal): Promise<boolean> {
    const all = await Promise.all([...this.#informers.values()].map((i) => i.waitForSync(signal)));
    return all.every(Boolean);
  }

  /** Every informer made so far. */
  get informers(): SharedInformer<KubeObject>[] {
    return [...this.#informers.values()];
  }
}

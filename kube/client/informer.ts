/**
 * {@link SharedInformer}: one reflector feeding one indexed {@link Cache}, shared by any number
 * of event handlers. Handlers run synchronously, in order, for every change, and should only
 * enqueue keys; a relist turns into the adds, updates and deletes that bring each handler from
 * what it saw to what the server has.
 *
 * @module
 */
import type { KubeObject } from "../meta.ts";
import { Cache, type IndexFunc, keyOf } from "./cache.ts";
import { type Clock, realClock } from "./clock.ts";
import { type Logger, silentLogger } from "./log.ts";
import { type ListerWatcher, Reflector, type ReflectorStore } from "./reflector.ts";
import { yieldToEventLoop } from "./event_loop.ts";

/** Handler calls between turns of the event loop while a list is replayed to the handlers. */
const NOTICE_BATCH = 500;

/** Callbacks for changes; each is optional. */
export interface EventHandlers<T extends KubeObject> {
  /** `initial` is true for objects of the first list (or of replay to a late handler). */
  add?(obj: T, initial: boolean): void;
  update?(oldObj: T, newObj: T): void;
  /**
   * `finalStateUnknown` is true when a relist found the object gone: `obj` is the last state
   * this informer saw, not the state at deletion.
   */
  delete?(obj: T, finalStateUnknown: boolean): void;
}

/** Options of {@linkcode SharedInformer}. */
export interface SharedInformerOptions<T extends KubeObject> {
  /** For log lines, e.g. `pods`. */
  name: string;
  listerWatcher: ListerWatcher<T>;
  indexers?: Record<string, IndexFunc<T>>;
  clock?: Clock;
  log?: Logger;
  /** Start with a `sendInitialEvents` watch instead of a list. */
  useWatchList?: boolean;
  /** Page size of lists (default 500). */
  pageSize?: number;
  /**
   * Applied to every object before it is cached or handed to handlers (upstream's
   * `SetTransform`), e.g. {@linkcode stripManagedFields}. It receives the informer's own decoded
   * copy and may return it changed.
   */
  transform?: (obj: T) => T;
}

/**
 * Drops `metadata.managedFields`, which no controller reads and which is often a third of a
 * small object, as upstream's controller manager and scheduler do for their informers. An
 * update sent without managedFields keeps the stored ones.
 */
export function stripManagedFields<T extends KubeObject>(obj: T): T {
  const meta = obj.metadata;
  if (!meta || !("managedFields" in meta)) return obj;
  // A new metadata object rather than `delete`, which would leave it a slow dictionary.
  const { managedFields: _, ...rest } = meta;
  obj.metadata = rest;
  return obj;
}

/**
 * A transform whose results are shared between every informer of the process that uses it: two
 * informers decoding the same version of the same object (same `apiVersion`, `kind`, `uid` and
 * `resourceVersion`, so the same content) keep one copy instead of two. The scheduler and the
 * controller manager run in one `k3s server` and both cache every pod; with this they cache the
 * same objects. Informer objects are never mutated (handlers copy before changing), which is
 * what makes the sharing safe. A copy is forgotten once no informer holds it.
 */
export class SharedTransform {
  readonly #copies = new Map<string, WeakRef<KubeObject>>();
  readonly #forget = new FinalizationRegistry<string>((key) => {
    if (this.#copies.get(key)?.deref() === undefined) this.#copies.delete(key);
  });

  constructor(readonly inner: <T extends KubeObject>(obj: T) => T) {}

  /** The transform to hand to informers (`SharedInformerOptions.transform`). */
  readonly apply = <T extends KubeObject>(obj: T): T => {
    const meta = obj.metadata;
    if (!meta?.uid || !meta.resourceVersion) return this.inner(obj);
    const key = `${obj.apiVersion ?? ""}|${obj.kind ?? ""}|${meta.uid}|${meta.resourceVersion}`;
    const have = this.#copies.get(key)?.deref();
    if (have) return have as T;
    const out = this.inner(obj);
    this.#copies.set(key, new WeakRef(out));
    this.#forget.register(out, key);
    return out;
  };

  /** Copies currently shared (for tests). */
  get size(): number {
    return this.#copies.size;
  }
}

/**
 * {@link stripManagedFields} with its results shared across the process's informers (see
 * {@link SharedTransform}): what the in-process scheduler and controller manager use.
 */
export const sharedStripManagedFields = new SharedTransform(stripManagedFields);

/** A list+watch cache of one resource with change handlers. */
export class SharedInformer<T extends KubeObject> implements ReflectorStore<T> {
  readonly name: string;
  readonly store = new Cache<T>();
  readonly #handlers = new Set<EventHandlers<T>>();
  readonly #reflector: Reflector<T>;
  readonly #log: Logger;
  readonly #transform: ((obj: T) => T) | undefined;
  #synced = false;
  #syncWaiters: (() => void)[] = [];
  #running: Promise<void> | null = null;

  constructor(options: SharedInformerOptions<T>) {
    this.name = options.name;
    this.#log = options.log ?? silentLogger;
    this.#transform = options.transform;
    for (const [n, fn] of Object.entries(options.indexers ?? {})) this.store.addIndexer(n, fn);
    this.#reflector = new Reflector({
      name: options.name,
      listerWatcher: options.listerWatcher,
      store: this,
      clock: options.clock ?? realClock,
      log: this.#log,
      useWatchList: options.useWatchList,
      pageSize: options.pageSize,
    });
  }

  /** Adds handlers; once synced, the new handler first gets an add for every cached object. */
  addEventHandler(handlers: EventHandlers<T>): () => void {
    this.#handlers.add(handlers);
    if (this.#synced && handlers.add) {
      for (const obj of this.store.values()) this.#call(() => handlers.add!(obj, true));
    }
    return () => this.#handlers.delete(handlers);
  }

  /** Adds an index to the cache (before or after start). */
  addIndexer(name: string, fn: IndexFunc<T>): void {
    this.store.addIndexer(name, fn);
  }

  /** True once the first list has been delivered. */
  hasSynced(): boolean {
    return this.#synced;
  }

  /** Resolves true once synced, false if `signal` aborts first. */
  waitForSync(signal?: AbortSignal): Promise<boolean> {
    if (this.#synced) return Promise.resolve(true);
    if (signal?.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const onAbort = () => resolve(false);
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#syncWaiters.push(() => {
        signal?.removeEventListener("abort", onAbort);
        resolve(true);
      });
    });
  }

  /** The resourceVersion the cache is current to. */
  get lastSyncResourceVersion(): string {
    return this.#reflector.lastSyncResourceVersion;
  }

  /** Full lists made so far (1 + relists). */
  get listCount(): number {
    return this.#reflector.listCount;
  }

  /** Runs the reflector until `signal` aborts; a second call returns the first run. */
  run(signal: AbortSignal): Promise<void> {
    this.#running ??= this.#reflector.run(signal);
    return this.#running;
  }

  // ReflectorStore: called by the reflector only.

  async replace(items: T[], _resourceVersion: string): Promise<void> {
    // The store changes at once, so a lister never sees half of two lists; the handlers hear of
    // it in batches with turns of the event loop between (10,000 objects are a long handler run).
    const seen = new Set<string>();
    const initial = !this.#synced;
    const notices: ((h: EventHandlers<T>) => void)[] = [];
    for (const item of items) {
      const obj = this.#transform ? this.#transform(item) : item;
      const key = keyOf(obj);
      seen.add(key);
      const old = this.store.put(obj);
      if (!old) notices.push((h) => h.add?.(obj, initial));
      else if (old.metadata.resourceVersion !== obj.metadata.resourceVersion) {
        notices.push((h) => h.update?.(old, obj));
      }
    }
    for (const key of [...this.store.keys()]) {
      if (seen.has(key)) continue;
      const old = this.store.remove(key)!;
      notices.push((h) => h.delete?.(old, true));
    }
    for (let i = 0; i < notices.length; i++) {
      if (i > 0 && i % NOTICE_BATCH === 0) await yieldToEventLoop();
      this.#emit(notices[i]);
    }
    if (!this.#synced) {
      this.#synced = true;
      const waiters = this.#syncWaiters;
      this.#syncWaiters = [];
      for (const w of waiters) w();
    }
  }

  add(item: T): void {
    const obj = this.#transform ? this.#transform(item) : item;
    const old = this.store.put(obj);
    if (old) this.#emit((h) => h.update?.(old, obj));
    else this.#emit((h) => h.add?.(obj, false));
  }

  update(obj: T): void {
    this.add(obj);
  }

  delete(item: T): void {
    const obj = this.#transform ? this.#transform(item) : item;
    this.store.remove(keyOf(obj));
    this.#emit((h) => h.delete?.(obj, false));
  }

  #emit(fn: (h: EventHandlers<T>) => void): void {
    for (const h of this.#handlers) this.#call(() => fn(h));
  }

  #call(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.#log.error(`${this.name}: an event handler failed: ${(err as Error).stack ?? err}`);
    }
  }
}

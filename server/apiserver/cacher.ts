/**
 * Feeds every resource's {@link WatchCache} from ONE datastore watch over the whole registry, so
 * N watchers (and N resources) cost one datastore stream. Also the codec between stored bytes and
 * objects, with `metadata.resourceVersion` taken from the datastore revision.
 *
 * @module
 */
import { yieldToEventLoop } from "../../kube/client/event_loop.ts";
import type { Backend, KeyValue, WatchEvent } from "../../datastore/backend.ts";
import type { KubeObject } from "../../kube/meta.ts";
import { setInterval } from "node:timers";
import {
  DEFAULT_WINDOW,
  EventWindow,
  type WindowEntry,
  type WindowLimits,
} from "./event_window.ts";
import { type CachedObject, type CacheEvent, WatchCache } from "./watch_cache.ts";

/** Turns stored bytes into objects and back (encryption at rest wraps this). */
export interface Codec {
  encode(obj: KubeObject, key: string): Uint8Array | Promise<Uint8Array>;
  decode(bytes: Uint8Array, key: string): KubeObject | Promise<KubeObject>;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Plain JSON, the resourceVersion left out (it is the datastore revision). */
export const jsonCodec: Codec = {
  encode(obj) {
    const meta = obj.metadata as Record<string, unknown> | undefined;
    if (meta && "resourceVersion" in meta) {
      const { resourceVersion: _, ...rest } = meta;
      return encoder.encode(JSON.stringify({ ...obj, metadata: rest }));
    }
    return encoder.encode(JSON.stringify(obj));
  },
  decode(bytes) {
    return JSON.parse(decoder.decode(bytes));
  },
};

/**
 * A cached object holds its JSON; the parsed form is shared while anything uses it and parsed
 * again from the JSON once the garbage collector has reclaimed it. Caches hold every object of
 * every resource (and their previous versions in the event window): parsed trees cost several
 * times their JSON, and most of them are only ever sent as JSON.
 */
class StoredObject implements CachedObject {
  #parsed: WeakRef<KubeObject>;

  constructor(readonly key: string, readonly rv: number, obj: KubeObject, readonly json: string) {
    this.#parsed = new WeakRef(obj);
  }

  get obj(): KubeObject {
    let obj = this.#parsed.deref();
    if (!obj) {
      obj = JSON.parse(this.json) as KubeObject;
      this.#parsed = new WeakRef(obj);
    }
    return obj;
  }
}

/** Builds the cached form of an object read at revision `rv`. */
export function cachedObject(key: string, obj: KubeObject, rv: number): CachedObject {
  const meta = obj.metadata as Record<string, unknown>;
  meta.resourceVersion = String(rv);
  return new StoredObject(key, rv, obj, JSON.stringify(obj));
}

export async function decodeKv(codec: Codec, kv: KeyValue, rv = kv.modRevision) {
  return cachedObject(kv.key, await codec.decode(kv.value, kv.key), rv);
}

/** Objects read and decoded per datastore page while a cache fills. */
const FILL_PAGE = 500;

export const REGISTRY_PREFIX = "/registry/";

export interface CacherOptions {
  /** How far back a watch may start; 2,000 events of a resource, for at most 3 minutes. */
  window?: WindowLimits;
}

export class Cacher {
  #backend: Backend;
  #codec: Codec;
  #limits: WindowLimits;
  #caches = new Map<string, WatchCache>();
  /** Caches being filled: events that arrive meanwhile wait here. */
  #pending = new Map<string, WatchEvent[]>();
  #filling = new Map<string, Promise<WatchCache>>();
  /** The revision every cache is current to. */
  #rv = 0;
  /** The revision of the last event dispatched: every later one reaches #pending or a cache. */
  #seen = 0;
  /**
   * The recent events of every resource, cached or not, so that a cache filled later can serve
   * watches from the same revisions as one filled at the start (as upstream, where every
   * resource's cache starts with the API server).
   */
  #log: EventWindow<WatchEvent>;
  #waiters: { rv: number; resolve: () => void }[] = [];
  #abort = new AbortController();
  #loop: Promise<void> | null = null;
  #bookmarkTimer: ReturnType<typeof setInterval> | null = null;
  #failed: Error | null = null;

  constructor(backend: Backend, codec: Codec, options: CacherOptions = {}) {
    this.#backend = backend;
    this.#codec = codec;
    this.#limits = options.window ?? DEFAULT_WINDOW;
    this.#log = new EventWindow(0, this.#limits);
  }

  /** Starts the one datastore watch at the current revision. */
  async start(): Promise<void> {
    this.#rv = await this.#backend.currentRevision();
    this.#seen = this.#rv;
    this.#log = new EventWindow(this.#rv, this.#limits);
    const watch = this.#backend.watch(REGISTRY_PREFIX, {
      afterRevision: this.#rv,
      signal: this.#abort.signal,
    });
    this.#loop = this.#run(watch);
    this.#bookmarkTimer = setInterval(() => {
      for (const c of this.#caches.values()) c.bookmark();
    }, 60_000).unref();
  }

  /** The revision every cache is current to. */
  get revision(): number {
    return this.#rv;
  }

  /** The cache for keys under `prefix` (which ends with "/"), filled on first use. */
  cache(prefix: string): Promise<WatchCache> {
    const existing = this.#caches.get(prefix);
    if (existing) return Promise.resolve(existing);
    let filling = this.#filling.get(prefix);
    if (!filling) {
      filling = this.#fill(prefix).finally(() => this.#filling.delete(prefix));
      this.#filling.set(prefix, filling);
    }
    return filling;
  }

  async #fill(prefix: string): Promise<WatchCache> {
    // All at once, before anything is awaited: the events up to `rv` are in the list at `rv` and
    // in the log, every later one waits in #pending. (The cacher's own #rv would not do: it moves
    // once a whole batch is dispatched, and the batch's events dispatched so far would be lost.)
    const rv = this.#seen;
    const pending: WatchEvent[] = [];
    this.#pending.set(prefix, pending);
    const oldest = this.#log.oldest;
    const logged = [...this.#log.after(oldest)].filter((e) => e.item.kv.key.startsWith(prefix));
    try {
      const items: CachedObject[] = [];
      let startKey: string | undefined;
      for (;;) {
        const page = await this.#backend.list(prefix, { revision: rv, limit: FILL_PAGE, startKey });
        for (const kv of page.kvs) items.push(await decodeKv(this.#codec, kv));
        if (!page.more || page.kvs.length === 0) break;
        startKey = page.kvs[page.kvs.length - 1].key + "\0";
        // Requests waiting on sockets go first: a page of a large resource is tens of ms.
        await yieldToEventLoop();
      }
      const events: WindowEntry<CacheEvent>[] = [];
      for (const { rv, item, at } of logged) {
        events.push({ rv, item: await this.#cacheEvent(item), at });
      }
      const cache = new WatchCache(prefix, items, rv, {
        history: { oldest, events },
        limits: this.#limits,
      });
      for (const ev of pending) await this.#applyTo(cache, ev);
      cache.progress(this.#rv);
      this.#caches.set(prefix, cache);
      return cache;
    } finally {
      this.#pending.delete(prefix);
    }
  }

  /** Drops a cache (a custom resource that is no longer served). */
  drop(prefix: string): void {
    this.#caches.delete(prefix);
  }

  /** Resolves once every write up to `rv` is in the caches. */
  waitFor(rv: number, timeoutMs = 5_000): Promise<void> {
    if (this.#failed) return Promise.reject(this.#failed);
    if (this.#rv >= rv) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter = { rv, resolve: () => (clearTimeout(timer), resolve()) };
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        reject(new Error(`Cannot serve from the watch cache: not current to revision ${rv}`));
      }, timeoutMs);
      this.#waiters.push(waiter);
    });
  }

  /** Waits until the caches hold every write the datastore has acknowledged so far. */
  async sync(): Promise<void> {
    await this.waitFor(await this.#backend.currentRevision());
  }

  async close(): Promise<void> {
    this.#abort.abort();
    if (this.#bookmarkTimer) clearInterval(this.#bookmarkTimer);
    await this.#loop?.catch(() => {});
  }

  async #run(watch: AsyncIterable<WatchEvent[]>): Promise<void> {
    try {
      for await (const batch of watch) {
        for (const ev of batch) await this.#dispatch(ev);
        const rv = batch[batch.length - 1]?.kv.modRevision ?? this.#rv;
        if (rv > this.#rv) this.#rv = rv;
        for (const c of this.#caches.values()) c.progress(this.#rv);
        this.#wake();
      }
    } catch (err) {
      if (this.#abort.signal.aborted) return;
      this.#failed = err instanceof Error ? err : new Error(String(err));
      console.error(`watch cache: datastore watch failed: ${this.#failed.message}`);
    }
  }

  async #dispatch(ev: WatchEvent): Promise<void> {
    const prefix = resourcePrefix(ev.kv.key);
    if (!prefix) return;
    this.#seen = ev.kv.modRevision;
    this.#log.push(ev.kv.modRevision, ev, Date.now());
    const pending = this.#pending.get(prefix);
    if (pending) pending.push(ev);
    const cache = this.#caches.get(prefix);
    if (cache) await this.#applyTo(cache, ev);
  }

  async #applyTo(cache: WatchCache, ev: WatchEvent): Promise<void> {
    if (ev.kv.modRevision <= cache.revision) return;
    // The cache already holds the previous state: share it instead of decoding prevKv again.
    cache.apply(await this.#cacheEvent(ev, cache.get(ev.kv.key)));
  }

  async #cacheEvent(ev: WatchEvent, prev?: CachedObject): Promise<CacheEvent> {
    const rv = ev.kv.modRevision;
    const object = await decodeKv(this.#codec, ev.kv, rv);
    prev ??= ev.prevKv ? await decodeKv(this.#codec, ev.prevKv) : undefined;
    const type = ev.type === "create" ? "ADDED" : ev.type === "update" ? "MODIFIED" : "DELETED";
    return { type, rv, object, prev };
  }

  #wake(): void {
    const ready = this.#waiters.filter((w) => w.rv <= this.#rv);
    if (ready.length === 0) return;
    this.#waiters = this.#waiters.filter((w) => w.rv > this.#rv);
    for (const w of ready) w.resolve();
  }
}

/** `/registry/<group>/<resource>/` for a stored key. */
export function resourcePrefix(key: string): string | null {
  if (!key.startsWith(REGISTRY_PREFIX)) return null;
  const a = key.indexOf("/", REGISTRY_PREFIX.length);
  if (a < 0) return null;
  const b = key.indexOf("/", a + 1);
  if (b < 0) return null;
  return key.slice(0, b + 1);
}

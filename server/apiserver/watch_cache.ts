/**
 * The in-memory cache of one resource: every current object plus a window of recent events,
 * serving list and watch so that any number of watchers cost nothing at the datastore.
 * A {@link Cacher} feeds it from a single datastore watch.
 *
 * @module
 */
import type { KubeObject } from "../../kube/meta.ts";
import {
  DEFAULT_WINDOW,
  EventWindow,
  type WindowEntry,
  type WindowLimits,
} from "./event_window.ts";

/** One object as stored at one revision. Shared between lists and watchers: never mutate it. */
export interface CachedObject {
  readonly key: string;
  readonly rv: number;
  readonly obj: KubeObject;
  /** `obj` serialized, with `metadata.resourceVersion` set. */
  readonly json: string;
}

export type EventType = "ADDED" | "MODIFIED" | "DELETED";

export interface CacheEvent {
  type: EventType;
  rv: number;
  object: CachedObject;
  prev?: CachedObject;
}

/** Decides whether an object is visible to one watcher or list. */
export type ObjectFilter = ((obj: KubeObject) => boolean) & {
  /**
   * The one `metadata.name` the filter can match, when it requires one (a field selector
   * `metadata.name=…`): objects whose key ends in another name are passed over without being
   * read. A key's last segment is its object's name.
   */
  readonly onlyName?: string;
};

/** Whether the filter may match the object stored under `key`, judged by the key alone. */
function mayMatch(filter: ObjectFilter, key: string): boolean {
  const name = filter.onlyName;
  return name === undefined ||
    (key.endsWith(name) && key.charCodeAt(key.length - name.length - 1) === 47 /* "/" */);
}

/** The filter of a watch without selectors: the cache delivers without reading the objects. */
export const MATCH_ALL: ObjectFilter = () => true;

/** What a watcher receives; returning false means the watcher could not keep up. */
export type WatchSink = (
  type: EventType | "BOOKMARK",
  object: CachedObject | null,
  rv: number,
) => boolean;

interface Watcher {
  /** Only keys under it (a namespace's); a key never changes, so no object is read for it. */
  prefix: string;
  filter: ObjectFilter;
  sink: WatchSink;
}

/** What a cache filled after its resource changed already knows of those changes. */
export interface CacheHistory {
  /** Every change after this revision up to the cache's own is in `events`. */
  oldest: number;
  events: WindowEntry<CacheEvent>[];
}

export class WatchCache {
  #items = new Map<string, CachedObject>();
  #sorted: CachedObject[] | null = null;
  #events: EventWindow<CacheEvent>;
  #rv: number;
  #watchers = new Set<Watcher>();
  readonly prefix: string;

  /**
   * A cache holding `initial`, the state at `revision`. Watches may start from `revision` on,
   * or from `history.oldest` on when the changes before the cache was filled are given.
   */
  constructor(
    prefix: string,
    initial: CachedObject[],
    revision: number,
    options: { history?: CacheHistory; limits?: WindowLimits } = {},
  ) {
    this.prefix = prefix;
    for (const item of initial) this.#items.set(item.key, item);
    this.#rv = revision;
    const { history, limits = DEFAULT_WINDOW } = options;
    this.#events = new EventWindow(history?.oldest ?? revision, limits);
    for (const { rv, item, at } of history?.events ?? []) this.#events.push(rv, item, at);
  }

  /** The revision the cache is current to. */
  get revision(): number {
    return this.#rv;
  }

  /** The oldest revision a watch may start from. */
  get oldestRevision(): number {
    return this.#events.oldest;
  }

  get size(): number {
    return this.#items.size;
  }

  get watcherCount(): number {
    return this.#watchers.size;
  }

  get(key: string): CachedObject | undefined {
    return this.#items.get(key);
  }

  /** Current objects under `prefix` (a namespace's keys, or all), in key order. */
  list(prefix: string, filter?: ObjectFilter): CachedObject[] {
    if (!this.#sorted) {
      this.#sorted = [...this.#items.values()].sort((a, b) => (a.key < b.key ? -1 : 1));
    }
    const out: CachedObject[] = [];
    const all = prefix === this.prefix;
    for (const item of this.#sorted) {
      if (!all && !item.key.startsWith(prefix)) continue;
      if (filter && filter !== MATCH_ALL && !(mayMatch(filter, item.key) && filter(item.obj))) {
        continue;
      }
      out.push(item);
    }
    return out;
  }

  /** Applies one event from the datastore, in revision order, and fans it out. */
  apply(event: CacheEvent, now = Date.now()): void {
    if (event.rv <= this.#rv) return;
    const key = event.object.key;
    if (event.type === "DELETED") this.#items.delete(key);
    else this.#items.set(key, event.object);
    this.#sorted = null;
    this.#rv = event.rv;
    this.#events.push(event.rv, event, now);
    for (const w of this.#watchers) this.#deliver(w, event);
  }

  /** Whether any object of the resource changed after `rv` (at or after the window's start). */
  changedAfter(rv: number): boolean {
    return !this.#events.after(rv).next().done;
  }

  /** Moves the cache's revision forward when other resources changed. */
  progress(rv: number): void {
    if (rv > this.#rv) this.#rv = rv;
  }

  /**
   * Starts a watcher. With `fromRv`, replays every change after it (throws {@link TooOldError}
   * when the window no longer holds it); with `initial`, first sends every current object as ADDED.
   * Returns the function that stops the watcher.
   */
  watch(
    options: {
      fromRv?: number;
      initial?: boolean;
      /** Keys under this prefix only (default: the whole resource). */
      prefix?: string;
      filter: ObjectFilter;
      sink: WatchSink;
    },
  ): () => void {
    const w: Watcher = {
      prefix: options.prefix ?? this.prefix,
      filter: options.filter,
      sink: options.sink,
    };
    if (options.initial) {
      for (const item of this.list(w.prefix, w.filter)) {
        if (!w.sink("ADDED", item, item.rv)) return () => {};
      }
    } else if (options.fromRv !== undefined) {
      const oldest = this.#events.oldest;
      if (options.fromRv < oldest) throw new TooOldError(options.fromRv, oldest);
      for (const { item } of this.#events.after(options.fromRv)) this.#deliver(w, item);
    }
    this.#watchers.add(w);
    return () => this.#watchers.delete(w);
  }

  /** Sends a bookmark with the current revision to every watcher that wants one. */
  bookmark(): void {
    for (const w of this.#watchers) {
      if (!w.sink("BOOKMARK", null, this.#rv)) this.#watchers.delete(w);
    }
  }

  #deliver(w: Watcher, event: CacheEvent): void {
    if (w.prefix !== this.prefix && !event.object.key.startsWith(w.prefix)) return;
    if (w.filter === MATCH_ALL) {
      // What the general case below decides when the filter takes everything.
      const type = event.type === "DELETED" ? "DELETED" : event.prev ? "MODIFIED" : "ADDED";
      if (!w.sink(type, event.object, event.rv)) this.#watchers.delete(w);
      return;
    }
    // An object keeps its key, so a filter that cannot match the key matches neither version.
    if (!mayMatch(w.filter, event.object.key)) return;
    const now = event.type === "DELETED" ? false : w.filter(event.object.obj);
    const before = event.prev ? w.filter(event.prev.obj) : false;
    let ok = true;
    if (event.type === "DELETED") {
      if (w.filter(event.object.obj)) ok = w.sink("DELETED", event.object, event.rv);
    } else if (now && before) ok = w.sink("MODIFIED", event.object, event.rv);
    else if (now) ok = w.sink("ADDED", event.object, event.rv);
    else if (before) ok = w.sink("DELETED", event.object, event.rv);
    if (!ok) this.#watchers.delete(w);
  }
}

/** A watch asked to start before the oldest revision the cache holds. */
export class TooOldError extends Error {
  constructor(readonly requested: number, readonly oldest: number) {
    super(`too old resource version: ${requested} (${oldest})`);
    this.name = "TooOldError";
  }
}

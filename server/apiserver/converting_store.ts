/**
 * A {@link Store} for a resource version whose objects are stored in another version and
 * converted asynchronously ({@link AsyncConverter}, a CRD's conversion webhook): everything it
 * reads (get, list, watch events, and so what update, patch and delete start from) comes back
 * in its own version, and everything it writes goes to the datastore in the storage version.
 * Lists are converted in one batch.
 *
 * @module
 */
import type { KubeObject } from "../../kube/meta.ts";
import { cachedObject } from "./cacher.ts";
import { apiVersionOf, type AsyncConverter, type ResourceDef } from "./resource.ts";
import {
  type ListOptions,
  type ListResult,
  Store,
  type StoreDeps,
  type WatchOptions,
} from "./store.ts";
import type { CachedObject, WatchSink } from "./watch_cache.ts";

export class ConvertingStore extends Store {
  #converter: AsyncConverter;
  #version: string;
  #apiVersion: string;

  constructor(def: ResourceDef, deps: StoreDeps) {
    super(def, deps);
    this.#converter = def.converter!;
    this.#version = def.versions[0];
    this.#apiVersion = apiVersionOf(def.group, this.#version);
  }

  protected override async toStorage(obj: KubeObject): Promise<KubeObject> {
    const storage = this.#converter.storageVersion;
    if (obj.apiVersion === apiVersionOf(this.def.group, storage)) return obj;
    return (await this.#converter.convert([obj], storage))[0];
  }

  /** Items in this store's version; cached items are never changed in place. */
  async #own(items: CachedObject[]): Promise<CachedObject[]> {
    const foreign = items.filter((i) => i.obj.apiVersion !== this.#apiVersion);
    if (!foreign.length) return items;
    const converted = await this.#converter.convert(
      foreign.map((i) => structuredClone(i.obj)),
      this.#version,
    );
    const byKey = new Map(foreign.map((item, n) => [item.key, converted[n]]));
    return items.map((i) => {
      const obj = byKey.get(i.key);
      return obj ? cachedObject(i.key, obj, i.rv) : i;
    });
  }

  override async get(namespace: string, name: string): Promise<CachedObject> {
    return (await this.#own([await super.get(namespace, name)]))[0];
  }

  override async tryGet(namespace: string, name: string): Promise<CachedObject | null> {
    const item = await super.tryGet(namespace, name);
    return item ? (await this.#own([item]))[0] : null;
  }

  override async getCached(namespace: string, name: string): Promise<CachedObject | null> {
    const item = await super.getCached(namespace, name);
    return item ? (await this.#own([item]))[0] : null;
  }

  override async list(namespace: string, opts: ListOptions = {}): Promise<ListResult> {
    const result = await super.list(namespace, opts);
    return { ...result, items: await this.#own(result.items) };
  }

  /**
   * Watch events converted in order: each waits for the one before it, so a slow conversion
   * delays the events after it and never reorders them. A failed conversion ends the watch
   * (`opts.onError`).
   */
  override async watch(
    namespace: string,
    opts: WatchOptions,
    sink: WatchSink,
  ): Promise<() => void> {
    let chain = Promise.resolve();
    let stopped = false;
    let stop: () => void = () => {
      stopped = true;
    };
    const end = () => {
      stopped = true;
      stop();
    };
    const converting: WatchSink = (type, object, rv) => {
      chain = chain.then(async () => {
        if (stopped) return;
        const own = object ? (await this.#own([object]))[0] : null;
        if (!stopped && !sink(type, own, rv)) end();
      }).catch((err) => {
        end();
        opts.onError?.(err);
      });
      return true;
    };
    stop = await super.watch(namespace, opts, converting);
    if (stopped) stop();
    // The initial events are queued by now: deliver them before the caller goes on (it may
    // send the initial-events-end bookmark next).
    await chain;
    return end;
  }
}

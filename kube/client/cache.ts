/**
 * The informer's local cache: objects by `namespace/name` key, with secondary indexes (e.g. pods
 * by namespace or by `spec.nodeName`) kept current on every change. Objects in it are shared:
 * never mutate one, copy it first.
 *
 * @module
 */
import type { KubeObject } from "../meta.ts";

/** Maps an object to the index values it is filed under (none: not indexed). */
export type IndexFunc<T extends KubeObject> = (obj: T) => readonly string[];

/** The cache key of an object: `namespace/name`, or `name` for cluster-scoped objects. */
export function keyOf(obj: KubeObject): string {
  const m = obj.metadata;
  return m.namespace ? `${m.namespace}/${m.name}` : `${m.name}`;
}

/** Splits a key from {@link keyOf} into namespace ("" for cluster-scoped) and name. */
export function splitKey(key: string): { namespace: string; name: string } {
  const i = key.indexOf("/");
  return i < 0
    ? { namespace: "", name: key }
    : { namespace: key.slice(0, i), name: key.slice(i + 1) };
}

/** The namespace index: every namespaced object under its namespace. */
export const BY_NAMESPACE = "namespace";

/** Files objects under their namespace. */
export const namespaceIndex: IndexFunc<KubeObject> = (o) =>
  o.metadata.namespace ? [o.metadata.namespace] : [];

/** The node-name index of pods. */
export const BY_NODE_NAME = "spec.nodeName";

/** Files pods under `spec.nodeName` (unscheduled pods under ""). */
export const nodeNameIndex: IndexFunc<KubeObject> = (o) => {
  const spec = o.spec as { nodeName?: string } | undefined;
  return [spec?.nodeName ?? ""];
};

/** Objects by key, plus indexes. */
export class Cache<T extends KubeObject> {
  readonly #items = new Map<string, T>();
  readonly #indexers = new Map<string, IndexFunc<T>>();
  readonly #indices = new Map<string, Map<string, Set<string>>>();

  /** Adds an index; existing objects are filed at once. */
  addIndexer(name: string, fn: IndexFunc<T>): void {
    if (this.#indexers.has(name)) {
      if (this.#indexers.get(name) === fn) return;
      throw new Error(`Cannot add indexer "${name}": one by that name exists`);
    }
    this.#indexers.set(name, fn);
    const index = new Map<string, Set<string>>();
    this.#indices.set(name, index);
    for (const [key, obj] of this.#items) file(index, fn(obj), key);
  }

  get size(): number {
    return this.#items.size;
  }

  get(key: string): T | undefined {
    return this.#items.get(key);
  }

  /** The object named `name` in `namespace` ("" or absent for cluster-scoped). */
  getByName(name: string, namespace?: string): T | undefined {
    return this.#items.get(namespace ? `${namespace}/${name}` : name);
  }

  has(key: string): boolean {
    return this.#items.has(key);
  }

  keys(): IterableIterator<string> {
    return this.#items.keys();
  }

  values(): IterableIterator<T> {
    return this.#items.values();
  }

  list(): T[] {
    return [...this.#items.values()];
  }

  /** Objects filed under `value` in index `name`. */
  byIndex(name: string, value: string): T[] {
    const index = this.#indices.get(name);
    if (!index) throw new Error(`Cannot read index "${name}": no such indexer`);
    const keys = index.get(value);
    if (!keys) return [];
    const out: T[] = [];
    for (const k of keys) out.push(this.#items.get(k)!);
    return out;
  }

  /** The values index `name` has objects under. */
  indexValues(name: string): string[] {
    const index = this.#indices.get(name);
    if (!index) throw new Error(`Cannot read index "${name}": no such indexer`);
    return [...index.keys()];
  }

  /** Stores `obj`; returns the object it replaced. */
  put(obj: T): T | undefined {
    const key = keyOf(obj);
    const old = this.#items.get(key);
    this.#items.set(key, obj);
    for (const [name, fn] of this.#indexers) {
      const index = this.#indices.get(name)!;
      if (old) unfile(index, fn(old), key);
      file(index, fn(obj), key);
    }
    return old;
  }

  /** Removes the object under `key`; returns it. */
  remove(key: string): T | undefined {
    const old = this.#items.get(key);
    if (!old) return undefined;
    this.#items.delete(key);
    for (const [name, fn] of this.#indexers) unfile(this.#indices.get(name)!, fn(old), key);
    return old;
  }
}

function file(index: Map<string, Set<string>>, values: readonly string[], key: string): void {
  for (const v of values) {
    let set = index.get(v);
    if (!set) index.set(v, set = new Set());
    set.add(key);
  }
}

function unfile(index: Map<string, Set<string>>, values: readonly string[], key: string): void {
  for (const v of values) {
    const set = index.get(v);
    if (!set) continue;
    set.delete(key);
    if (set.size === 0) index.delete(v);
  }
}

/**
 * Reads of single objects from the watch caches, for authenticators that run on every request
 * (is the token's service account, pod or secret still there?). A lookup never reads the
 * datastore; `sync()` only asks it for its current revision, so that a token minted a moment
 * ago for an object created a moment ago is not refused while the cache catches up.
 *
 * @module
 */
import type { KubeObject } from "../../../kube/meta.ts";
import type { Cacher } from "../cacher.ts";
import type { Registry } from "../registry.ts";

/** One object kind, by group and plural (`""`, `"pods"`). */
export interface ObjectKind {
  group: string;
  plural: string;
}

export const SERVICE_ACCOUNTS: ObjectKind = { group: "", plural: "serviceaccounts" };
export const PODS: ObjectKind = { group: "", plural: "pods" };
export const SECRETS: ObjectKind = { group: "", plural: "secrets" };
export const NODES: ObjectKind = { group: "", plural: "nodes" };

export interface ObjectLookup {
  /** The object as the watch cache holds it (never mutate it), or null. */
  get(kind: ObjectKind, namespace: string, name: string): Promise<KubeObject | null>;
  /** The objects of a namespace ("" for all) as the watch cache holds them. */
  list(kind: ObjectKind, namespace: string): Promise<KubeObject[]>;
  /** Resolves once the caches hold every write the datastore acknowledged so far. */
  sync(): Promise<void>;
}

/** A lookup over the registry's stores and the cacher that feeds their watch caches. */
export function cacheLookup(registry: Registry, cacher: Cacher): ObjectLookup {
  const cacheOf = async (kind: ObjectKind) => {
    const store = registry.store(kind.group, kind.plural);
    return { store, cache: await cacher.cache(store.root) };
  };
  return {
    async get(kind, namespace, name) {
      const { store, cache } = await cacheOf(kind);
      return cache.get(store.key(namespace, name))?.obj ?? null;
    },
    async list(kind, namespace) {
      const { store, cache } = await cacheOf(kind);
      return cache.list(store.prefix(namespace)).map((c) => c.obj);
    },
    sync: () => cacher.sync(),
  };
}

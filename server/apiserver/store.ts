/**
 * The generic store: one fixed sequence for every resource (namespace check, prepare, validate,
 * conditional write), specialised only by the resource's {@link Strategy}. Reads of single objects
 * go to the datastore; lists and watches come from the watch cache.
 *
 * @module
 */
import type { Backend } from "../../datastore/backend.ts";
import { CompactedError, KeyExistsError } from "../../datastore/backend.ts";
import {
  alreadyExists,
  badRequest,
  conflict,
  type FieldError,
  gone,
  invalid,
  notFound,
  OPTIMISTIC_LOCK_MESSAGE,
  StatusError,
} from "../../kube/errors.ts";
import { deepClone, formatTime, type KubeObject, type ObjectMeta } from "../../kube/meta.ts";
import { cachedObject, type Cacher, type Codec, decodeKv } from "./cacher.ts";
import { decodeContinue, encodeContinue } from "./continue_token.ts";
import { validateObjectMeta, validateObjectMetaUpdate } from "./object_meta.ts";
import { apiVersionOf, groupResource, type ResourceDef, type WriteContext } from "./resource.ts";
import { recordManagedFields } from "./managed_fields.ts";
import type { CachedObject, ObjectFilter, WatchSink } from "./watch_cache.ts";
import { deepEqualExcept, generateName } from "./object_util.ts";

export interface StoreDeps {
  backend: Backend;
  cacher: Cacher;
  codec: Codec;
}

export interface ListOptions {
  filter?: ObjectFilter;
  /** True when a label or field selector is in use (remainingItemCount is then unknown). */
  filtered?: boolean;
  limit?: number;
  continueToken?: string;
  resourceVersion?: string;
  resourceVersionMatch?: string;
}

export interface ListResult {
  items: CachedObject[];
  rv: number;
  continueToken?: string;
  /** Items after this page, when known (no selector filters the list). */
  remainingItemCount?: number;
}

export interface WatchOptions {
  resourceVersion?: string;
  sendInitialEvents?: boolean;
  filter: ObjectFilter;
  /** Called when an event cannot be delivered (a conversion failed); the watch then ends. */
  onError?: (err: unknown) => void;
}

export interface WriteOptions {
  subresource?: "status" | "";
  fieldManager: string;
  /** The apiVersion the client spoke, for managedFields. */
  apiVersion: string;
}

export interface DeleteOptions {
  gracePeriodSeconds?: number;
  propagationPolicy?: "Orphan" | "Background" | "Foreground";
  preconditions?: { uid?: string; resourceVersion?: string };
}

const MAX_CONFLICT_RETRIES = 8;

export class Store {
  readonly def: ResourceDef;
  readonly root: string;
  #deps: StoreDeps;

  constructor(def: ResourceDef, deps: StoreDeps) {
    this.def = def;
    this.#deps = deps;
    this.root = `/registry/${def.group || "core"}/${def.plural}/`;
  }

  /** The revision the watch caches are current to. */
  get cacheRevision(): number {
    return this.#deps.cacher.revision;
  }

  get gr() {
    return groupResource(this.def);
  }

  key(namespace: string, name: string): string {
    return this.def.namespaced ? `${this.root}${namespace}/${name}` : `${this.root}${name}`;
  }

  /** The key prefix of a namespace, or of everything when namespace is "". */
  prefix(namespace: string): string {
    return this.def.namespaced && namespace ? `${this.root}${namespace}/` : this.root;
  }

  /** The object as the datastore has it now. */
  async get(namespace: string, name: string): Promise<CachedObject> {
    const { kv } = await this.#deps.backend.get(this.key(namespace, name));
    if (!kv) throw notFound(this.gr, name);
    return await decodeKv(this.#deps.codec, kv);
  }

  /**
   * The object as the watch cache holds it (possibly a moment behind the datastore), falling
   * back to the datastore when the cache does not have it.
   */
  async getCached(namespace: string, name: string): Promise<CachedObject | null> {
    const cache = await this.#deps.cacher.cache(this.root);
    return cache.get(this.key(namespace, name)) ?? await this.tryGet(namespace, name);
  }

  /** The object if it exists, else null. */
  async tryGet(namespace: string, name: string): Promise<CachedObject | null> {
    const { kv } = await this.#deps.backend.get(this.key(namespace, name));
    return kv ? await decodeKv(this.#deps.codec, kv) : null;
  }

  async list(namespace: string, opts: ListOptions = {}): Promise<ListResult> {
    const limit = opts.limit && opts.limit > 0 ? opts.limit : 0;
    if (opts.continueToken) {
      const token = decodeContinue(opts.continueToken, this.prefix(namespace));
      return await this.#pageFromCache(namespace, token.rv, token.start, limit, opts) ??
        await this.#listFromBackend(namespace, token.rv, token.start, limit, opts.filter);
    }
    const rv = parseRv(opts.resourceVersion);
    if (opts.resourceVersionMatch === "Exact") {
      if (!rv) {
        throw badRequest("resourceVersionMatch: Exact requires a resourceVersion other than 0");
      }
      return await this.#listFromBackend(namespace, rv, undefined, limit, opts.filter);
    }
    const cache = await this.#deps.cacher.cache(this.root);
    if (opts.resourceVersion === undefined || opts.resourceVersion === "") {
      await this.#deps.cacher.sync();
    } else if (rv > 0) await this.#waitForCache(rv);
    const items = cache.list(this.prefix(namespace), opts.filter);
    const at = cache.revision;
    if (limit && items.length > limit) {
      const page = items.slice(0, limit);
      const start = page[page.length - 1].key + "\0";
      return {
        items: page,
        rv: at,
        continueToken: encodeContinue(at, start, this.prefix(namespace)),
        remainingItemCount: opts.filtered ? undefined : items.length - limit,
      };
    }
    return { items, rv: at };
  }

  /**
   * The next page of a list at revision `rv` from the watch cache, when the cache is current to
   * `rv` and nothing under this resource changed since (its state is then the state at `rv`),
   * else null. A paged list (an informer's first list, 500 at a time) then costs no datastore
   * reads; a token at a compacted revision still goes to the datastore (410).
   */
  async #pageFromCache(
    namespace: string,
    rv: number,
    startKey: string,
    limit: number,
    opts: ListOptions,
  ): Promise<ListResult | null> {
    const cache = await this.#deps.cacher.cache(this.root);
    if (cache.revision < rv || rv < cache.oldestRevision || cache.changedAfter(rv)) return null;
    if (rv < await this.#deps.backend.compactRevision()) return null;
    const prefix = this.prefix(namespace);
    const all = cache.list(prefix);
    let lo = 0, hi = all.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (all[mid].key < startKey) lo = mid + 1;
      else hi = mid;
    }
    const items: CachedObject[] = [];
    for (let i = lo; i < all.length; i++) {
      const item = all[i];
      if (opts.filter && !opts.filter(item.obj)) continue;
      if (limit && items.length === limit) {
        return {
          items,
          rv,
          continueToken: encodeContinue(rv, items[limit - 1].key + "\0", prefix),
          remainingItemCount: opts.filtered ? undefined : all.length - i,
        };
      }
      items.push(item);
    }
    return { items, rv };
  }

  async #listFromBackend(
    namespace: string,
    rv: number,
    startKey: string | undefined,
    limit: number,
    filter: ObjectFilter | undefined,
  ): Promise<ListResult> {
    const prefix = this.prefix(namespace);
    const items: CachedObject[] = [];
    let start = startKey;
    let readAt = rv;
    for (;;) {
      let page;
      try {
        page = await this.#deps.backend.list(prefix, {
          startKey: start,
          limit: limit ? Math.max(limit - items.length, 50) : 0,
          revision: rv,
        });
      } catch (err) {
        if (err instanceof CompactedError) {
          throw gone(
            "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.",
          );
        }
        throw err;
      }
      readAt = page.revision;
      for (const [i, kv] of page.kvs.entries()) {
        const item = await decodeKv(this.#deps.codec, kv);
        if (filter && !filter(item.obj)) continue;
        items.push(item);
        if (limit && items.length === limit) {
          const more = page.more || i < page.kvs.length - 1;
          if (!more) return { items, rv: readAt };
          return {
            items,
            rv: readAt,
            continueToken: encodeContinue(readAt, item.key + "\0", prefix),
            // As upstream: known only when no selector filters the keys.
            remainingItemCount: filter
              ? undefined
              : page.kvs.length - i - 1 + await this.#countAfter(page, prefix, rv),
          };
        }
      }
      if (!page.more || page.kvs.length === 0) return { items, rv: readAt };
      start = page.kvs[page.kvs.length - 1].key + "\0";
    }
  }

  /** How many keys under `prefix` follow the last of `page`, as of revision `rv`. */
  async #countAfter(
    page: { kvs: { key: string }[]; more: boolean },
    prefix: string,
    rv: number,
  ): Promise<number> {
    if (!page.more) return 0;
    const rest = await this.#deps.backend.list(prefix, {
      startKey: page.kvs[page.kvs.length - 1].key + "\0",
      revision: rv,
    });
    return rest.kvs.length;
  }

  /**
   * Watches from the cache. `resourceVersion` "" or undefined: current objects as ADDED, then
   * changes; "0": the same from whatever the cache holds; N: every change after N.
   */
  async watch(
    namespace: string,
    opts: WatchOptions,
    sink: WatchSink,
  ): Promise<() => void> {
    const cache = await this.#deps.cacher.cache(this.root);
    const prefix = this.prefix(namespace);
    const rv = parseRv(opts.resourceVersion);
    if (!rv || opts.sendInitialEvents) {
      if (opts.resourceVersion === undefined || opts.resourceVersion === "") {
        await this.#deps.cacher.sync();
      } else if (rv) await this.#waitForCache(rv);
      return cache.watch({ initial: true, prefix, filter: opts.filter, sink });
    }
    // Else the changes up to `rv` that the cache has yet to apply would reach the watcher,
    // though the client saw them already.
    await this.#waitForCache(rv);
    return cache.watch({ fromRv: rv, prefix, filter: opts.filter, sink });
  }

  /** Waits until the watch caches hold revision `rv`, as upstream: 3 s, then 504 and retry. */
  async #waitForCache(rv: number): Promise<void> {
    await this.#deps.cacher.waitFor(rv, 3_000).catch(() => {
      throw new StatusError(
        504,
        "Timeout",
        `Too large resource version: ${rv}, current: ${this.#deps.cacher.revision}`,
        { retryAfterSeconds: 1 },
      );
    });
  }

  /** Creates an object; `input` is the decoded request body (changed in place unless converted). */
  async create(namespace: string, input: KubeObject, ctx: WriteContext, opts: WriteOptions) {
    const obj = this.#storable(input);
    const meta = this.#prepareMeta(namespace, obj);
    const hasGenerate = !meta.name && !!meta.generateName;
    for (let attempt = 0;; attempt++) {
      if (hasGenerate) meta.name = generateName(meta.generateName!);
      meta.uid = crypto.randomUUID();
      meta.creationTimestamp = formatTime(ctx.now);
      delete meta.deletionTimestamp;
      delete meta.deletionGracePeriodSeconds;
      delete meta.resourceVersion;
      delete meta.selfLink;
      if (this.def.generation) meta.generation = 1;
      else delete meta.generation;
      if (attempt === 0) {
        await this.def.strategy?.prepareForCreate?.(obj, ctx);
        const errs: FieldError[] = validateObjectMeta(meta, this.def, hasGenerate);
        errs.push(...(this.def.strategy?.validate?.(obj, ctx) ?? []));
        if (errs.length) {
          await this.def.strategy?.createFailed?.(obj);
          throw invalid(this.def.kind, this.def.group, meta.name ?? "", errs);
        }
        for (const w of this.def.strategy?.warnings?.(obj) ?? []) ctx.warn(w);
      }
      recordManagedFields(obj, undefined, opts, ctx.now);
      const key = this.key(namespace, meta.name!);
      if (ctx.dryRun) {
        const existing = await this.#deps.backend.get(key);
        if (existing.kv) throw alreadyExists(this.gr, meta.name!);
        return cachedObject(key, obj, 0);
      }
      try {
        const stored = await this.toStorage(obj);
        const rv = await this.#deps.backend.create(key, await this.#deps.codec.encode(stored, key));
        return cachedObject(key, obj, rv);
      } catch (err) {
        const retry = err instanceof KeyExistsError && hasGenerate && attempt < 4;
        if (!retry) {
          await this.def.strategy?.createFailed?.(obj);
          throw err instanceof KeyExistsError ? alreadyExists(this.gr, meta.name!) : err;
        }
      }
    }
  }

  /**
   * Replaces an object (PUT). The body's resourceVersion, when set, must match the stored one.
   * Returns the stored result, and whether the object was created.
   */
  async update(
    namespace: string,
    name: string,
    obj: KubeObject,
    ctx: WriteContext,
    opts: WriteOptions,
    hooks?: { admit(obj: KubeObject, old: KubeObject): Promise<void> },
  ): Promise<CachedObject> {
    const meta = this.#prepareMeta(namespace, obj);
    if (meta.name !== name) {
      throw badRequest(
        `the name of the object (${meta.name}) does not match the name on the URL (${name})`,
      );
    }
    const wantRv = meta.resourceVersion;
    return await this.guaranteedUpdate(namespace, name, ctx, opts, async (current) => {
      if (wantRv && wantRv !== String(current.rv)) {
        throw conflict(this.gr, name, OPTIMISTIC_LOCK_MESSAGE);
      }
      const next = deepClone(obj);
      await hooks?.admit(next, current.obj);
      return next;
    }, !wantRv);
  }

  /**
   * Reads the current object, applies `mutate`, and writes it back if the revision still matches,
   * retrying on a lost race when `retry` is set (an unconditional update or a patch).
   */
  async guaranteedUpdate(
    namespace: string,
    name: string,
    ctx: WriteContext,
    opts: WriteOptions,
    mutate: (current: CachedObject) => KubeObject | Promise<KubeObject>,
    retry = true,
  ): Promise<CachedObject> {
    const key = this.key(namespace, name);
    for (let attempt = 0;; attempt++) {
      const current = await this.get(namespace, name);
      const next = this.#storable(await mutate(current));
      const old = current.obj;
      const out = await this.#prepareUpdate(namespace, next, old, ctx, opts);
      recordManagedFields(out, old, opts, ctx.now);
      // Ownership changes alone (a second applier, a managedFields reset) are writes too.
      if (deepEqualExcept(out, old, ["resourceVersion"])) return current;
      const nm = out.metadata as ObjectMeta;
      if (ctx.dryRun) return cachedObject(key, out, current.rv);
      if (
        nm.deletionTimestamp && !nm.finalizers?.length && nm.deletionGracePeriodSeconds === 0 &&
        !this.def.strategy?.deletionHeld?.(out)
      ) {
        const res = await this.#deps.backend.delete(key, current.rv);
        if (res.ok) {
          await this.def.strategy?.afterDelete?.(out);
          return cachedObject(key, out, res.revision);
        }
      } else {
        const bytes = await this.#deps.codec.encode(await this.toStorage(out), key);
        let res;
        try {
          res = await this.#deps.backend.update(key, bytes, current.rv);
        } catch (err) {
          await this.def.strategy?.updateFailed?.(out, old);
          throw err;
        }
        if (res.ok) {
          await this.def.strategy?.afterUpdate?.(out, old);
          return cachedObject(key, out, res.revision);
        }
        await this.def.strategy?.updateFailed?.(out, old);
      }
      if (!shouldRetry(retry, attempt)) throw conflict(this.gr, name, OPTIMISTIC_LOCK_MESSAGE);
    }
  }

  async #prepareUpdate(
    namespace: string,
    next: KubeObject,
    old: KubeObject,
    ctx: WriteContext,
    opts: WriteOptions,
  ): Promise<KubeObject> {
    const om = old.metadata as ObjectMeta;
    let obj = next;
    if (opts.subresource === "status") {
      obj = { ...deepClone(old), status: next.status };
      (obj.metadata as ObjectMeta).resourceVersion = (next.metadata as ObjectMeta)?.resourceVersion;
    } else if (this.def.status && "status" in old) {
      obj.status = deepClone(old.status);
    } else if (this.def.status) delete obj.status;
    const meta = this.#prepareMeta(namespace, obj);
    meta.generation = om.generation;
    if (!meta.uid) meta.uid = om.uid;
    meta.creationTimestamp = om.creationTimestamp;
    if (om.deletionTimestamp) {
      meta.deletionTimestamp = om.deletionTimestamp;
      meta.deletionGracePeriodSeconds = om.deletionGracePeriodSeconds;
    } else {
      delete meta.deletionTimestamp;
      delete meta.deletionGracePeriodSeconds;
    }
    if (opts.subresource !== "status") await this.def.strategy?.prepareForUpdate?.(obj, old, ctx);
    else await this.def.strategy?.prepareForStatusUpdate?.(obj, old, ctx);
    if (this.def.generation && opts.subresource !== "status") {
      if (!deepEqualExcept(obj, old, [], ["metadata", "status"])) {
        meta.generation = (om.generation ?? 0) + 1;
      }
    }
    const errs = validateObjectMetaUpdate(meta, om, this.def);
    if (opts.subresource !== "status") {
      errs.push(...(this.def.strategy?.validate?.(obj, ctx) ?? []));
      errs.push(...(this.def.strategy?.validateUpdate?.(obj, old, ctx) ?? []));
    } else errs.push(...(this.def.strategy?.validateStatusUpdate?.(obj, old, ctx) ?? []));
    if (errs.length) {
      if (opts.subresource !== "status") await this.def.strategy?.updateFailed?.(obj, old);
      throw invalid(this.def.kind, this.def.group, meta.name ?? "", errs);
    }
    for (const w of this.def.strategy?.warnings?.(obj) ?? []) ctx.warn(w);
    return obj;
  }

  /**
   * Deletes an object: at once, or by setting deletionTimestamp when finalizers or a grace period
   * hold it. Returns the object and whether it is gone.
   */
  async delete(
    namespace: string,
    name: string,
    ctx: WriteContext,
    opts: DeleteOptions,
  ): Promise<{ object: CachedObject; deleted: boolean }> {
    const key = this.key(namespace, name);
    for (let attempt = 0;; attempt++) {
      const current = await this.get(namespace, name);
      const meta = current.obj.metadata as ObjectMeta;
      checkPreconditions(this.def, name, meta, current.rv, opts.preconditions);
      const obj = deepClone(current.obj);
      const m = obj.metadata as ObjectMeta;
      if (!m.deletionTimestamp) this.def.strategy?.prepareForDelete?.(obj, ctx);
      const finalizers = new Set(m.finalizers ?? []);
      const policy = opts.propagationPolicy;
      if (policy === "Orphan") finalizers.add("orphan");
      if (policy === "Foreground") finalizers.add("foregroundDeletion");
      if (policy === "Background" || policy === "Foreground") finalizers.delete("orphan");
      if (policy === "Background" || policy === "Orphan") finalizers.delete("foregroundDeletion");
      const grace = this.def.strategy?.gracefulDeletion?.(current.obj, opts.gracePeriodSeconds) ??
        null;
      const pending = finalizers.size > 0 || (grace !== null && grace > 0) ||
        this.def.strategy?.deletionHeld?.(obj) === true;
      if (pending) {
        if (!m.deletionTimestamp) {
          const at = new Date(ctx.now.getTime() + (grace ?? 0) * 1000);
          m.deletionTimestamp = formatTime(at);
          m.deletionGracePeriodSeconds = grace ?? 0;
        } else if (grace !== null && grace < (m.deletionGracePeriodSeconds ?? Infinity)) {
          m.deletionGracePeriodSeconds = grace;
          const at = new Date(ctx.now.getTime() + grace * 1000);
          if (at.toISOString() < m.deletionTimestamp) m.deletionTimestamp = formatTime(at);
        }
        if (finalizers.size) m.finalizers = [...finalizers];
        if (deepEqualExcept(obj, current.obj, [])) return { object: current, deleted: false };
        if (ctx.dryRun) return { object: cachedObject(key, obj, current.rv), deleted: false };
        const res = await this.#deps.backend.update(
          key,
          await this.#deps.codec.encode(await this.toStorage(obj), key),
          current.rv,
        );
        if (res.ok) return { object: cachedObject(key, obj, res.revision), deleted: false };
      } else {
        if (ctx.dryRun) return { object: current, deleted: true };
        const res = await this.#deps.backend.delete(key, current.rv);
        if (res.ok) {
          await this.def.strategy?.afterDelete?.(current.obj);
          return { object: cachedObject(key, deepClone(current.obj), res.revision), deleted: true };
        }
      }
      if (attempt >= MAX_CONFLICT_RETRIES) throw conflict(this.gr, name, OPTIMISTIC_LOCK_MESSAGE);
    }
  }

  /**
   * Writes an object back as it is stored, so that the codec's current transformer applies
   * (a secret re-encrypted with the current key). No strategy runs and the object is unchanged;
   * watchers see a MODIFIED event, as upstream's re-encryption gives. False when it is gone.
   */
  async rewrite(namespace: string, name: string): Promise<boolean> {
    const key = this.key(namespace, name);
    for (let attempt = 0;; attempt++) {
      const { kv } = await this.#deps.backend.get(key);
      if (!kv) return false;
      const obj = await this.#deps.codec.decode(kv.value, key);
      const bytes = await this.#deps.codec.encode(obj, key);
      const res = await this.#deps.backend.update(key, bytes, kv.modRevision);
      if (res.ok) return true;
      if (attempt >= MAX_CONFLICT_RETRIES) throw conflict(this.gr, name, OPTIMISTIC_LOCK_MESSAGE);
    }
  }

  /** Deletes every object a list would return; the deleted or pending objects are returned. */
  async deleteCollection(
    namespace: string,
    listOpts: ListOptions,
    ctx: WriteContext,
    opts: DeleteOptions,
  ): Promise<ListResult> {
    const listed = await this.list(namespace, { ...listOpts, limit: 0, continueToken: undefined });
    const items: CachedObject[] = [];
    for (const item of listed.items) {
      const meta = item.obj.metadata as ObjectMeta;
      try {
        const res = await this.delete(meta.namespace ?? "", meta.name!, ctx, opts);
        items.push(res.object);
      } catch (err) {
        if (!(err instanceof StatusError && err.code === 404)) throw err;
      }
    }
    return { items, rv: listed.rv };
  }

  /**
   * The object as the datastore keeps it: here the object itself; a store whose resource
   * converts asynchronously (`ConvertingStore`) converts it to the storage version.
   */
  protected toStorage(obj: KubeObject): Promise<KubeObject> {
    return Promise.resolve(obj);
  }

  /** An object written in another served version, converted to the stored one (`def.convert`). */
  #storable(obj: KubeObject): KubeObject {
    const { convert, group, versions } = this.def;
    if (!convert || typeof obj.apiVersion !== "string") return obj;
    const from = versions.find((v) => apiVersionOf(group, v) === obj.apiVersion);
    return from && from !== versions[0] ? convert(obj, versions[0]) : obj;
  }

  /** Checks namespace and type fields of an incoming object and returns its metadata. */
  #prepareMeta(namespace: string, obj: KubeObject): ObjectMeta {
    if (typeof obj.metadata !== "object" || obj.metadata === null || Array.isArray(obj.metadata)) {
      obj.metadata = {};
    }
    const meta = obj.metadata as ObjectMeta;
    if (this.def.namespaced) {
      if (meta.namespace && namespace && meta.namespace !== namespace) {
        throw badRequest(
          "the namespace of the provided object does not match the namespace sent on the request",
        );
      }
      meta.namespace = namespace || meta.namespace;
    } else delete meta.namespace;
    obj.apiVersion = apiVersionOf(this.def.group, this.def.versions[0]);
    obj.kind = this.def.kind;
    return meta;
  }
}

function shouldRetry(retry: boolean, attempt: number): boolean {
  return retry && attempt < MAX_CONFLICT_RETRIES;
}

function checkPreconditions(
  def: ResourceDef,
  name: string,
  meta: ObjectMeta,
  rv: number,
  pre: DeleteOptions["preconditions"],
): void {
  if (pre?.uid && pre.uid !== meta.uid) {
    throw conflict(
      groupResource(def),
      name,
      `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${meta.uid}`,
    );
  }
  if (pre?.resourceVersion && pre.resourceVersion !== String(rv)) {
    throw conflict(
      groupResource(def),
      name,
      `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${rv}`,
    );
  }
}

/** A resourceVersion query value as a number; 0 for "", "0" or absent. */
export function parseRv(value: string | undefined): number {
  if (!value) return 0;
  if (!/^\d+$/.test(value)) {
    throw badRequest(`invalid resource version "${value}"`);
  }
  return Number(value);
}

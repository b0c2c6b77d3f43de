/**
 * The REST verbs of one resource, over the generic {@link Store}: get, list, watch, create,
 * update, patch, delete, deletecollection, and the status and scale subresources.
 *
 * @module
 */
import {
  badRequest,
  methodNotSupported,
  notAcceptable,
  notFound,
  StatusError,
} from "../../kube/errors.ts";
import { deepClone, type KubeObject } from "../../kube/meta.ts";
import { type RequestContext, writeContext } from "./context.ts";
import { fieldManager } from "./context.ts";
import { listOptions } from "./list_options.ts";
import { decodeObject, mediaType, negotiate, readBody } from "./negotiate.ts";
import { checkFieldValidation, type RawBody, type SchemaCarrier } from "./openapi/mod.ts";
import { applyPatch } from "./patch.ts";
import type { Served } from "./registry.ts";
import { apiVersionOf, DEFAULT_VERBS, type ResourceDef } from "./resource.ts";
import { respondList, respondObject, respondValue, successStatus } from "./respond.ts";
import { fromScale, toScale } from "./scale.ts";
import type { DeleteOptions, WriteOptions } from "./store.ts";
import { serveWatch } from "./watch.ts";
import {
  checkManagedFieldsDecodable,
  checkPatchOptions,
  isApplyPatch,
  serveApply,
} from "./ssa/handler.ts";

/** Serves one extra subresource (pods/binding, pods/eviction, ...). */
export type SubresourceHandler = (
  ctx: RequestContext,
  served: Served,
  hooks: WriteHooks,
) => Promise<Response>;

/** Hooks that run before a write is stored (admission), and extra subresource handlers. */
export interface WriteHooks {
  subresources: Record<string, SubresourceHandler>;
  admit(
    ctx: RequestContext,
    served: Served,
    operation: "CREATE" | "UPDATE" | "DELETE",
    obj: KubeObject | null,
    old: KubeObject | null,
  ): Promise<void>;
}

export async function serveResource(
  ctx: RequestContext,
  served: Served,
  hooks: WriteHooks,
): Promise<Response> {
  const { info } = ctx;
  const { def, store } = served;
  const verbs = def.verbs ?? DEFAULT_VERBS;
  const sub = info.subresource;
  if (sub === "status" && def.status) return await serveStatus(ctx, served, hooks);
  if (sub === "scale" && def.scale) return await serveScale(ctx, served, hooks);
  const extra = sub ? hooks.subresources[`${def.group}/${def.plural}/${sub}`] : undefined;
  if (extra) return await extra(ctx, served, hooks);
  if (sub) throw notFound({ group: def.group, resource: `${def.plural}/${sub}` }, info.name);
  if (!verbs.includes(info.verb)) throw methodNotSupported(store.gr, info.verb);
  if (def.namespaced === false && info.namespace && def.plural !== "namespaces") {
    throw notFound(store.gr, info.name);
  }
  const ns = def.namespaced ? info.namespace : "";
  const wopts = writeOptions(ctx, "");
  switch (info.verb) {
    case "get":
      return respondObject(ctx, def, await store.get(ns, info.name));
    case "list": {
      const r = await store.list(ns, listOptions(ctx.url, def));
      return respondList(ctx, def, r.items, listMeta(r.rv, r.continueToken, r.remainingItemCount));
    }
    case "watch":
      return await serveWatch(ctx, served, ns);
    case "create": {
      const obj = await readObject(ctx, served);
      if (def.virtualCreate) {
        if (negotiate(ctx.req.headers.get("accept")).as) {
          throw notAcceptable(
            `the resource "${def.plural}" does not support being converted to a Table`,
          );
        }
        const out = await def.virtualCreate(obj, writeContext(ctx));
        return respondValue(ctx, out, 201);
      }
      if (def.namespaced && !ns) throw badRequest("the namespace of the object is required");
      await hooks.admit(ctx, served, "CREATE", obj, null);
      const created = await store.create(ns, obj, writeContext(ctx), wopts);
      return respondObject(ctx, def, created, 201);
    }
    case "update": {
      const obj = await readObject(ctx, served);
      const updated = await store.update(ns, info.name, obj, writeContext(ctx), wopts, {
        admit: (o, old) => hooks.admit(ctx, served, "UPDATE", o, old),
      });
      return respondObject(ctx, def, updated);
    }
    case "patch": {
      const type = ctx.req.headers.get("content-type");
      if (isApplyPatch(type)) {
        refuseConvertedApply(ctx, def);
        return await serveApply(ctx, served, hooks, "");
      }
      checkPatchOptions(ctx.url, false);
      const patch = await readBody(ctx.req);
      const patched = await store.guaranteedUpdate(
        ns,
        info.name,
        writeContext(ctx),
        wopts,
        async (current) => {
          const patched = applyPatch(def, inClientVersion(ctx, def, current.obj), patch, type);
          checkFields(ctx, served, patched, patchBody(patch, type));
          checkManagedFieldsDecodable(patched, def.kind, info.version, true);
          const next = inStorageVersion(ctx, def, patched);
          await hooks.admit(ctx, served, "UPDATE", next, current.obj);
          return next;
        },
      );
      return respondObject(ctx, def, patched);
    }
    case "delete": {
      const opts = await deleteOptions(ctx);
      const current = await store.get(ns, info.name);
      await hooks.admit(ctx, served, "DELETE", null, current.obj);
      const res = await store.delete(ns, info.name, writeContext(ctx), opts);
      if (res.deleted) return respondValue(ctx, successStatus(def, res.object.obj));
      return respondObject(ctx, def, res.object);
    }
    case "deletecollection": {
      const opts = await deleteOptions(ctx);
      const r = await store.deleteCollection(
        ns,
        listOptions(ctx.url, def),
        writeContext(ctx),
        opts,
      );
      return respondList(ctx, def, r.items, listMeta(r.rv));
    }
  }
  throw methodNotSupported(store.gr, info.verb);
}

function listMeta(rv: number, cont?: string, remaining?: number) {
  const meta: { resourceVersion: string; continue?: string; remainingItemCount?: number } = {
    resourceVersion: String(rv),
  };
  if (cont) meta.continue = cont;
  if (cont && remaining !== undefined) meta.remainingItemCount = remaining;
  return meta;
}

function writeOptions(ctx: RequestContext, subresource: "" | "status"): WriteOptions {
  return {
    subresource,
    fieldManager: fieldManager(ctx),
    apiVersion: apiVersionOf(ctx.info.group, ctx.info.version),
  };
}

/** Reads a request body as an object of this resource's kind and version. */
async function readObject(ctx: RequestContext, served: Served): Promise<KubeObject> {
  const body = await readBody(ctx.req);
  const type = ctx.req.headers.get("content-type");
  const obj = decodeObject(body, type);
  checkTypeMeta(obj, served, ctx.info.group, ctx.info.version);
  const ignore = ctx.url.searchParams.get("fieldValidation") === "Ignore";
  checkFields(ctx, served, obj, ignore ? undefined : rawBody(body, type));
  checkManagedFieldsDecodable(obj, served.def.kind, ctx.info.version);
  return inStorageVersion(ctx, served.def, obj as KubeObject);
}

/** Whether the client's version is one the resource converts from (see `ResourceDef.convert`). */
function converts(ctx: RequestContext, def: ResourceDef): boolean {
  return !!def.convert && !!ctx.info.version && ctx.info.version !== def.versions[0];
}

/** An object in the client's version as the resource stores it. */
function inStorageVersion(ctx: RequestContext, def: ResourceDef, obj: KubeObject): KubeObject {
  if (!converts(ctx, def)) return obj;
  obj.apiVersion ??= apiVersionOf(def.group, ctx.info.version);
  return def.convert!(obj, def.versions[0]);
}

/** A copy of a stored object in the client's version. */
function inClientVersion(ctx: RequestContext, def: ResourceDef, obj: KubeObject): KubeObject {
  const copy = deepClone(obj);
  return converts(ctx, def) ? def.convert!(copy, ctx.info.version) : copy;
}

/**
 * Server-side apply merges field sets of the stored version; an applied configuration in a
 * version that needs converting is refused rather than merged into the wrong shape.
 */
function refuseConvertedApply(ctx: RequestContext, def: ResourceDef): void {
  if (!converts(ctx, def)) return;
  throw new StatusError(
    415,
    "UnsupportedMediaType",
    `server-side apply is not supported for ${def.plural}.${def.group}/${ctx.info.version}: apply in ${
      def.versions[0]
    }`,
  );
}

export function checkTypeMeta(
  obj: Record<string, unknown>,
  served: Served,
  group: string,
  version: string,
  kind = served.def.kind,
): void {
  const expected = apiVersionOf(group, version);
  if (obj.apiVersion !== undefined && obj.apiVersion !== expected) {
    throw badRequest(
      `the API version in the data (${obj.apiVersion}) does not match the expected API version (${expected})`,
    );
  }
  if (obj.kind !== undefined && obj.kind !== kind) {
    throw badRequest(
      `the kind in the data (${obj.kind}) does not match the expected kind (${kind})`,
    );
  }
  if (obj.metadata !== undefined && (typeof obj.metadata !== "object" || obj.metadata === null)) {
    throw badRequest("the object provided is unrecognized: metadata must be an object");
  }
}

async function deleteOptions(ctx: RequestContext): Promise<DeleteOptions> {
  const q = ctx.url.searchParams;
  const body = await readBody(ctx.req);
  const fromBody = body.byteLength
    ? decodeObject(body, ctx.req.headers.get("content-type") ?? "application/json")
    : {};
  const opts: DeleteOptions = {};
  const grace = q.get("gracePeriodSeconds") ?? fromBody.gracePeriodSeconds;
  if (grace !== undefined && grace !== null) {
    const n = Number(grace);
    if (!Number.isInteger(n)) throw badRequest(`invalid gracePeriodSeconds: ${grace}`);
    opts.gracePeriodSeconds = n < 0 ? 0 : n;
  }
  const policy = q.get("propagationPolicy") ?? fromBody.propagationPolicy;
  if (policy !== undefined && policy !== null) {
    if (policy !== "Orphan" && policy !== "Background" && policy !== "Foreground") {
      throw new StatusError(
        422,
        "Invalid",
        `DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Unsupported value: "${policy}": supported values: "Foreground", "Background", "Orphan", "nil"`,
      );
    }
    opts.propagationPolicy = policy;
  }
  const orphan = q.get("orphanDependents") ?? fromBody.orphanDependents;
  if (orphan !== undefined && orphan !== null && !opts.propagationPolicy) {
    opts.propagationPolicy = String(orphan) === "true" ? "Orphan" : "Background";
  }
  const pre = fromBody.preconditions as DeleteOptions["preconditions"] | undefined;
  if (pre && typeof pre === "object") opts.preconditions = pre;
  return opts;
}

async function serveStatus(ctx: RequestContext, served: Served, hooks: WriteHooks) {
  const { def, store } = served;
  const ns = def.namespaced ? ctx.info.namespace : "";
  const name = ctx.info.name;
  const wopts = writeOptions(ctx, "status");
  switch (ctx.info.verb) {
    case "get":
      return respondObject(ctx, def, await store.get(ns, name));
    case "update": {
      const obj = await readObject(ctx, served);
      return respondObject(
        ctx,
        def,
        await store.update(ns, name, obj, writeContext(ctx), wopts, {
          admit: (o, old) => hooks.admit(ctx, served, "UPDATE", o, old),
        }),
      );
    }
    case "patch": {
      const type = ctx.req.headers.get("content-type");
      if (isApplyPatch(type)) {
        refuseConvertedApply(ctx, def);
        return await serveApply(ctx, served, hooks, "status");
      }
      checkPatchOptions(ctx.url, false);
      const patch = await readBody(ctx.req);
      const patched = await store.guaranteedUpdate(
        ns,
        name,
        writeContext(ctx),
        wopts,
        async (current) => {
          const patched = applyPatch(def, inClientVersion(ctx, def, current.obj), patch, type);
          checkFields(ctx, served, patched, patchBody(patch, type));
          const next = inStorageVersion(ctx, def, patched);
          await hooks.admit(ctx, served, "UPDATE", next, current.obj);
          return next;
        },
      );
      return respondObject(ctx, def, patched);
    }
  }
  throw methodNotSupported({ group: def.group, resource: `${def.plural}/status` }, ctx.info.verb);
}

async function serveScale(ctx: RequestContext, served: Served, hooks: WriteHooks) {
  const { def, store } = served;
  const scale = def.scale!;
  const ns = def.namespaced ? ctx.info.namespace : "";
  const name = ctx.info.name;
  const wopts = { ...writeOptions(ctx, ""), entrySubresource: "scale" };
  const current = await store.get(ns, name);
  switch (ctx.info.verb) {
    case "get":
      return respondValue(ctx, toScale(current, scale));
    case "update":
    case "patch": {
      const body = await readBody(ctx.req);
      const type = ctx.req.headers.get("content-type");
      const updated = await store.guaranteedUpdate(
        ns,
        name,
        writeContext(ctx),
        wopts,
        async (cur) => {
          let wanted: Record<string, unknown>;
          if (ctx.info.verb === "update") wanted = decodeObject(body, type);
          else wanted = applyPatch(null, toScale(cur, scale), body, type);
          const next = fromScale(cur, wanted, scale, def.plural);
          await hooks.admit(ctx, served, "UPDATE", next, cur.obj);
          return next;
        },
      );
      return respondValue(ctx, toScale(updated, scale));
    }
  }
  throw methodNotSupported({ group: def.group, resource: `${def.plural}/scale` }, ctx.info.verb);
}

/**
 * `?fieldValidation=`: unknown fields are refused (Strict), warned about (Warn, the default) or
 * ignored; either way a built-in kind's are dropped from `obj`, as decoding into upstream's Go
 * types drops them (custom resources are pruned by their strategy).
 */
export function checkFields(
  ctx: RequestContext,
  served: Served,
  obj: unknown,
  raw?: RawBody,
): void {
  const { def } = served;
  const gvk = { group: def.group, version: ctx.info.version || def.versions[0], kind: def.kind };
  const mode = ctx.url.searchParams.get("fieldValidation");
  const result = checkFieldValidation(mode, obj, gvk, (def as SchemaCarrier).schema, raw);
  if (result.error) throw badRequest(result.error);
  for (const w of result.warnings) {
    if (!ctx.warnings.includes(w)) ctx.warnings.push(w);
  }
}

/** A JSON or YAML body's text, for duplicate-field detection (none for protobuf). */
function rawBody(body: Uint8Array, contentType: string | null): RawBody | undefined {
  const type = mediaType(contentType);
  const yaml = type === "application/yaml" || type.endsWith("+yaml");
  if (!yaml && !(type === "" || type === "application/json" || type.endsWith("+json"))) return;
  return { text: new TextDecoder().decode(body), yaml };
}

/** A patch's text: its repeated keys (a JSON patch's unknown op fields too) are reported. */
function patchBody(body: Uint8Array, contentType: string | null): RawBody | undefined {
  const type = mediaType(contentType);
  const text = () => new TextDecoder().decode(body);
  if (type === "application/json-patch+json") return { text: text(), yaml: false, jsonPatch: true };
  if (
    type !== "application/merge-patch+json" && type !== "application/strategic-merge-patch+json"
  ) {
    return;
  }
  return { text: text(), yaml: false, patch: true };
}

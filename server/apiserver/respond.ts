/**
 * Encoding of responses: objects, lists, tables and `Status` errors, as JSON or YAML. The one
 * place errors become HTTP.
 *
 * @module
 */
import { stringify as toYaml } from "yaml";
import { internalError, StatusError } from "../../kube/errors.ts";
import { deepClone, type KubeObject } from "../../kube/meta.ts";
import type { RequestContext } from "./context.ts";
import { negotiate, type Wanted } from "./negotiate.ts";
import { apiVersionOf, type ResourceDef } from "./resource.ts";
import { type IncludeObject, partialMetadata, toTable } from "./table.ts";
import type { CachedObject } from "./watch_cache.ts";

const JSON_TYPE = "application/json";
const YAML_TYPE = "application/yaml";

function headers(ctx: RequestContext | null, type: string): Headers {
  const h = new Headers({ "content-type": type, "cache-control": "no-cache, private" });
  if (ctx) { for (const w of ctx.warnings) h.append("warning", `299 - ${JSON.stringify(w)}`); }
  return h;
}

/** A JSON (or YAML, when asked) response of a plain value. */
export function respondValue(ctx: RequestContext | null, value: unknown, status = 200): Response {
  const wanted = ctx ? safeNegotiate(ctx.req.headers.get("accept")) : { format: "json" as const };
  if (wanted.format === "yaml") {
    return new Response(toYaml(value), { status, headers: headers(ctx, YAML_TYPE) });
  }
  return new Response(JSON.stringify(value), { status, headers: headers(ctx, JSON_TYPE) });
}

function safeNegotiate(accept: string | null): Wanted {
  try {
    return negotiate(accept);
  } catch {
    return { format: "json" };
  }
}

function includeObject(ctx: RequestContext): IncludeObject {
  const v = ctx.url.searchParams.get("includeObject");
  return v === "None" || v === "Object" ? v : "Metadata";
}

/**
 * The object as the version the client asked for shows it. A resource served in several versions
 * stores its objects in one of them: with a `convert` hook the object is converted; otherwise
 * (custom resources, conversion `None`) only `apiVersion` differs. Objects already in the asked
 * version are returned as they are.
 */
export function inRequestedVersion(
  ctx: RequestContext,
  def: ResourceDef,
  item: CachedObject,
): CachedObject {
  const version = ctx.info.version || def.versions[0];
  const apiVersion = apiVersionOf(def.group, version);
  if (item.obj.apiVersion === apiVersion || item.obj.apiVersion === undefined) return item;
  const obj = def.convert ? def.convert(deepClone(item.obj), version) : { ...item.obj, apiVersion };
  return { ...item, obj, json: JSON.stringify(obj) };
}

/** One object, in whatever form the client accepts. */
export function respondObject(
  ctx: RequestContext,
  def: ResourceDef,
  stored: CachedObject,
  status = 200,
): Response {
  const item = inRequestedVersion(ctx, def, stored);
  const wanted = negotiate(ctx.req.headers.get("accept"));
  if (wanted.as?.kind === "Table") {
    // Columns read the stored shape; a converted copy differs in more than apiVersion.
    const table = toTable(def, [def.convert ? stored.obj : item.obj], {
      version: wanted.as.version,
      include: includeObject(ctx),
      listMeta: { resourceVersion: String(item.rv) },
      now: ctx.now,
    });
    return encode(ctx, wanted, table, status);
  }
  if (wanted.as?.kind === "PartialObjectMetadata") {
    return encode(ctx, wanted, partialMetadata(item.obj, wanted.as.version), status);
  }
  if (wanted.format === "json") {
    return new Response(item.json, { status, headers: headers(ctx, JSON_TYPE) });
  }
  return encode(ctx, wanted, item.obj, status);
}

/** A list, built from the cached JSON of each item without re-encoding it. */
export function respondList(
  ctx: RequestContext,
  def: ResourceDef,
  stored: CachedObject[],
  listMeta: { resourceVersion: string; continue?: string; remainingItemCount?: number },
): Response {
  const items = stored.map((i) => inRequestedVersion(ctx, def, i));
  const wanted = negotiate(ctx.req.headers.get("accept"));
  if (wanted.as?.kind === "Table") {
    const table = toTable(def, (def.convert ? stored : items).map((i) => i.obj), {
      version: wanted.as.version,
      include: includeObject(ctx),
      listMeta,
      now: ctx.now,
    });
    return encode(ctx, wanted, table, 200);
  }
  if (wanted.as) {
    const list = {
      kind: "PartialObjectMetadataList",
      apiVersion: `meta.k8s.io/${wanted.as.version}`,
      metadata: listMeta,
      items: items.map((i) => partialMetadata(i.obj, wanted.as!.version)),
    };
    return encode(ctx, wanted, list, 200);
  }
  const head = {
    kind: `${def.kind}List`,
    apiVersion: apiVersionOf(def.group, ctx.info.version || def.versions[0]),
    metadata: listMeta,
  };
  if (wanted.format === "yaml") {
    return encode(ctx, wanted, { ...head, items: items.map((i) => i.obj) }, 200);
  }
  const prefix = JSON.stringify(head).slice(0, -1);
  let body = prefix + ',"items":[';
  for (let i = 0; i < items.length; i++) {
    if (i) body += ",";
    body += items[i].json;
  }
  body += "]}";
  return new Response(body, { status: 200, headers: headers(ctx, JSON_TYPE) });
}

function encode(ctx: RequestContext, wanted: Wanted, value: unknown, status: number): Response {
  if (wanted.format === "yaml") {
    return new Response(toYaml(value), { status, headers: headers(ctx, YAML_TYPE) });
  }
  return new Response(JSON.stringify(value), { status, headers: headers(ctx, JSON_TYPE) });
}

/** `Status` Success, as a delete that finished at once returns. */
export function successStatus(def: ResourceDef, obj: KubeObject): Record<string, unknown> {
  return {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Success",
    details: {
      name: obj.metadata.name,
      group: def.group,
      kind: def.plural,
      uid: obj.metadata.uid,
    },
  };
}

/** Turns any error into a `Status` response; unexpected errors are logged and reported as 500. */
export function respondError(ctx: RequestContext | null, err: unknown): Response {
  let se: StatusError;
  if (err instanceof StatusError) se = err;
  else {
    const message = err instanceof Error ? err.message : String(err);
    console.error(`apiserver: ${ctx?.req.method ?? ""} ${ctx?.url.pathname ?? ""}: ${message}`);
    se = internalError(message);
  }
  const res = respondValue(ctx, se.toStatus(), se.code);
  if (se.details?.retryAfterSeconds) {
    res.headers.set("retry-after", String(se.details.retryAfterSeconds));
  }
  return res;
}

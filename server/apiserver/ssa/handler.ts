/**
 * The HTTP side of server-side apply: `PATCH` with `application/apply-patch+yaml` on a resource
 * or its status, creating the object when it does not exist; the `PatchOptions` checks upstream
 * makes on every patch; and the 400/422 for a request whose `managedFields` cannot be decoded.
 *
 * @module
 */
import { parse as parseYaml } from "yaml";
import {
  badRequest,
  conflict,
  type FieldError,
  invalid,
  notFound,
  OPTIMISTIC_LOCK_MESSAGE,
  StatusError,
} from "../../../kube/errors.ts";
import { isJsonObject, type KubeObject } from "../../../kube/meta.ts";
import { type RequestContext, writeContext } from "../context.ts";
import { mediaType, readBody } from "../negotiate.ts";
import { jsonDuplicateFields, yamlDuplicateFields } from "../duplicate_fields.ts";
import type { Served } from "../registry.ts";
import { apiVersionOf } from "../resource.ts";
import { respondObject } from "../respond.ts";
import { checkFields, type WriteHooks } from "../rest.ts";
import type { SchemaCarrier } from "../openapi/mod.ts";
import type { WriteOptions } from "../store.ts";
import type { AppliedFields } from "../managed_fields.ts";
import { applyConfig } from "./apply.ts";
import { FieldSet, type Json, path } from "./fieldpath.ts";
import { managedFieldsDecodeError } from "./managers.ts";
import { type OpenAPISchema, openAPIShape, type Shape, shapeForKind } from "./schema.ts";

/** The content type of an apply patch. */
export const APPLY_PATCH = "application/apply-patch+yaml";

/** Whether a PATCH body is an applied configuration. */
export function isApplyPatch(contentType: string | null): boolean {
  return mediaType(contentType) === APPLY_PATCH;
}

const MAX_FIELD_MANAGER = 128;

function fieldManagerErrors(manager: string): FieldError[] {
  const errs: FieldError[] = [];
  if (new TextEncoder().encode(manager).length > MAX_FIELD_MANAGER) {
    errs.push({
      type: "FieldValueTooLong",
      field: "fieldManager",
      detail: `may not be more than ${MAX_FIELD_MANAGER} bytes`,
    });
  }
  let i = 0;
  for (const ch of manager) {
    if (/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}\p{Co}\p{Cn}]/u.test(ch)) {
      const code = ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0");
      errs.push({
        type: "FieldValueInvalid",
        field: "fieldManager",
        value: manager,
        detail: `invalid character U+${code} (at position ${i})`,
      });
    }
    i += ch.length;
  }
  return errs;
}

/**
 * Upstream's `PatchOptions` checks: `force` only with apply, `fieldManager` required for apply
 * and printable, at most 128 bytes. Returns the `fieldManager` query value.
 */
export function checkPatchOptions(url: URL, apply: boolean): string {
  const errs: FieldError[] = [];
  const manager = url.searchParams.get("fieldManager") ?? "";
  if (!apply && url.searchParams.has("force")) {
    errs.push({
      type: "FieldValueForbidden",
      field: "force",
      detail: "may not be specified for non-apply patch",
    });
  }
  if (apply && !manager) {
    errs.push({
      type: "FieldValueRequired",
      field: "fieldManager",
      detail: "is required for apply patch",
    });
  }
  errs.push(...fieldManagerErrors(manager));
  if (errs.length) throw invalid("PatchOptions", "meta.k8s.io", "", errs);
  return manager;
}

/**
 * Refuses a request object whose `metadata.managedFields` upstream could not decode: 400 for a
 * request body, 422 for the result of a patch (`patch` set).
 */
export function checkManagedFieldsDecodable(
  obj: unknown,
  kind: string,
  version: string,
  patch = false,
): void {
  const why = managedFieldsDecodeError(obj);
  if (!why) return;
  if (!patch) {
    throw badRequest(`${kind} in version "${version}" cannot be handled as a ${kind}: ${why}`);
  }
  const meta = isJsonObject(obj) && isJsonObject(obj.metadata) ? obj.metadata : {};
  throw invalid("", "", "", [{
    type: "FieldValueInvalid",
    field: "patch",
    value: JSON.stringify({ metadata: { managedFields: meta.managedFields } }),
    detail: why,
  }]);
}

function parseForce(url: URL): boolean {
  return /^(1|t|true)$/i.test(url.searchParams.get("force") ?? "");
}

function decodeConfig(body: Uint8Array): Record<string, Json> {
  let value: unknown;
  try {
    value = body.byteLength
      ? parseYaml(new TextDecoder().decode(body), { maxAliasCount: 100, uniqueKeys: false })
      : {};
  } catch (err) {
    throw badRequest(`error decoding YAML: ${(err as Error).message}`);
  }
  if (value === null || value === undefined) return {};
  if (!isJsonObject(value)) {
    throw badRequest(
      `error decoding YAML: error unmarshaling JSON: json: cannot unmarshal ${
        Array.isArray(value) ? "array" : typeof value
      } into Go value of type map[string]interface {}`,
    );
  }
  return value;
}

/**
 * Keys set twice in an applied configuration: with `fieldValidation` Strict a 400 worded as
 * upstream's apply (`error strict decoding YAML: error converting YAML to JSON: yaml: unmarshal
 * errors:` and go-yaml's lines), with Warn (the default) one warning per line.
 */
function checkApplyDuplicates(ctx: RequestContext, body: Uint8Array): void {
  const mode = ctx.url.searchParams.get("fieldValidation") ?? "";
  if (mode === "Ignore" || !body.byteLength) return;
  const text = new TextDecoder().decode(body);
  // kubectl sends JSON: one cheap scan, and the YAML parser only to word what it found.
  if (text.trimStart().startsWith("{") && !jsonDuplicateFields(text).length) return;
  const dups = yamlDuplicateFields(text);
  if (!dups.length) return;
  if (mode === "Strict") {
    throw badRequest(
      `error strict decoding YAML: error converting YAML to JSON: yaml: unmarshal errors:\n  ${
        dups.join("\n  ")
      }`,
    );
  }
  for (const w of dups) if (!ctx.warnings.includes(w)) ctx.warnings.push(w);
}

/** Fields an apply cannot own on this endpoint: status on the main resource, all but status on /status. */
function ignoredFields(
  hasStatus: boolean,
  subresource: string,
  ...objs: Json[]
): FieldSet | undefined {
  if (subresource === "status") {
    const top = new Set(objs.flatMap((o) => (isJsonObject(o) ? Object.keys(o) : [])));
    top.delete("status");
    return FieldSet.of(...[...top].map((k) => path(k)));
  }
  return hasStatus ? FieldSet.of(path("status")) : undefined;
}

/** The shape of the resource's objects: a custom resource's schema, else the built-in type's. */
function shapeOf(served: Served, apiVersion: string): Shape {
  const schema = (served.def as SchemaCarrier).schema;
  return schema ? openAPIShape(schema as OpenAPISchema) : shapeForKind(apiVersion, served.def.kind);
}

/** Write options carrying the managed fields an apply computed to the store. */
type ApplyWriteOptions = WriteOptions & { applied: AppliedFields; shape: Shape };

/** Serves an apply patch of `served` (its main resource, or its `status` subresource). */
export async function serveApply(
  ctx: RequestContext,
  served: Served,
  hooks: WriteHooks,
  subresource: "" | "status",
): Promise<Response> {
  const { def, store } = served;
  const { info } = ctx;
  const manager = checkPatchOptions(ctx.url, true);
  const force = parseForce(ctx.url);
  const body = await readBody(ctx.req);
  const config = decodeConfig(body);
  checkApplyDuplicates(ctx, body);
  checkFields(ctx, served, config);
  const ns = def.namespaced ? info.namespace : "";
  const apiVersion = apiVersionOf(info.group, info.version);
  const shape = shapeOf(served, apiVersion);
  const applied: AppliedFields = {};
  const wopts: ApplyWriteOptions = {
    subresource,
    fieldManager: manager,
    apiVersion,
    applied,
    shape,
  };
  const wctx = writeContext(ctx);
  const apply = (live: KubeObject | undefined) => {
    const r = applyConfig({
      live,
      config,
      manager,
      force,
      apiVersion,
      kind: def.kind,
      subresource,
      now: ctx.now,
      shape,
      ignore: ignoredFields(!!def.status, subresource, config, live),
    });
    const meta = r.object.metadata as Record<string, unknown>;
    if (meta.name === undefined || meta.name === "") meta.name = info.name;
    if (meta.name !== info.name) {
      throw badRequest(
        `the name of the object (${meta.name}) does not match the name on the URL (${info.name})`,
      );
    }
    applied.managedFields = r.managedFields;
    return r.object as KubeObject;
  };
  for (let attempt = 0;; attempt++) {
    const retry = attempt < 3;
    const current = await store.tryGet(ns, info.name);
    if (!current) {
      if (subresource) throw notFound(store.gr, info.name);
      const uid = isJsonObject(config.metadata) ? config.metadata.uid : undefined;
      if (uid) {
        throw conflict(
          store.gr,
          info.name,
          `Precondition failed: UID in precondition: ${uid}, UID in object meta: `,
        );
      }
      if (def.namespaced && !ns) throw badRequest("the namespace of the object is required");
      const obj = apply(undefined);
      await hooks.admit(ctx, served, "CREATE", obj, null);
      try {
        return respondObject(ctx, def, await store.create(ns, obj, wctx, wopts), 201);
      } catch (err) {
        if (retry && err instanceof StatusError && err.reason === "AlreadyExists") continue;
        throw err;
      }
    }
    try {
      const wantRv = isJsonObject(config.metadata) ? config.metadata.resourceVersion : undefined;
      const updated = await store.guaranteedUpdate(ns, info.name, wctx, wopts, async (cur) => {
        // A resourceVersion in the configuration is a precondition, as in an update.
        if (wantRv && String(wantRv) !== String(cur.rv)) {
          throw conflict(store.gr, info.name, OPTIMISTIC_LOCK_MESSAGE);
        }
        const next = apply(cur.obj);
        await hooks.admit(ctx, served, "UPDATE", next, cur.obj);
        return next;
      });
      return respondObject(ctx, def, updated);
    } catch (err) {
      // Deleted since it was read: apply creates it.
      if (retry && err instanceof StatusError && err.code === 404 && !subresource) {
        if (!(await store.tryGet(ns, info.name))) continue;
      }
      throw err;
    }
  }
}

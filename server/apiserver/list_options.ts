/**
 * List and watch query parameters: label and field selectors turned into one object filter, and
 * paging and resourceVersion options for the store.
 *
 * @module
 */
import { badRequest } from "../../kube/errors.ts";
import { checkSelectableFields, parseFieldSelector } from "../../kube/fields.ts";
import { parseSelector } from "../../kube/labels.ts";
import type { KubeObject } from "../../kube/meta.ts";
import type { ResourceDef } from "./resource.ts";
import type { ListOptions } from "./store.ts";
import type { ObjectFilter } from "./watch_cache.ts";

/** The field values an object offers to field selectors. */
export function fieldsOf(def: ResourceDef, obj: KubeObject): Record<string, string> {
  const out: Record<string, string> = {
    "metadata.name": obj.metadata.name ?? "",
  };
  if (def.namespaced) out["metadata.namespace"] = obj.metadata.namespace ?? "";
  for (const [k, f] of Object.entries(def.fields ?? {})) out[k] = f(obj);
  return out;
}

/** The filter for `labelSelector` and `fieldSelector`, or undefined when neither is set. */
export function objectFilter(url: URL, def: ResourceDef): ObjectFilter | undefined {
  const ls = url.searchParams.get("labelSelector") ?? "";
  const fs = url.searchParams.get("fieldSelector") ?? "";
  const labels = ls ? parseSelector(ls) : null;
  const fields = fs ? parseFieldSelector(fs) : null;
  if (fields) {
    if (def.fields && Object.keys(def.fields).length) {
      const known = ["metadata.name", "metadata.namespace", ...Object.keys(def.fields)];
      checkSelectableFields(fields, known);
    } else checkSelectableFields(fields);
  }
  if (!labels && !fields) return undefined;
  const filter = (obj: KubeObject) =>
    (!labels || labels.matches(obj.metadata.labels)) &&
    (!fields || fields.matches(fieldsOf(def, obj)));
  return withName(filter, fields?.requiresExactMatch("metadata.name"));
}

/** `filter`, telling the watch cache the one name it can match (see {@link ObjectFilter}). */
export function withName(
  filter: (obj: KubeObject) => boolean,
  name: string | undefined,
): ObjectFilter {
  return name === undefined ? filter : Object.assign(filter, { onlyName: name });
}

export function listOptions(url: URL, def: ResourceDef): ListOptions {
  const q = url.searchParams;
  const limitText = q.get("limit");
  let limit = 0;
  if (limitText) {
    limit = Number(limitText);
    if (!Number.isInteger(limit) || limit < 0) throw badRequest(`invalid limit: ${limitText}`);
  }
  const filter = objectFilter(url, def);
  const match = q.get("resourceVersionMatch") ?? undefined;
  if (match && match !== "Exact" && match !== "NotOlderThan") {
    throw badRequest(`invalid resourceVersionMatch: ${match}`);
  }
  return {
    filter,
    filtered: !!filter,
    limit,
    continueToken: q.get("continue") || undefined,
    resourceVersion: q.get("resourceVersion") ?? undefined,
    resourceVersionMatch: match,
  };
}

/**
 * Kubernetes strategic merge patch (`application/strategic-merge-patch+json`), applied on the
 * server as upstream applies it: maps merge key by key, lists follow the field's
 * `patchStrategy` (merge by `patchMergeKey`, merge as a set of scalars, or replace), and the
 * directives `$patch` (`replace`, `delete`, `merge`), `$retainKeys`, `$setElementOrder/<field>`
 * and `$deleteFromPrimitiveList/<field>` are honoured. Field strategies come from `patch_meta.ts`.
 *
 * Custom resources have no such metadata; upstream refuses strategic merge patch for them with
 * 415, and so does `strategicMergePatch`.
 *
 * @module
 */

import { badRequest, StatusError } from "../errors.ts";
import { deepClone, setOwn } from "../meta.ts";
import { type FieldPatchMeta, kindType, lookupField } from "./patch_meta.ts";
import {
  BAD_PRIMITIVE_LIST,
  BAD_RETAIN_KEYS,
  BAD_SET_ELEMENT_ORDER,
  badArgType,
  badFormat,
  badPatchType,
  goFormat,
  internal,
  isMap,
  kindOf,
} from "./strategic_errors.ts";
import {
  elementKind,
  type JsonMap,
  mergeSlice,
  normalizeElementOrder,
  partitionMaps,
  partitionScalars,
  removeDirectives,
} from "./strategic_list.ts";

/** Finds the patch metadata of a field of a type (`patch_meta.ts`'s `lookupField` by default). */
export type FieldLookup = (type: string | undefined, field: string) => FieldPatchMeta | undefined;

const DIRECTIVE = "$patch";
const RETAIN_KEYS = "$retainKeys";
const DELETE_PREFIX = "$deleteFromPrimitiveList";
const ORDER_PREFIX = "$setElementOrder";

/** The 415 upstream answers a strategic merge patch of a custom resource with. */
export function strategicMergeUnsupported(): StatusError {
  return new StatusError(
    415,
    "UnsupportedMediaType",
    "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml",
  );
}

/** Whether the kind (`apiVersion/kind`, e.g. `apps/v1/Deployment`) accepts strategic merge patch. */
export function supportsStrategicMergePatch(kindKey: string): boolean {
  return kindType(kindKey) !== undefined;
}

/** Short name of `supportsStrategicMergePatch`. */
export const supportsStrategicMerge: (kindKey: string) => boolean = supportsStrategicMergePatch;

/**
 * Applies a strategic merge patch to an object of a built-in kind and returns the result;
 * neither argument is modified. Throws 415 for kinds without strategic merge support, 400 for
 * malformed directives, 422 for lists of lists, and 500 where upstream fails internally (for
 * example a list item without its merge key).
 */
export function strategicMergePatch(original: unknown, patch: unknown, kindKey: string): JsonMap {
  const type = kindType(kindKey);
  if (type === undefined) throw strategicMergeUnsupported();
  return applyStrategicMergePatch(original, patch, type);
}

/** Like `strategicMergePatch`, for a root type name and an optional custom field lookup. */
export function applyStrategicMergePatch(
  original: unknown,
  patch: unknown,
  type: string | undefined,
  lookup: FieldLookup = lookupField,
): JsonMap {
  if (!isMap(patch)) {
    throw badRequest(
      `json: cannot unmarshal ${goKind(patch)} into Go value of type map[string]interface {}`,
    );
  }
  if (!isMap(original)) throw badRequest("invalid JSON document");
  const merged = new Merger(lookup).mergeMap(deepClone(original), deepClone(patch), type);
  return stripDirectives(merged) as JsonMap;
}

function goKind(v: unknown): string {
  const k = kindOf(v);
  return k === "map" ? "object" : k === "slice" ? "array" : k;
}

/** Splits `a, b` strategies into whether `retainKeys` is set and the other strategy. */
function strategyOf(meta: FieldPatchMeta | undefined): string {
  const parts = (meta?.strategy ?? "").split(",");
  if (parts.length > 2) throw internal(`unexpected patch strategy: [${parts.join(" ")}]`);
  const others = parts.filter((p) => p !== "retainKeys");
  if (parts.length === 2 && others.length !== 1) {
    throw internal(`unexpected patch strategy: [${parts.join(" ")}]`);
  }
  return others[0] ?? "";
}

/** The field name after `prefix/`; throws `error` if the key is not of that form. */
function directiveField(key: string, prefix: string, error: string): string {
  const slash = key.indexOf("/");
  if (slash < 0 || key.slice(0, slash) !== prefix) throw badFormat(error);
  return key.slice(slash + 1);
}

/** Drops null members from a patch value, recursing through maps and lists. */
function discardNulls(value: unknown): void {
  if (Array.isArray(value)) {
    for (const v of value) discardNulls(v);
  } else if (isMap(value)) {
    for (const key of Object.keys(value)) {
      if (value[key] === null) delete value[key];
      else discardNulls(value[key]);
    }
  }
}

class Merger {
  readonly #lookup: FieldLookup;

  constructor(lookup: FieldLookup) {
    this.#lookup = lookup;
  }

  mergeMap = (original: JsonMap, patch: JsonMap, type: string | undefined): JsonMap => {
    if (Object.hasOwn(patch, DIRECTIVE)) {
      const directive = patch[DIRECTIVE];
      if (directive === "replace") {
        delete patch[DIRECTIVE];
        return patch;
      }
      if (directive === "delete") return {};
      throw badPatchType(directive, patch);
    }
    this.#retainKeys(original, patch);
    this.#setElementOrder(original, patch, type);

    for (const rawKey of Object.keys(patch)) {
      let key = rawKey;
      const isDeleteList = rawKey.startsWith(DELETE_PREFIX);
      if (isDeleteList) key = directiveField(rawKey, DELETE_PREFIX, BAD_PRIMITIVE_LIST);
      const patchV = patch[rawKey];
      if (patchV === null) {
        delete original[key];
        continue;
      }
      if (!Object.hasOwn(original, key) || kindOf(original[key]) !== kindOf(patchV)) {
        // New or differently shaped: the patch value replaces, minus nulls and directives.
        if (!isDeleteList) this.#take(original, key, patchV);
        continue;
      }
      const originalV = original[key];
      const meta = this.#lookup(type, key);
      const strategy = strategyOf(meta);
      if (isMap(originalV)) {
        const value = strategy === "replace"
          ? patchV
          : this.mergeMap(originalV, patchV as JsonMap, meta?.type);
        setOwn(original, key, value);
      } else if (Array.isArray(originalV)) {
        const value = strategy === "merge" || isDeleteList
          ? mergeSlice(
            originalV,
            patchV as unknown[],
            meta?.type,
            meta?.mergeKey ?? "",
            isDeleteList,
            this.mergeMap,
          )
          : patchV;
        setOwn(original, key, value);
      } else {
        setOwn(original, key, patchV);
      }
    }
    return original;
  };

  #take(original: JsonMap, key: string, patchV: unknown): void {
    discardNulls(patchV);
    const value = removeDirectives(patchV);
    if (value === undefined) delete original[key];
    else setOwn(original, key, value);
  }

  /** `$retainKeys`: drop live fields the list omits; every patched field must be listed. */
  #retainKeys(original: JsonMap, patch: JsonMap): void {
    if (!Object.hasOwn(patch, RETAIN_KEYS)) return;
    const list = patch[RETAIN_KEYS];
    delete patch[RETAIN_KEYS];
    if (!Array.isArray(list)) throw badFormat(BAD_RETAIN_KEYS);
    const keep = new Set(list);
    for (const [key, value] of Object.entries(patch)) {
      if (value === null || key.startsWith(DELETE_PREFIX) || key.startsWith(ORDER_PREFIX)) {
        continue;
      }
      if (!keep.has(key)) throw badFormat(BAD_RETAIN_KEYS);
    }
    for (const key of Object.keys(original)) {
      if (!keep.has(key)) delete original[key];
    }
  }

  /** `$setElementOrder/<field>`: merge the field's list, then order it as the directive says. */
  #setElementOrder(original: JsonMap, patch: JsonMap, type: string | undefined): void {
    for (const rawKey of Object.keys(patch)) {
      if (!rawKey.startsWith(ORDER_PREFIX)) continue;
      const order = patch[rawKey];
      delete patch[rawKey];
      if (!Array.isArray(order)) throw badArgType("slice", order);
      const key = directiveField(rawKey, ORDER_PREFIX, BAD_SET_ELEMENT_ORDER);
      const foundOriginal = Object.hasOwn(original, key);
      const foundPatch = Object.hasOwn(patch, key);
      if (foundOriginal && !Array.isArray(original[key])) throw badArgType("slice", original[key]);
      if (foundPatch && !Array.isArray(patch[key])) throw badArgType("slice", patch[key]);
      const originalList = (foundOriginal ? original[key] : []) as unknown[];
      const patchList = (foundPatch ? patch[key] : []) as unknown[];
      const meta = this.#lookup(type, key);
      const mergeKey = meta?.mergeKey ?? "";
      validateOrder(patchList, order, mergeKey);

      let merged: unknown[];
      if (foundOriginal && foundPatch) {
        merged = strategyOf(meta) === "merge"
          ? mergeSlice(originalList, patchList, meta?.type, mergeKey, false, this.mergeMap)
          : patchList;
      } else if (foundPatch) {
        merged = removeDirectives(patchList) as unknown[];
      } else if (foundOriginal) {
        merged = originalList;
      } else {
        continue;
      }
      const [inOrder, rest] = mergeKey
        ? partitionMaps(merged, order, mergeKey)
        : partitionScalars(merged, order);
      const kind = elementKind(originalList, patchList);
      setOwn(
        original,
        key,
        normalizeElementOrder(inOrder, rest, order, originalList, mergeKey, kind),
      );
      delete patch[key];
    }
  }
}

/** The patch list's items must appear in the `$setElementOrder` list in the same order. */
function validateOrder(patchList: unknown[], order: unknown[], mergeKey: string): void {
  if (order.length === 0 || patchList.length === 0) return;
  let items = patchList;
  if (mergeKey) {
    for (const v of patchList) if (!isMap(v)) throw badArgType("map", v);
    items = patchList.filter((v) => (v as JsonMap)[DIRECTIVE] !== "delete");
  }
  let p = 0;
  let o = 0;
  while (p < items.length && o < order.length) {
    if (isMap(items[p]) && Object.hasOwn(items[p] as JsonMap, DIRECTIVE)) {
      p++;
      continue;
    }
    if (sameItem(items[p], order[o], mergeKey)) p++;
    o++;
  }
  if (p < items.length && o >= order.length) {
    throw internal(
      `The order in patch list:\n${goFormat(patchList)}\n doesn't match ${ORDER_PREFIX} list:\n${
        goFormat(order)
      }\n`,
    );
  }
}

function sameItem(a: unknown, b: unknown, mergeKey: string): boolean {
  if (!mergeKey) return a === b;
  if (!isMap(a)) throw badArgType("map", a);
  if (!isMap(b)) throw badArgType("map", b);
  for (const m of [a, b]) {
    if (!Object.hasOwn(m, mergeKey)) {
      throw internal(`map: ${goFormat(m)} does not contain declared merge key: ${mergeKey}`);
    }
  }
  return (a[mergeKey] ?? null) === (b[mergeKey] ?? null);
}

/**
 * Removes directive members left in the result (upstream drops them when decoding into typed
 * objects; an untyped store would keep them).
 */
function stripDirectives(value: unknown): unknown {
  if (Array.isArray(value)) {
    for (const v of value) stripDirectives(v);
  } else if (isMap(value)) {
    for (const key of Object.keys(value)) {
      if (
        key === DIRECTIVE || key === RETAIN_KEYS || key.startsWith(`${ORDER_PREFIX}/`) ||
        key.startsWith(`${DELETE_PREFIX}/`)
      ) {
        delete value[key];
      } else {
        stripDirectives(value[key]);
      }
    }
  }
  return value;
}

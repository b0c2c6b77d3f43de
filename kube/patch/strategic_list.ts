/**
 * Lists in strategic merge patch: merging by key or as sets of scalars, the `$patch` list
 * directives, and upstream's element ordering (patch items in patch order, interleaved with
 * server-only items in their live order).
 *
 * @module
 */

import { setOwn } from "../meta.ts";
import {
  badArgType,
  badPatchType,
  goFormat,
  internal,
  isMap,
  type Kind,
  kindOf,
  noListOfLists,
  noMergeKey,
} from "./strategic_errors.ts";

/** A JSON object. */
export type JsonMap = Record<string, unknown>;

/** Merges one object into another under a type; supplied by the map side. */
export type MergeMapFn = (original: JsonMap, patch: JsonMap, type: string | undefined) => JsonMap;

const DIRECTIVE = "$patch";

/** The common element kind of the lists; throws for mixed kinds and lists of lists. */
export function elementKind(...lists: unknown[][]): Kind {
  let kind: Kind | undefined;
  for (const list of lists) {
    for (const v of list) {
      const k = kindOf(v);
      if (kind === undefined) {
        if (k === "slice") throw noListOfLists();
        kind = k;
      } else if (k !== kind) {
        throw internal(`list element types are not identical: ${goFormat(lists)}`);
      }
    }
  }
  if (kind === undefined) throw internal("no elements in any of the given slices");
  return kind;
}

/** The value items are identified by: the merge key's value for maps, the item itself otherwise. */
function identity(item: unknown, mergeKey: string, kind: Kind): unknown {
  if (kind !== "map") return item;
  return isMap(item) ? item[mergeKey] ?? null : null;
}

/** Position of each identity's first occurrence in `order`. */
function positions(order: unknown[], mergeKey: string, kind: Kind): Map<unknown, number> {
  const index = new Map<unknown, number>();
  order.forEach((item, i) => {
    const id = identity(item, mergeKey, kind);
    if (!index.has(id)) index.set(id, i);
  });
  return index;
}

/** Finds the map whose `key` equals `value`; every element must be a map. */
export function findByKey(list: unknown[], key: string, value: unknown): number {
  for (let i = 0; i < list.length; i++) {
    const v = list[i];
    if (!isMap(v)) throw internal(`value for key ${i} is not a map`);
    if (Object.hasOwn(v, key) && (v[key] ?? null) === (value ?? null)) return i;
  }
  return -1;
}

function validateMergeKeys(mergeKey: string, ...lists: unknown[][]): void {
  for (const list of lists) {
    for (const item of list) {
      if (!isMap(item)) throw badArgType("map", item);
      if (!Object.hasOwn(item, mergeKey)) throw noMergeKey(item, mergeKey);
    }
  }
}

/** Stable sort by position in `order`; items missing from it stay put as upstream's sort leaves them. */
function sortByOrder(items: unknown[], order: unknown[], mergeKey: string, kind: Kind): unknown[] {
  const index = positions(order, mergeKey, kind);
  const pos = (item: unknown) => index.get(identity(item, mergeKey, kind)) ?? -1;
  const less = (a: unknown, b: unknown) => {
    const pa = pos(a);
    const pb = pos(b);
    return pa >= 0 && pb >= 0 ? pa < pb : true;
  };
  // Go's sort.SliceStable is an insertion sort for short lists; mirror it so that even
  // incomparable items land where upstream puts them.
  if (items.length > 20 && items.every((item) => pos(item) >= 0)) {
    return items.sort((a, b) => pos(a) - pos(b));
  }
  for (let i = 1; i < items.length; i++) {
    for (let j = i; j > 0 && less(items[j], items[j - 1]); j--) {
      [items[j], items[j - 1]] = [items[j - 1], items[j]];
    }
  }
  return items;
}

function normalizeSliceOrder(
  toSort: unknown[],
  order: unknown[],
  mergeKey: string,
  kind: Kind,
): unknown[] {
  let toDelete: unknown[] = [];
  if (kind === "map") {
    validateMergeKeys(mergeKey, toSort, order);
    toDelete = toSort.filter((v) => (v as JsonMap)[DIRECTIVE] === "delete");
    toSort = toSort.filter((v) => (v as JsonMap)[DIRECTIVE] !== "delete");
  }
  return [...sortByOrder(toSort, order, mergeKey, kind), ...toDelete];
}

/**
 * Orders a merged list: patch items by `patchOrder`, server-only items by `serverOrder`, then
 * interleaves them, keeping each side's relative order.
 */
export function normalizeElementOrder(
  patchItems: unknown[],
  serverOnly: unknown[],
  patchOrder: unknown[],
  serverOrder: unknown[],
  mergeKey: string,
  kind: Kind,
): unknown[] {
  const right = normalizeSliceOrder(patchItems, patchOrder, mergeKey, kind);
  const left = normalizeSliceOrder(serverOnly, serverOrder, mergeKey, kind);
  const index = positions(serverOrder, mergeKey, kind);
  const pos = (item: unknown) => index.get(identity(item, mergeKey, kind)) ?? -1;
  const out: unknown[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length || j < right.length) {
    if (i >= left.length) out.push(right[j++]);
    else if (j >= right.length) out.push(left[i++]);
    else {
      // A server-only item goes first only when both are in the live list and it came first.
      const li = pos(left[i]);
      const ri = pos(right[j]);
      out.push(li >= 0 && ri >= 0 && li < ri ? left[i++] : right[j++]);
    }
  }
  return out;
}

/** Splits scalars into those present in `by` and the rest. */
export function partitionScalars(list: unknown[], by: unknown[]): [unknown[], unknown[]] {
  const present = new Set(by);
  return [list.filter((v) => present.has(v)), list.filter((v) => !present.has(v))];
}

/** Splits maps into those whose merge key appears in `by` and the rest. */
export function partitionMaps(
  list: unknown[],
  by: unknown[],
  mergeKey: string,
): [unknown[], unknown[]] {
  const inPatch: unknown[] = [];
  const serverOnly: unknown[] = [];
  for (const v of list) {
    if (!isMap(v)) throw badArgType("map", v);
    if (!Object.hasOwn(v, mergeKey)) throw noMergeKey(v, mergeKey);
    (findByKey(by, mergeKey, v[mergeKey]) >= 0 ? inPatch : serverOnly).push(v);
  }
  return [inPatch, serverOnly];
}

/** Applies `$patch: delete` and `$patch: replace` items; returns the new original and patch. */
function applyListDirectives(
  original: unknown[],
  patch: unknown[],
  mergeKey: string,
): [unknown[], unknown[]] {
  const plain: unknown[] = [];
  let replace = false;
  for (const v of patch) {
    const item = v as JsonMap;
    if (!Object.hasOwn(item, DIRECTIVE)) {
      plain.push(v);
      continue;
    }
    const directive = item[DIRECTIVE];
    if (directive === "delete") {
      if (!Object.hasOwn(item, mergeKey)) throw noMergeKey(item, mergeKey);
      const value = item[mergeKey] ?? null;
      original = original.filter((o) =>
        !(isMap(o) && Object.hasOwn(o, mergeKey) && (o[mergeKey] ?? null) === value)
      );
    } else if (directive === "replace") {
      replace = true;
    } else if (directive === "merge") {
      throw internal("merging lists cannot yet be specified in the patch");
    } else {
      throw badPatchType(directive, item);
    }
  }
  return replace ? [plain, []] : [original, plain];
}

/**
 * Merges a patch list into a live list (`patchStrategy: merge`), or removes the patch's
 * scalars when it is a `$deleteFromPrimitiveList` list.
 */
export function mergeSlice(
  original: unknown[],
  patch: unknown[],
  type: string | undefined,
  mergeKey: string,
  isDeleteList: boolean,
  mergeMap: MergeMapFn,
): unknown[] {
  if (original.length === 0 && patch.length === 0) return original;
  const kind = elementKind(original, patch);
  let merged: unknown[];
  if (kind !== "map") {
    if (isDeleteList) {
      const drop = new Set(patch);
      return original.filter((v) => !drop.has(v));
    }
    merged = [...new Set([...original, ...patch])];
  } else {
    if (!mergeKey) throw internal(`cannot merge lists without merge key for ${shortName(type)}`);
    [original, patch] = applyListDirectives(original, patch, mergeKey);
    merged = [...original];
    for (const v of patch) {
      const item = v as JsonMap;
      if (!Object.hasOwn(item, mergeKey)) throw noMergeKey(item, mergeKey);
      const at = findByKey(merged, mergeKey, item[mergeKey]);
      if (at >= 0) merged[at] = mergeMap(merged[at] as JsonMap, item, type);
      else merged.push(item);
    }
  }
  const [patchItems, serverOnly] = mergeKey
    ? partitionMaps(merged, patch, mergeKey)
    : partitionScalars(merged, patch);
  return normalizeElementOrder(patchItems, serverOnly, patch, original, mergeKey, kind);
}

function shortName(type: string | undefined): string {
  return type ? type.slice(type.lastIndexOf(".") + 1) : "";
}

/**
 * Drops `$patch`-marked maps (and the list items they are) from a value taken whole from a
 * patch; returns undefined when the value itself is such a map.
 */
export function removeDirectives(value: unknown): unknown {
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    for (const v of value) {
      const kept = removeDirectives(v);
      if (kept !== undefined) out.push(kept);
    }
    return out;
  }
  if (isMap(value)) {
    if (Object.hasOwn(value, DIRECTIVE)) return undefined;
    for (const key of Object.keys(value)) {
      const kept = removeDirectives(value[key]);
      if (kept === undefined) delete value[key];
      else if (kept !== value[key]) setOwn(value, key, kept);
    }
  }
  return value;
}

/**
 * The apply merge of a configuration into a live value, and the pruning of what an applier gave
 * up, guided by a {@link Shape}.
 *
 * @module
 */
import { deepClone, isJsonObject, setOwn } from "../../../kube/meta.ts";
import {
  type FieldSet,
  formatPath,
  type Json,
  type Path,
  type PathElement,
  peKey,
} from "./fieldpath.ts";
import type { Shape } from "./schema.ts";
import { category, elements, isEmptyContainer, pairCategory, SchemaError } from "./typed.ts";

/**
 * Merges an applied configuration into a live value: the configuration wins at every leaf, maps
 * and structs merge field by field, list maps and sets merge item by item (live items first,
 * the configuration's order for the items it names), atomic values are replaced.
 */
export function merge(live: Json, config: Json, shape: Shape): Json {
  return walkMerge(live, config, shape, []);
}

function walkMerge(l: Json, r: Json, shape: Shape, at: Path): Json {
  if (r === undefined) return l;
  if (l === undefined) l = undefined;
  const c = pairCategory(shape, l, r);
  if (l === undefined || c === "leaf") {
    if (c === "list") elements(shape, r as Json[], at); // a configuration must carry its keys
    return deepClone(r);
  }
  if (c === "object") {
    const lo = isJsonObject(l) ? l : {};
    const ro = isJsonObject(r) ? r : {};
    const out: Record<string, Json> = {};
    for (const k of [...Object.keys(lo), ...Object.keys(ro).filter((k) => !Object.hasOwn(lo, k))]) {
      const v = walkMerge(lo[k], ro[k], shape.field(k), [...at, { field: k }]);
      if (v !== undefined) setOwn(out, k, v);
    }
    return out;
  }
  return mergeLists(Array.isArray(l) ? l : [], r as Json[], shape, at);
}

function mergeLists(l: Json[], r: Json[], shape: Shape, at: Path): Json[] {
  const items = shape.items();
  const rPes = elements(shape, r, at);
  const lPes = elements(shape, l, at);
  const rByKey = new Map<string, Json>();
  rPes.forEach((pe, i) => {
    const k = peKey(pe);
    if (rByKey.has(k)) {
      throw new SchemaError(at, `duplicate entries for key ${formatPath([pe])}`);
    }
    rByKey.set(k, r[i]);
  });
  // Duplicated live items do not merge: the configuration's item replaces them all.
  const lByKey = new Map<string, Json>();
  lPes.forEach((pe, i) => {
    const k = peKey(pe);
    lByKey.set(k, lByKey.has(k) ? null : l[i]);
  });
  const lKeys = lPes.map(peKey), rKeys = rPes.map(peKey);
  const shared = rKeys.filter((k) => lByKey.has(k));
  let next = 0;
  const done = new Set<string>();
  const out: Json[] = [];
  const take = (k: string, pe: PathElement) => {
    out.push(walkMerge(lByKey.get(k), rByKey.get(k), items, [...at, pe]));
    done.add(k);
  };
  let li = 0, ri = 0;
  while (li < l.length || ri < r.length) {
    if (li < l.length && ri < r.length) {
      if (lKeys[li] === rKeys[ri]) {
        take(rKeys[ri], rPes[ri]);
        li++, ri++, next++;
        continue;
      }
      // A shared item that the configuration puts later: skip it here, merge it there.
      if (rByKey.has(lKeys[li]) && next < shared.length && shared[next] !== lKeys[li]) {
        li++;
        continue;
      }
    }
    if (li < l.length) {
      if (!rByKey.has(lKeys[li])) {
        out.push(l[li]);
        li++;
        continue;
      }
      if (done.has(lKeys[li])) li++;
    }
    if (ri < r.length) {
      take(rKeys[ri], rPes[ri]);
      if (shared[next] === rKeys[ri]) next++;
      ri++;
    }
  }
  return out;
}

/**
 * Removes from `value` every field or item that is a member of `remove` and not of `keep`
 * (both with named fields made members, see {@link ensureNamedFieldsAreMembers}). A list or map
 * left empty by the removal is removed too. Returns a new value.
 */
export function prune(value: Json, shape: Shape, remove: FieldSet, keep: FieldSet): Json {
  return walkPrune(value, shape, remove, keep, []);
}

function walkPrune(
  v: Json,
  shape: Shape,
  remove: FieldSet,
  keep: FieldSet | undefined,
  at: Path,
): Json {
  const c = category(shape, v);
  if (c === "object") {
    const out: Record<string, Json> = {};
    for (const [k, val] of Object.entries(v as Record<string, Json>)) {
      const pe = { field: k };
      if (remove.hasMember(pe) && !keep?.hasMember(pe)) continue;
      const sub = remove.child(pe);
      if (!sub) {
        setOwn(out, k, val);
        continue;
      }
      const pruned = walkPrune(val, shape.field(k), sub, keep?.child(pe), [...at, pe]);
      if (isEmptyContainer(pruned) && !isEmptyContainer(val)) continue;
      setOwn(out, k, pruned);
    }
    return out;
  }
  if (c === "list") {
    const list = v as Json[];
    const pes = elements(shape, list, at);
    const out: Json[] = [];
    list.forEach((item, i) => {
      const pe = pes[i];
      if (remove.hasMember(pe) && !keep?.hasMember(pe)) return;
      const sub = remove.child(pe);
      out.push(sub ? walkPrune(item, shape.items(), sub, keep?.child(pe), [...at, pe]) : item);
    });
    return out;
  }
  return v;
}

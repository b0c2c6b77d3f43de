/**
 * Walks over JSON values guided by a {@link Shape}: the field set of a value, the comparison of
 * two values (added, modified and removed fields), the apply merge of a configuration into a live
 * value, and pruning of fields an applier gave up.
 *
 * @module
 */
import { deepClone, deepEqual, isJsonObject, setOwn } from "../../../kube/meta.ts";
import {
  FieldSet,
  formatPath,
  type Json,
  keyElement,
  type Path,
  type PathElement,
  peKey,
} from "./fieldpath.ts";
import type { Shape } from "./schema.ts";

/** A value that does not fit its schema (a list-map item without its key, a duplicate key). */
export class SchemaError extends Error {
  constructor(readonly path: Path, detail: string) {
    super(path.length ? `${formatPath(path)}: ${detail}` : detail);
    this.name = "SchemaError";
  }
}

type Category = "leaf" | "object" | "list";

function category(shape: Shape, v: Json): Category {
  if (Array.isArray(v)) {
    return shape.kind === "list" && shape.listType !== "atomic" ? "list" : "leaf";
  }
  if (isJsonObject(v)) {
    return (shape.kind === "struct" || shape.kind === "map") && !shape.atomic ? "object" : "leaf";
  }
  return "leaf";
}

function isEmptyContainer(v: Json): boolean {
  if (v === undefined || v === null) return true;
  if (Array.isArray(v)) return v.length === 0;
  return isJsonObject(v) && Object.keys(v).length === 0;
}

/**
 * How a pair of values is walked: as one leaf, or granularly. `null` takes the other side's form;
 * two empty containers are a leaf (so `{}` and `[]` stay distinct from absent).
 */
function pairCategory(shape: Shape, l: Json, r: Json): Category {
  const lc = l === undefined || l === null ? null : category(shape, l);
  const rc = r === undefined || r === null ? null : category(shape, r);
  if (lc && rc && lc !== rc) return "leaf";
  const c = lc ?? rc ?? "leaf";
  if (c !== "leaf" && isEmptyContainer(l) && isEmptyContainer(r)) return "leaf";
  return c;
}

/** The path element of a list item: its keys, its value (sets), or its index (atomic lists). */
export function listItemElement(shape: Shape, item: Json, index: number, at: Path): PathElement {
  if (shape.listType === "map") {
    if (item === null) {
      throw new SchemaError(
        at,
        `element ${index}: associative list with keys may not have a null element`,
      );
    }
    if (!isJsonObject(item)) {
      throw new SchemaError(
        at,
        `element ${index}: associative list with keys may not have non-map elements`,
      );
    }
    const pairs: [string, Json][] = [];
    for (const k of shape.keys) {
      if (Object.hasOwn(item, k) && item[k] !== undefined) pairs.push([k, item[k]]);
      else if (Object.hasOwn(shape.keyDefaults, k)) pairs.push([k, shape.keyDefaults[k]]);
      else {
        throw new SchemaError(
          at,
          `element ${index}: associative list with keys has an element that omits key field "${k}" (and doesn't have default value)`,
        );
      }
    }
    return keyElement(pairs);
  }
  if (shape.listType === "set") {
    if (isJsonObject(item)) {
      throw new SchemaError(
        at,
        `element ${index}: associative list without keys has an element that's a map type`,
      );
    }
    if (Array.isArray(item)) {
      throw new SchemaError(
        at,
        `element ${index}: not supported: associative list with lists as elements`,
      );
    }
    if (item === null) {
      throw new SchemaError(
        at,
        `element ${index}: associative list without keys has an element that's an explicit null`,
      );
    }
    return { value: item };
  }
  return { index };
}

function elements(shape: Shape, list: Json[], at: Path): PathElement[] {
  return list.map((item, i) => listItemElement(shape, item, i, at));
}

/**
 * Checks that a value fits its shape: list-map items carry their keys, set items are scalars, and
 * no key is repeated (live objects may repeat keys, an applied configuration may not).
 */
export function validate(value: Json, shape: Shape): void {
  walkValidate(value, shape, []);
}

function walkValidate(v: Json, shape: Shape, at: Path): void {
  const c = category(shape, v);
  if (c === "object") {
    for (const [k, val] of Object.entries(v as Record<string, Json>)) {
      walkValidate(val, shape.field(k), [...at, { field: k }]);
    }
  } else if (c === "list") {
    const seen = new Set<string>();
    elements(shape, v as Json[], at).forEach((pe, i) => {
      const k = peKey(pe);
      if (seen.has(k)) throw new SchemaError(at, `duplicate entries for key ${formatPath([pe])}`);
      seen.add(k);
      walkValidate((v as Json[])[i], shape.items(), [...at, pe]);
    });
  }
}

/** The set of fields a value sets, as upstream's `ToFieldSet`. */
export function toFieldSet(value: Json, shape: Shape): FieldSet {
  const out = new FieldSet();
  walkSet(value, shape, [], out);
  return out;
}

function walkSet(v: Json, shape: Shape, at: Path, out: FieldSet): void {
  const c = category(shape, v);
  if (c === "leaf") {
    if (at.length) out.insert(at);
    return;
  }
  if (c === "list") {
    const list = v as Json[];
    const pes = elements(shape, list, at);
    const counts = new Map<string, number>();
    for (const pe of pes) counts.set(peKey(pe), (counts.get(peKey(pe)) ?? 0) + 1);
    list.forEach((item, i) => {
      const p = [...at, pes[i]];
      // Items with a duplicated key are owned as a whole.
      if ((counts.get(peKey(pes[i])) ?? 0) < 2) walkSet(item, shape.items(), p, out);
      out.insert(p);
    });
    return;
  }
  for (const [k, val] of Object.entries(v as Record<string, Json>)) {
    if (val === undefined) continue;
    const p = [...at, { field: k }];
    walkSet(val, shape.field(k), p, out);
    if (val === null || (isJsonObject(val) && Object.keys(val).length === 0)) out.insert(p);
    else if (!shape.isField(k)) out.insert(p);
  }
}

/** The fields that differ between two values. */
export interface Comparison {
  added: FieldSet;
  modified: FieldSet;
  removed: FieldSet;
}

/** Compares `lhs` (before) with `rhs` (after), as upstream's `Compare`. */
export function compare(lhs: Json, rhs: Json, shape: Shape): Comparison {
  const out = { added: new FieldSet(), modified: new FieldSet(), removed: new FieldSet() };
  walkCompare(lhs, rhs, shape, [], out);
  return out;
}

function walkCompare(l: Json, r: Json, shape: Shape, at: Path, out: Comparison): void {
  const c = pairCategory(shape, l, r);
  if (c === "leaf") {
    if (!at.length) return;
    if (l === undefined) out.added.insert(at);
    else if (r === undefined) out.removed.insert(at);
    else if (!deepEqual(l, r)) out.modified.insert(at);
    return;
  }
  if (c === "object") {
    const lo = isJsonObject(l) ? l : {};
    const ro = isJsonObject(r) ? r : {};
    for (const k of new Set([...Object.keys(lo), ...Object.keys(ro)])) {
      if (lo[k] === undefined && ro[k] === undefined) continue;
      walkCompare(lo[k], ro[k], shape.field(k), [...at, { field: k }], out);
    }
  } else {
    compareLists(l, r, shape, at, out);
  }
  if (at.length && l === undefined) out.added.insert(at);
  else if (at.length && r === undefined) out.removed.insert(at);
}

interface Indexed {
  pe: PathElement;
  items: Json[];
}

function indexList(shape: Shape, list: Json, at: Path, into: Map<string, Indexed>): void {
  if (!Array.isArray(list)) return;
  const pes = elements(shape, list, at);
  list.forEach((item, i) => {
    const k = peKey(pes[i]);
    const e = into.get(k);
    if (e) e.items.push(item);
    else into.set(k, { pe: pes[i], items: [item] });
  });
}

function compareLists(l: Json, r: Json, shape: Shape, at: Path, out: Comparison): void {
  const lIdx = new Map<string, Indexed>();
  const rIdx = new Map<string, Indexed>();
  indexList(shape, l, at, lIdx);
  indexList(shape, r, at, rIdx);
  const keys = new Set([...lIdx.keys(), ...rIdx.keys()]);
  const items = shape.items();
  for (const k of keys) {
    const le = lIdx.get(k), re = rIdx.get(k);
    const pe = (le ?? re)!.pe;
    const ll = le?.items ?? [], rl = re?.items ?? [];
    const p = [...at, pe];
    if (ll.length <= 1 && rl.length <= 1) walkCompare(ll[0], rl[0], items, p, out);
    else if (ll.length >= 2 && rl.length >= 2) {
      if (!deepEqual(ll, rl)) out.modified.insert(p);
    } else if (ll.length >= 2) {
      if (rl.length) walkCompare(undefined, rl[0], items, p, out);
      out.removed.insert(p);
    } else {
      if (ll.length) walkCompare(ll[0], undefined, items, p, out);
      out.added.insert(p);
    }
  }
}

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

/**
 * `set` plus, as members, every struct field that has members below it: owning `.spec.replicas`
 * also claims `.spec`, while owning a label does not claim a list item above it.
 */
export function ensureNamedFieldsAreMembers(set: FieldSet, shape: Shape): FieldSet {
  const out = set.clone();
  const walk = (node: FieldSet, s: Shape, at: Path) => {
    for (const { pe, set: child } of node.children) {
      if (child.isEmpty()) continue;
      let childShape: Shape;
      if ("field" in pe) {
        if (s.kind !== "list" && s.isField(pe.field)) out.insert([...at, pe]);
        childShape = s.field(pe.field);
      } else {
        childShape = s.items();
      }
      walk(child, childShape, [...at, pe]);
    }
  };
  walk(set, shape, []);
  return out;
}

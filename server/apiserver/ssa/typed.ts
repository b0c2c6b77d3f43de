/**
 * Walks over JSON values guided by a {@link Shape}: validation, the field set of a value, and the
 * comparison of two values (added, modified and removed fields). Merging is in `merge.ts`.
 *
 * @module
 */
import { deepEqual, isJsonObject } from "../../../kube/meta.ts";
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

export type Category = "leaf" | "object" | "list";

/** How one value is walked: as a leaf, or field by field, or item by item. */
export function category(shape: Shape, v: Json): Category {
  if (Array.isArray(v)) {
    return shape.kind === "list" && shape.listType !== "atomic" ? "list" : "leaf";
  }
  if (isJsonObject(v)) {
    return (shape.kind === "struct" || shape.kind === "map") && !shape.atomic ? "object" : "leaf";
  }
  return "leaf";
}

/** Absent, null, `[]` or `{}`. */
export function isEmptyContainer(v: Json): boolean {
  if (v === undefined || v === null) return true;
  if (Array.isArray(v)) return v.length === 0;
  return isJsonObject(v) && Object.keys(v).length === 0;
}

/**
 * How a pair of values is walked: as one leaf, or granularly. `null` takes the other side's form;
 * two empty containers are a leaf (so `{}` and `[]` stay distinct from absent).
 */
export function pairCategory(shape: Shape, l: Json, r: Json): Category {
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

/** The path elements of a list's items. */
export function elements(shape: Shape, list: Json[], at: Path): PathElement[] {
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

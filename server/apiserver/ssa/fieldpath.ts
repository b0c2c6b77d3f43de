/**
 * Field paths and field sets, as structured-merge-diff defines them, with the `FieldsV1` wire
 * form of `metadata.managedFields[].fieldsV1`: `f:<name>` for a field, `k:{"name":"x"}` for a
 * list-map item by its keys, `v:<json>` for a set item, `i:<n>` for a list position, and `.`
 * when a node with children is itself a member.
 *
 * @module
 */
import { compareStrings } from "../../../kube/order.ts";

/** A JSON value as the walkers see it. */
export type Json = unknown;

/** One step of a path. */
export type PathElement =
  | { readonly field: string }
  | { readonly key: readonly (readonly [string, Json])[] }
  | { readonly value: Json }
  | { readonly index: number };

export type Path = readonly PathElement[];

/** Thrown for a `fieldsV1` document that cannot be read. */
export class FieldsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "FieldsError";
  }
}

/** JSON with object keys sorted, as Go's encoder writes maps. */
export function canonicalJson(v: Json): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(",")}]`;
  if (typeof v === "object" && v !== null) {
    const o = v as Record<string, Json>;
    const keys = Object.keys(o).filter((k) => o[k] !== undefined).sort(compareStrings);
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(",")}}`;
  }
  return JSON.stringify(v ?? null);
}

/** The `fieldsV1` key of a path element; it is also the element's identity. */
export function peKey(pe: PathElement): string {
  if ("field" in pe) return `f:${pe.field}`;
  if ("key" in pe) {
    return `k:{${pe.key.map(([n, v]) => `${JSON.stringify(n)}:${canonicalJson(v)}`).join(",")}}`;
  }
  if ("value" in pe) return `v:${canonicalJson(pe.value)}`;
  return `i:${pe.index}`;
}

/** A key element from name/value pairs, sorted by name. */
export function keyElement(pairs: [string, Json][]): PathElement {
  return { key: [...pairs].sort((a, b) => compareStrings(a[0], b[0])) };
}

/** Parses a `fieldsV1` key; null for a kind this version does not know (ignored, as upstream). */
export function parsePathElement(s: string): PathElement | null {
  if (s.length < 2) throw new FieldsError(`key must be 2 characters long: ${s}`);
  if (s[1] !== ":") throw new FieldsError(`missing colon: ${s}`);
  const rest = s.slice(2);
  switch (s[0]) {
    case "f":
      return { field: rest };
    case "v":
      return { value: parseJson(rest, s) };
    case "k": {
      const obj = parseJson(rest, s);
      if (typeof obj !== "object" || obj === null || Array.isArray(obj)) {
        throw new FieldsError(`parsing key as path element: expected an object in ${s}`);
      }
      return keyElement(Object.entries(obj as Record<string, Json>));
    }
    case "i": {
      if (!/^-?\d+$/.test(rest)) throw new FieldsError(`invalid index in ${s}`);
      return { index: Number(rest) };
    }
    default:
      return null;
  }
}

function parseJson(text: string, whole: string): Json {
  try {
    return JSON.parse(text);
  } catch {
    throw new FieldsError(`parsing key as path element: invalid JSON in ${whole}`);
  }
}

function rank(v: Json): number {
  if (typeof v === "number") return 0;
  if (typeof v === "string") return 1;
  if (typeof v === "boolean") return 2;
  if (Array.isArray(v)) return 3;
  if (typeof v === "object" && v !== null) return 4;
  return 5;
}

/** Structured-merge-diff's total order of values: numbers, strings, booleans, lists, maps, null. */
export function compareValues(a: Json, b: Json): number {
  const ra = rank(a), rb = rank(b);
  if (ra !== rb) return ra - rb;
  if (ra === 0) return Math.sign((a as number) - (b as number));
  if (ra === 1) return compareStrings(a as string, b as string);
  if (ra === 2) return Number(a) - Number(b);
  if (ra === 3 || ra === 4) return compareStrings(canonicalJson(a), canonicalJson(b));
  return 0;
}

function peRank(pe: PathElement): number {
  return "field" in pe ? 0 : "key" in pe ? 1 : "value" in pe ? 2 : 3;
}

/** The order members and children are written in: fields, keys, values, then indices. */
export function comparePE(a: PathElement, b: PathElement): number {
  const ra = peRank(a), rb = peRank(b);
  if (ra !== rb) return ra - rb;
  if ("field" in a) return compareStrings(a.field, (b as { field: string }).field);
  if ("key" in a) {
    const bk = (b as { key: readonly (readonly [string, Json])[] }).key;
    for (let i = 0;; i++) {
      if (i >= a.key.length || i >= bk.length) return a.key.length - bk.length;
      const c = compareStrings(a.key[i][0], bk[i][0]) || compareValues(a.key[i][1], bk[i][1]);
      if (c) return c;
    }
  }
  if ("value" in a) return compareValues(a.value, (b as { value: Json }).value);
  return a.index - (b as { index: number }).index;
}

function valueString(v: Json): string {
  if (typeof v === "string") return JSON.stringify(v);
  if (v === null || v === undefined) return "null";
  if (typeof v === "object") return canonicalJson(v);
  return String(v);
}

/** A path as upstream prints it: `.spec.containers[name="nginx"].image`. */
export function formatPath(path: Path): string {
  return path.map((pe) => {
    if ("field" in pe) return `.${pe.field}`;
    if ("key" in pe) return `[${pe.key.map(([n, v]) => `${n}=${valueString(v)}`).join(",")}]`;
    if ("value" in pe) return `[=${valueString(pe.value)}]`;
    return `[${pe.index}]`;
  }).join("");
}

interface Node {
  pe: PathElement;
  set: FieldSet;
}

/** A set of paths, stored as a tree: the members of this level and the subtrees below it. */
export class FieldSet {
  #members = new Map<string, PathElement>();
  #children = new Map<string, Node>();

  /** A set holding the given paths. */
  static of(...paths: Path[]): FieldSet {
    const s = new FieldSet();
    for (const p of paths) s.insert(p);
    return s;
  }

  insert(path: Path): void {
    if (path.length === 0) return;
    if (path.length === 1) this.#members.set(peKey(path[0]), path[0]);
    else this.#descend(path[0]).insert(path.slice(1));
  }

  #descend(pe: PathElement): FieldSet {
    const k = peKey(pe);
    let n = this.#children.get(k);
    if (!n) {
      n = { pe, set: new FieldSet() };
      this.#children.set(k, n);
    }
    return n.set;
  }

  has(path: Path): boolean {
    if (path.length === 0) return false;
    if (path.length === 1) return this.#members.has(peKey(path[0]));
    return this.child(path[0])?.has(path.slice(1)) ?? false;
  }

  /** True when `pe` is a member at this level. */
  hasMember(pe: PathElement): boolean {
    return this.#members.has(peKey(pe));
  }

  /** The subtree under `pe` (paths below it, without `pe` itself). */
  child(pe: PathElement): FieldSet | undefined {
    return this.#children.get(peKey(pe))?.set;
  }

  isEmpty(): boolean {
    if (this.#members.size) return false;
    for (const n of this.#children.values()) if (!n.set.isEmpty()) return false;
    return true;
  }

  /** Member elements and child subtrees of this level, for walkers. */
  get members(): Iterable<PathElement> {
    return this.#members.values();
  }

  get children(): Iterable<Node> {
    return this.#children.values();
  }

  union(other: FieldSet): FieldSet {
    const out = this.clone();
    out.#addAll(other);
    return out;
  }

  #addAll(other: FieldSet): void {
    for (const [k, pe] of other.#members) this.#members.set(k, pe);
    for (const n of other.#children.values()) this.#descend(n.pe).#addAll(n.set);
  }

  /** Members of this set that are not members of `other`, level by level. */
  difference(other: FieldSet): FieldSet {
    const out = new FieldSet();
    for (const [k, pe] of this.#members) if (!other.#members.has(k)) out.#members.set(k, pe);
    for (const [k, n] of this.#children) {
      const o = other.#children.get(k);
      const set = o ? n.set.difference(o.set) : n.set.clone();
      if (!set.isEmpty()) out.#children.set(k, { pe: n.pe, set });
    }
    return out;
  }

  /** Like {@link difference}, also dropping everything below a member of `other`. */
  recursiveDifference(other: FieldSet): FieldSet {
    const out = new FieldSet();
    for (const [k, pe] of this.#members) if (!other.#members.has(k)) out.#members.set(k, pe);
    for (const [k, n] of this.#children) {
      if (other.#members.has(k)) continue;
      const o = other.#children.get(k);
      const set = o ? n.set.recursiveDifference(o.set) : n.set.clone();
      if (!set.isEmpty()) out.#children.set(k, { pe: n.pe, set });
    }
    return out;
  }

  intersection(other: FieldSet): FieldSet {
    const out = new FieldSet();
    for (const [k, pe] of this.#members) if (other.#members.has(k)) out.#members.set(k, pe);
    for (const [k, n] of this.#children) {
      const o = other.#children.get(k);
      if (!o) continue;
      const set = n.set.intersection(o.set);
      if (!set.isEmpty()) out.#children.set(k, { pe: n.pe, set });
    }
    return out;
  }

  /** Only the paths under `prefix` (kept at their full depth). */
  withPrefix(prefix: Path): FieldSet {
    const out = new FieldSet();
    const src = prefix.reduce<FieldSet | undefined>((s, pe) => s?.child(pe), this);
    if (!src || src.isEmpty()) return out;
    let dst: FieldSet = out;
    for (const pe of prefix) dst = dst.#descend(pe);
    dst.#addAll(src);
    return out;
  }

  clone(): FieldSet {
    const out = new FieldSet();
    out.#addAll(this);
    return out;
  }

  equals(other: FieldSet): boolean {
    return JSON.stringify(this.toJSON()) === JSON.stringify(other.toJSON());
  }

  /** Every member path, in serialization order. */
  paths(): Path[] {
    const out: Path[] = [];
    this.#collect([], out);
    return out;
  }

  #collect(prefix: PathElement[], out: Path[]): void {
    for (const { pe, member, node } of this.#sorted()) {
      if (member) out.push([...prefix, pe]);
      if (node) node.set.#collect([...prefix, pe], out);
    }
  }

  #sorted(): { pe: PathElement; member: boolean; node?: Node }[] {
    const all = new Map<string, { pe: PathElement; member: boolean; node?: Node }>();
    for (const [k, pe] of this.#members) all.set(k, { pe, member: true });
    for (const [k, node] of this.#children) {
      if (node.set.isEmpty()) continue;
      const e = all.get(k);
      if (e) e.node = node;
      else all.set(k, { pe: node.pe, member: false, node });
    }
    return [...all.values()].sort((a, b) => comparePE(a.pe, b.pe));
  }

  /** The `fieldsV1` form, keys in upstream's order. */
  toJSON(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const { pe, member, node } of this.#sorted()) {
      if (!node) {
        out[peKey(pe)] = {};
        continue;
      }
      const inner = node.set.toJSON();
      out[peKey(pe)] = member ? { ".": {}, ...inner } : inner;
    }
    return out;
  }

  /** Reads a `fieldsV1` object; unknown element kinds are dropped, as upstream does. */
  static fromJSON(doc: unknown): FieldSet {
    if (typeof doc !== "object" || doc === null || Array.isArray(doc)) {
      throw new FieldsError("fieldsV1 must be a JSON object");
    }
    const out = new FieldSet();
    out.#read(doc as Record<string, unknown>);
    return out;
  }

  #read(doc: Record<string, unknown>): void {
    for (const [k, v] of Object.entries(doc)) {
      if (k === ".") continue;
      const pe = parsePathElement(k);
      if (!pe) continue;
      if (typeof v !== "object" || v === null || Array.isArray(v)) {
        throw new FieldsError(`expected an object for ${k}`);
      }
      const inner = v as Record<string, unknown>;
      const child = new FieldSet();
      child.#read(inner);
      // A node without readable children is a member, as is one marked with ".".
      if (child.isEmpty() || Object.hasOwn(inner, ".")) this.#members.set(peKey(pe), pe);
      if (!child.isEmpty()) this.#children.set(peKey(pe), { pe, set: child });
    }
  }
}

/** Shorthand for tests and data: `path("spec", "replicas")`, objects become key elements. */
export function path(...parts: (string | number | Record<string, Json> | { v: Json })[]): Path {
  return parts.map((p): PathElement => {
    if (typeof p === "string") return { field: p };
    if (typeof p === "number") return { index: p };
    if ("v" in p && Object.keys(p).length === 1) return { value: p.v };
    return keyElement(Object.entries(p));
  });
}

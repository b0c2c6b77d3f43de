/**
 * The shape of an object as server-side apply sees it: which values are structs (fields of their
 * own), maps (entries), lists (atomic, sets, or maps keyed by fields of their items), scalars, and
 * which structs, maps or lists are atomic (owned and replaced as a whole).
 *
 * Built-in kinds take their shape from the strategic merge metadata of `kube/patch/patch_meta.ts`
 * (a list merged by key is a list map, a merged list without key a set, other lists atomic) plus
 * {@link SSA_FIELDS}. Objects of unknown types are granular structs whose lists are atomic.
 * Custom resources can give an OpenAPI v3 schema ({@link openAPIShape}).
 *
 * @module
 */
import { kindType, lookupField } from "../../../kube/patch/patch_meta.ts";
import type { Json } from "./fieldpath.ts";
import { type FieldSpec, SSA_FIELDS } from "./schema_data.ts";

export type ListType = "atomic" | "set" | "map";

/** The schema of one value. */
export interface Shape {
  /** "struct" has named fields, "map" only entries; both hold objects. */
  readonly kind: "struct" | "map" | "list" | "scalar";
  /** Replaced and owned as a whole (atomic struct or map; for lists see `listType`). */
  readonly atomic: boolean;
  readonly listType: ListType;
  readonly keys: readonly string[];
  readonly keyDefaults: Readonly<Record<string, Json>>;
  /** The shape of a field or map entry. */
  field(name: string): Shape;
  /** Whether `name` is a declared field (struct fields are; map entries are not). */
  isField(name: string): boolean;
  /** The shape of each list item. */
  items(): Shape;
}

const NO_KEYS: readonly string[] = [];
const NO_DEFAULTS: Readonly<Record<string, Json>> = {};

class BasicShape implements Shape {
  readonly listType: ListType = "atomic";
  readonly keys = NO_KEYS;
  readonly keyDefaults = NO_DEFAULTS;
  constructor(
    readonly kind: "struct" | "map" | "scalar",
    readonly atomic: boolean,
    readonly fieldsAreDeclared: boolean,
  ) {}
  field(): Shape {
    return this.kind === "map" ? DEDUCED : LOOSE;
  }
  isField(): boolean {
    return this.fieldsAreDeclared;
  }
  items(): Shape {
    return this.kind === "map" ? DEDUCED : LOOSE;
  }
}

/** Any value of a type we know nothing about: objects are granular structs, lists atomic. */
export const LOOSE: Shape = new BasicShape("struct", false, true);
/** A value replaced as a whole. */
export const ATOMIC: Shape = new BasicShape("struct", true, true);
/** A scalar. */
export const SCALAR: Shape = new BasicShape("scalar", true, false);
/** Upstream's deduced type (schemaless values): objects are maps of entries, lists atomic. */
export const DEDUCED: Shape = new BasicShape("map", false, false);

class ListShape implements Shape {
  readonly kind = "list";
  readonly atomic = false;
  constructor(
    readonly listType: ListType,
    readonly keys: readonly string[],
    readonly keyDefaults: Readonly<Record<string, Json>>,
    readonly item: () => Shape,
  ) {}
  field(): Shape {
    return LOOSE;
  }
  isField(): boolean {
    return false;
  }
  items(): Shape {
    return this.item();
  }
}

/** A struct whose fields are looked up by name (built-in types, OpenAPI properties). */
class StructShape implements Shape {
  readonly kind: "struct" | "map";
  readonly listType: ListType = "atomic";
  readonly keys = NO_KEYS;
  readonly keyDefaults = NO_DEFAULTS;
  #cache = new Map<string, Shape>();
  constructor(
    readonly atomic: boolean,
    readonly lookup: (name: string) => Shape | undefined,
    readonly declared: (name: string) => boolean,
    readonly elements: () => Shape,
    isMap = false,
  ) {
    this.kind = isMap ? "map" : "struct";
  }
  field(name: string): Shape {
    let s = this.#cache.get(name);
    if (!s) {
      s = this.lookup(name) ?? this.elements();
      this.#cache.set(name, s);
    }
    return s;
  }
  isField(name: string): boolean {
    return this.declared(name);
  }
  items(): Shape {
    return LOOSE;
  }
}

const builtins = new Map<string, Shape>();

/** The shape of a built-in struct type (`io.k8s.api.core.v1.PodSpec`). */
export function builtinShape(type: string): Shape {
  let s = builtins.get(type);
  if (!s) {
    s = new StructShape(false, (name) => builtinField(type, name), () => true, () => LOOSE);
    builtins.set(type, s);
  }
  return s;
}

function fieldSpec(type: string, name: string): FieldSpec | undefined {
  const tags = lookupField(type, name);
  const extra = Object.hasOwn(SSA_FIELDS, type) && Object.hasOwn(SSA_FIELDS[type], name)
    ? SSA_FIELDS[type][name]
    : undefined;
  if (!tags && !extra) return undefined;
  const spec: { -readonly [K in keyof FieldSpec]: FieldSpec[K] } = {};
  if (tags?.type) spec.type = tags.type;
  const strategy = tags?.strategy ?? "";
  if (strategy.split(",").includes("merge")) {
    spec.list = tags?.mergeKey ? "map" : "set";
    if (tags?.mergeKey) spec.keys = [tags.mergeKey];
  }
  return { ...spec, ...extra };
}

function builtinField(type: string, name: string): Shape | undefined {
  const spec = fieldSpec(type, name);
  if (!spec) return undefined;
  const valueShape = spec.type ? builtinShape(spec.type) : LOOSE;
  if (spec.list) {
    const item = spec.itemAtomic ? ATOMIC : valueShape;
    return new ListShape(
      spec.list,
      spec.keys ?? NO_KEYS,
      spec.keyDefaults ?? NO_DEFAULTS,
      () => item,
    );
  }
  if (spec.atomic) return ATOMIC;
  if (spec.itemAtomic) return new ListShape("atomic", NO_KEYS, NO_DEFAULTS, () => ATOMIC);
  return valueShape;
}

/**
 * The shape of objects of a kind, from `apiVersion` and `kind`: the built-in type's, else
 * {@link LOOSE}.
 */
export function shapeForKind(apiVersion: string, kind: string): Shape {
  const type = kindType(`${apiVersion}/${kind}`);
  return type ? builtinShape(type) : LOOSE;
}

/** An OpenAPI v3 schema object, as far as server-side apply reads it. */
export interface OpenAPISchema {
  type?: string;
  $ref?: string;
  allOf?: OpenAPISchema[];
  properties?: Record<string, OpenAPISchema>;
  additionalProperties?: OpenAPISchema | boolean;
  items?: OpenAPISchema;
  default?: unknown;
  "x-kubernetes-list-type"?: string;
  "x-kubernetes-list-map-keys"?: string[];
  "x-kubernetes-map-type"?: string;
  "x-kubernetes-preserve-unknown-fields"?: boolean;
  "x-kubernetes-int-or-string"?: boolean;
}

/**
 * The shape an OpenAPI v3 schema describes: `properties` are fields, `additionalProperties` map
 * entries, arrays follow `x-kubernetes-list-type` (atomic when absent) and
 * `x-kubernetes-list-map-keys` (key defaults from the item properties' `default`), and
 * `x-kubernetes-map-type: atomic` makes an object atomic. `resolve` looks up `$ref`s.
 */
export function openAPIShape(
  schema: OpenAPISchema,
  resolve: (ref: string) => OpenAPISchema | undefined = () => undefined,
): Shape {
  const seen = new Map<OpenAPISchema, Shape>();
  const deref = (s: OpenAPISchema): OpenAPISchema => {
    for (let i = 0; i < 32; i++) {
      if (s.$ref) s = resolve(s.$ref) ?? {};
      else if (!s.type && !s.properties && s.allOf?.length === 1) s = s.allOf[0];
      else break;
    }
    return s;
  };
  const build = (raw: OpenAPISchema): Shape => {
    const s = deref(raw);
    const known = seen.get(s);
    if (known) return known;
    if (s["x-kubernetes-int-or-string"]) return SCALAR;
    if (s.type === "array" || s.items) {
      const item = s.items ? deref(s.items) : {};
      const listType = (s["x-kubernetes-list-type"] ?? "atomic") as ListType;
      const keys = listType === "map" ? s["x-kubernetes-list-map-keys"] ?? NO_KEYS : NO_KEYS;
      const defaults: Record<string, Json> = {};
      for (const k of keys) {
        const d = item.properties?.[k]?.default;
        if (d !== undefined) defaults[k] = d;
      }
      const items = s.items;
      let built: Shape | undefined;
      const shape = new ListShape(
        listType,
        keys,
        defaults,
        () => (built ??= items ? build(items) : LOOSE),
      );
      seen.set(s, shape);
      return shape;
    }
    const isObject = s.type === "object" || !!s.properties || s.additionalProperties !== undefined;
    if (!isObject) return s.type ? SCALAR : LOOSE;
    const atomic = s["x-kubernetes-map-type"] === "atomic";
    const props = s.properties ?? {};
    const extra = typeof s.additionalProperties === "object" ? s.additionalProperties : undefined;
    if (!s.properties && !extra && s["x-kubernetes-preserve-unknown-fields"]) {
      return atomic ? ATOMIC : DEDUCED;
    }
    const fallback = s["x-kubernetes-preserve-unknown-fields"] ? DEDUCED : LOOSE;
    const shape = new StructShape(
      atomic,
      (name) => (Object.hasOwn(props, name) ? build(props[name]) : undefined),
      (name) => Object.hasOwn(props, name),
      () => (extra ? build(extra) : fallback),
      !s.properties && !!extra,
    );
    seen.set(s, shape);
    return shape;
  };
  return build(schema);
}

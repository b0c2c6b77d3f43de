/**
 * The shape of an object as server-side apply sees it: which values are structs (fields of their
 * own), maps (entries), lists (atomic, sets, or maps keyed by fields of their items), scalars, and
 * which structs, maps or lists are atomic (owned and replaced as a whole).
 *
 * Built-in kinds take their shape from the OpenAPI type registry (`../openapi/`) with its
 * `x-kubernetes-list-type`, `x-kubernetes-list-map-keys` and `x-kubernetes-map-type`. Custom
 * resources can give their OpenAPI v3 schema ({@link openAPIShape}); objects of unknown types are
 * granular structs whose lists are atomic.
 *
 * @module
 */
import { builtinTypes } from "../openapi/models.ts";
import { definitionSchema } from "../openapi/schema.ts";
import type { Json } from "./fieldpath.ts";

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

const BUILTIN_REF = "#/components/schemas/";

/**
 * Defaults of list-map key fields, which the type registry does not carry (upstream's OpenAPI
 * has them as `default` of the key property).
 */
const KEY_DEFAULTS: Readonly<Record<string, Readonly<Record<string, Json>>>> = {
  "io.k8s.api.core.v1.ContainerPort": { protocol: "TCP" },
  "io.k8s.api.core.v1.ServicePort": { protocol: "TCP" },
};

function builtinSchema(ref: string): OpenAPISchema | undefined {
  if (!ref.startsWith(BUILTIN_REF)) return undefined;
  const name = ref.slice(BUILTIN_REF.length);
  const model = builtinTypes().get(name);
  if (!model) return undefined;
  const schema = definitionSchema(name, model, "v3") as OpenAPISchema;
  const defaults = Object.hasOwn(KEY_DEFAULTS, name) ? KEY_DEFAULTS[name] : undefined;
  if (defaults && schema.properties) {
    const properties = { ...schema.properties };
    for (const [k, v] of Object.entries(defaults)) properties[k] = { ...properties[k], default: v };
    schema.properties = properties;
  }
  return schema;
}

// Shapes are immutable and built lazily; one per built-in definition is kept.
const builtins = new Map<string, Shape>();

/** The shape of a built-in definition (`io.k8s.api.core.v1.PodSpec`), from the type registry. */
export function builtinShape(definition: string): Shape {
  let s = builtins.get(definition);
  if (!s) {
    s = builtinTypes().get(definition)
      ? openAPIShape({ $ref: BUILTIN_REF + definition }, builtinSchema)
      : LOOSE;
    builtins.set(definition, s);
  }
  return s;
}

/**
 * The shape of objects of a kind, from `apiVersion` and `kind`: the built-in definition's, else
 * {@link LOOSE} (custom resources until their schema is given).
 */
export function shapeForKind(apiVersion: string, kind: string): Shape {
  const slash = apiVersion.indexOf("/");
  const group = slash < 0 ? "" : apiVersion.slice(0, slash);
  const version = apiVersion.slice(slash + 1);
  const definition = builtinTypes().kindDefinition(group, version, kind);
  return definition ? builtinShape(definition) : LOOSE;
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
  const refs = new Map<string, OpenAPISchema>();
  const deref = (s: OpenAPISchema): OpenAPISchema => {
    // A reference may carry its own map type (a granular use of an atomic struct).
    const mapType = s["x-kubernetes-map-type"];
    for (let i = 0; i < 32; i++) {
      if (s.$ref) {
        const ref = s.$ref;
        if (!refs.has(ref)) refs.set(ref, resolve(ref) ?? {});
        s = refs.get(ref)!;
      } else if (!s.type && !s.properties && s.allOf?.length === 1) s = s.allOf[0];
      else break;
    }
    return mapType && mapType !== s["x-kubernetes-map-type"]
      ? { ...s, "x-kubernetes-map-type": mapType }
      : s;
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

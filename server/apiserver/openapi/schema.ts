/**
 * Turns the type registry into OpenAPI schema objects: Swagger 2.0 `definitions` (`$ref` beside
 * a description) and OpenAPI 3.0 `components.schemas` (`allOf: [{$ref}]` when the reference
 * carries a description, as upstream writes them), with the Kubernetes extensions.
 *
 * @module
 */
import { definitionMapType, propertyExtensions } from "./extensions.ts";
import { type Model, parseType, type TypeRegistry } from "./models.ts";

/** Swagger 2.0 or OpenAPI 3.0. */
export type Flavor = "v2" | "v3";

/** A JSON schema object. */
export type Schema = Record<string, unknown>;

/** A group/version/kind as the `x-kubernetes-group-version-kind` extension lists it. */
export interface Gvk {
  group: string;
  version: string;
  kind: string;
}

/** `#/definitions/X` or `#/components/schemas/X`. */
export function refTo(name: string, flavor: Flavor): Schema {
  return { $ref: flavor === "v2" ? `#/definitions/${name}` : `#/components/schemas/${name}` };
}

const PRIMITIVES: Record<string, Schema> = {
  string: { type: "string" },
  boolean: { type: "boolean" },
  int32: { type: "integer", format: "int32" },
  int64: { type: "integer", format: "int64" },
  double: { type: "number", format: "double" },
  byte: { type: "string", format: "byte" },
  J: {},
};

/** The schema of a type expression, without description. */
export function typeSchema(type: string, flavor: Flavor): Schema {
  if (Object.hasOwn(PRIMITIVES, type)) return { ...PRIMITIVES[type] };
  const t = parseType(type);
  if (t.list !== undefined) return { type: "array", items: typeSchema(t.list, flavor) };
  if (t.map !== undefined) {
    return { type: "object", additionalProperties: typeSchema(t.map, flavor) };
  }
  return refTo(type, flavor);
}

function propertySchema(
  owner: string,
  name: string,
  [type, description]: [string] | [string, string],
  flavor: Flavor,
): Schema {
  let out = typeSchema(type, flavor);
  if (description !== undefined) {
    out = flavor === "v3" && out.$ref ? { allOf: [out], description } : { ...out, description };
  }
  return { ...out, ...propertyExtensions(owner, name, type.startsWith("[]")) };
}

function scalarSchema(model: Model, flavor: Flavor): Schema {
  const d = model.d === undefined ? {} : { description: model.d };
  switch (model.t) {
    case "Q":
      return flavor === "v3"
        ? { ...d, oneOf: [{ type: "string" }, { type: "number" }] }
        : { ...d, type: "string" };
    case "I":
      return flavor === "v3"
        ? {
          ...d,
          format: "int-or-string",
          oneOf: [{ type: "integer" }, { type: "string" }],
          "x-kubernetes-int-or-string": true,
        }
        : { ...d, format: "int-or-string", type: "string" };
    case "T":
    case "M":
      return { ...d, format: "date-time", type: "string" };
    case "O":
    case "E":
      return { ...d, type: "object" };
    default:
      return d;
  }
}

/** The schema of one definition, with its kinds listed when it is a served kind. */
export function definitionSchema(
  name: string,
  model: Model,
  flavor: Flavor,
  gvks?: Gvk[],
): Schema {
  if (model.t) return scalarSchema(model, flavor);
  const out: Schema = {};
  if (model.d !== undefined) out.description = model.d;
  const names = Object.keys(model.p).sort();
  if (names.length) {
    const properties: Record<string, Schema> = {};
    for (const p of names) properties[p] = propertySchema(name, p, model.p[p], flavor);
    out.properties = properties;
  }
  if (model.r?.length) out.required = model.r;
  out.type = "object";
  if (gvks?.length) out["x-kubernetes-group-version-kind"] = gvks;
  const mapType = definitionMapType(name);
  if (mapType) out["x-kubernetes-map-type"] = mapType;
  return out;
}

/** Definition names referenced by a type expression. */
function refsOfType(type: string, into: string[]): void {
  const t = parseType(type);
  if (t.list !== undefined) refsOfType(t.list, into);
  else if (t.map !== undefined) refsOfType(t.map, into);
  else if (!Object.hasOwn(PRIMITIVES, type)) into.push(type);
}

/** Every built-in definition reachable from `roots`, roots included, sorted. */
export function closure(types: TypeRegistry, roots: Iterable<string>): string[] {
  const seen = new Set<string>();
  const queue = [...roots];
  while (queue.length) {
    const name = queue.pop()!;
    if (seen.has(name)) continue;
    const model = types.get(name);
    if (!model) continue;
    seen.add(name);
    const refs: string[] = [];
    for (const [type] of Object.values(model.p)) refsOfType(type, refs);
    for (const r of refs) if (!seen.has(r)) queue.push(r);
  }
  return [...seen].sort();
}

/**
 * The type registry of built-in Kubernetes types: every stable definition with its description,
 * properties and required fields, decoded on first use from the generated module (see
 * `scripts/gen_openapi.ts`). Type names are upstream's definition names
 * (`io.k8s.api.core.v1.PodSpec`).
 *
 * A property type is a small expression: `string`, `boolean`, `int32`, `int64`, `double`, `byte`,
 * `J` (any JSON value), `[]T` (list), `{}T` (map of string to T), or a definition name.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { brotliDecompressSync } from "node:zlib";
import { MODELS } from "./generated/models.ts";

/**
 * How a hand-written type is represented: `Q` Quantity, `I` IntOrString, `T` Time, `M` MicroTime,
 * `O` any JSON object, `J` any JSON value, `E` an empty object.
 */
export type ScalarKind = "Q" | "I" | "T" | "M" | "O" | "J" | "E";

/** One definition as generated: description, scalar kind, properties, required names. */
export interface Model {
  d?: string;
  t?: ScalarKind;
  /** Property name to `[type, description?]`. */
  p: Record<string, [string] | [string, string]>;
  r?: string[];
}

/** The decoded registry: definitions by name, and each API group's Go package. */
export class TypeRegistry {
  readonly #defs: Record<string, Model>;
  readonly #groups: Record<string, string>;

  constructor(data: { definitions: Record<string, Model>; groups: Record<string, string> }) {
    this.#defs = data.definitions;
    this.#groups = data.groups;
  }

  /** The definition called `name`, if built in. */
  get(name: string): Model | undefined {
    return Object.hasOwn(this.#defs, name) ? this.#defs[name] : undefined;
  }

  /** Every definition name. */
  names(): string[] {
    return Object.keys(this.#defs);
  }

  /** The definition name of a built-in kind (`apps`, `v1`, `Deployment`), if there is one. */
  kindDefinition(group: string, version: string, kind: string): string | undefined {
    const pkg = Object.hasOwn(this.#groups, group) ? this.#groups[group] : undefined;
    if (pkg === undefined) return undefined;
    const name = `${pkg}.${version}.${kind}`;
    return this.get(name) ? name : undefined;
  }
}

/** Decodes the generated module's data (brotli JSON in base64). */
export function decodeTypes(base64: string = MODELS): TypeRegistry {
  const json = brotliDecompressSync(Buffer.from(base64, "base64")).toString("utf8");
  return new TypeRegistry(JSON.parse(json));
}

let lean: TypeRegistry | undefined;

/**
 * The built-in registry without descriptions, decoded on first call and kept (it is immutable):
 * what field validation and server-side apply use. Descriptions are a good part of the decoded
 * registry (0.7 of 1.3 MB), and only the OpenAPI documents show them ({@linkcode describedTypes}).
 */
export function builtinTypes(): TypeRegistry {
  lean ??= withoutDescriptions(decodeTypes());
  return lean;
}

let described: WeakRef<TypeRegistry> | undefined;

/**
 * The built-in registry with descriptions, for building OpenAPI documents: decoded when asked for
 * and held only while something uses it.
 */
export function describedTypes(): TypeRegistry {
  let types = described?.deref();
  if (!types) {
    types = decodeTypes();
    described = new WeakRef(types);
  }
  return types;
}

function withoutDescriptions(types: TypeRegistry): TypeRegistry {
  for (const name of types.names()) {
    const model = types.get(name)!;
    delete model.d;
    for (const [field, entry] of Object.entries(model.p)) {
      if (entry.length > 1) model.p[field] = [entry[0]];
    }
  }
  return types;
}

/** Splits a type expression: `{ list: T }`, `{ map: T }` or `{ name }`. */
export function parseType(type: string): { list?: string; map?: string; name?: string } {
  if (type.startsWith("[]")) return { list: type.slice(2) };
  if (type.startsWith("{}")) return { map: type.slice(2) };
  return { name: type };
}

/** Whether a type expression is a primitive rather than a definition. */
export function isPrimitive(type: string): boolean {
  return PRIMITIVES.has(type);
}

const PRIMITIVES = new Set(["string", "boolean", "int32", "int64", "double", "byte", "J"]);

/**
 * Unknown-field detection for `?fieldValidation=` (Strict, Warn, Ignore), against the same type
 * registry the OpenAPI documents come from. Built-in kinds are walked through their definitions;
 * custom resources through their OpenAPI v3 schema ({@link unknownFieldsBySchema}).
 *
 * Maps (`{}T`, `additionalProperties`) accept any key and check their values; IntOrString,
 * Quantity, Time, RawExtension, FieldsV1 and JSON values, and schemas with
 * `x-kubernetes-preserve-unknown-fields`, accept anything below them.
 *
 * Upstream decodes a built-in kind into its Go type, so what the type lacks never reaches storage:
 * the same walk drops the unknown fields of a built-in kind ({@link pruneUnknownFields}) unless
 * Strict refuses them. Custom resources are pruned by their structural schema (`../crd/prune.ts`).
 *
 * @module
 */
import { builtinTypes, parseType, type TypeRegistry } from "./models.ts";
import type { Gvk, Schema } from "./schema.ts";
import { jsonDuplicateFields, yamlDuplicateFields } from "../duplicate_fields.ts";

const OBJECT_META = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta";

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** Path of a map value or list item below `path`. */
const child = (path: string, key: string) => `${path}.${key}`;
const index = (path: string, i: number) => `${path}[${i}]`;

/** Collects the paths of unknown fields below `path`, and deletes them when `drop` is set. */
function walkType(
  types: TypeRegistry,
  type: string,
  value: unknown,
  path: string,
  out: Set<string>,
  drop = false,
): void {
  if (value === null || value === undefined) return;
  const t = parseType(type);
  if (t.list !== undefined) {
    if (Array.isArray(value)) {
      value.forEach((v, i) => walkType(types, t.list!, v, index(path, i), out, drop));
    }
    return;
  }
  if (t.map !== undefined) {
    if (isObject(value)) {
      for (const [k, v] of Object.entries(value)) {
        walkType(types, t.map, v, child(path, k), out, drop);
      }
    }
    return;
  }
  const model = types.get(type);
  if (!model || model.t || !isObject(value)) return;
  for (const [k, v] of Object.entries(value)) {
    const prop = Object.hasOwn(model.p, k) ? model.p[k] : undefined;
    if (prop) walkType(types, prop[0], v, child(path, k), out, drop);
    else {
      out.add(child(path, k));
      if (drop) delete value[k];
    }
  }
}

/**
 * The fields of `obj` that the built-in kind `group/version/kind` does not have, as JSON paths
 * (`.spec.foo`, `.spec.template.spec.containers[0].bar`), without duplicates. Empty for kinds the
 * registry does not know.
 */
export function unknownFields(
  obj: unknown,
  group: string,
  version: string,
  kind: string,
  types: TypeRegistry = builtinTypes(),
): string[] {
  return builtinWalk(obj, { group, version, kind }, types, false);
}

/**
 * Deletes from `obj`, in place, the fields the built-in kind `group/version/kind` does not have,
 * as decoding into upstream's Go type does, and returns their paths ({@link unknownFields}).
 * Maps, raw extensions and other free-form values keep everything. Kinds the registry does not
 * know (custom resources) are left alone.
 */
export function pruneUnknownFields(
  obj: unknown,
  group: string,
  version: string,
  kind: string,
  types: TypeRegistry = builtinTypes(),
): string[] {
  return builtinWalk(obj, { group, version, kind }, types, true);
}

function builtinWalk(obj: unknown, gvk: Gvk, types: TypeRegistry, drop: boolean): string[] {
  const definition = types.kindDefinition(gvk.group, gvk.version, gvk.kind);
  if (!definition) return [];
  const out = new Set<string>();
  walkType(types, definition, obj, "", out, drop);
  return [...out];
}

function walkSchema(
  types: TypeRegistry,
  schema: Schema,
  value: unknown,
  path: string,
  out: Set<string>,
): void {
  if (value === null || value === undefined) return;
  if (schema["x-kubernetes-int-or-string"] === true) return;
  const ref = typeof schema.$ref === "string" ? schema.$ref.split("/").pop()! : undefined;
  if (ref) return walkType(types, ref, value, path, out);
  for (const key of ["allOf", "anyOf", "oneOf"]) {
    const subs = schema[key];
    if (Array.isArray(subs)) {
      const merged = mergeProperties(subs as Schema[]);
      if (merged) walkSchema(types, { ...schema, [key]: undefined, ...merged }, value, path, out);
      return;
    }
  }
  if (Array.isArray(value)) {
    if (isObject(schema.items)) {
      value.forEach((v, i) => walkSchema(types, schema.items as Schema, v, index(path, i), out));
    }
    return;
  }
  if (!isObject(value)) return;
  const preserve = schema["x-kubernetes-preserve-unknown-fields"] === true;
  const props = isObject(schema.properties) ? schema.properties as Record<string, Schema> : {};
  const extra = schema.additionalProperties;
  const embedded = schema["x-kubernetes-embedded-resource"] === true;
  for (const [k, v] of Object.entries(value)) {
    const p = Object.hasOwn(props, k) ? props[k] : undefined;
    if (p) walkSchema(types, p, v, child(path, k), out);
    else if (isObject(extra)) walkSchema(types, extra, v, child(path, k), out);
    else if (embedded && k === "metadata") walkType(types, OBJECT_META, v, child(path, k), out);
    else if (embedded && (k === "apiVersion" || k === "kind")) continue;
    else if (!preserve && extra !== true) out.add(child(path, k));
  }
}

/** The properties of all sub-schemas together, or null when they declare none. */
function mergeProperties(subs: Schema[]): Schema | null {
  const properties: Record<string, Schema> = {};
  let any = false;
  for (const s of subs) {
    if (isObject(s.properties)) {
      Object.assign(properties, s.properties);
      any = true;
    }
  }
  return any ? { properties } : null;
}

/**
 * The fields of `obj` that an OpenAPI v3 schema (a custom resource's `openAPIV3Schema`) does not
 * declare. `apiVersion`, `kind` and `metadata` (as ObjectMeta) are allowed at the root.
 */
export function unknownFieldsBySchema(
  obj: unknown,
  schema: Schema,
  types: TypeRegistry = builtinTypes(),
): string[] {
  const out = new Set<string>();
  walkSchema(types, { ...schema, "x-kubernetes-embedded-resource": true }, obj, "", out);
  return [...out];
}

/** Upstream's wording of one unknown field: `unknown field "spec.foo"`. */
export function unknownFieldMessage(path: string): string {
  return `unknown field "${path.replace(/^\./, "")}"`;
}

/** What a write does with unknown fields: the error to fail with, or warnings to add. */
export interface FieldValidationResult {
  /** Set in Strict mode when fields are unknown, or for an invalid mode: a BadRequest message. */
  error?: string;
  /** Warn mode: one `Warning` header each. */
  warnings: string[];
}

const MODES = ["", "Ignore", "Warn", "Strict"];

/** The request body as sent, for duplicate-field detection. */
export interface RawBody {
  text: string;
  yaml: boolean;
  /**
   * A merge patch: its repeated keys are reported first, in document order, then the unknown
   * fields of the patched object in key order, as upstream's patch handler does.
   */
  patch?: boolean;
  /**
   * A JSON patch: its operations' unknown and repeated fields (`json patch unknown field
   * "[0].foo"`) come first, then the patched object's unknown fields in key order.
   */
  jsonPatch?: boolean;
}

/**
 * Applies `?fieldValidation=` to a decoded object: `Strict` fails with upstream's
 * `strict decoding error: unknown field "spec.foo", duplicate field "spec.bar"`, `Warn` (the
 * default) returns one warning per field, `Ignore` checks nothing. Under Warn and Ignore the
 * unknown fields of a built-in kind are deleted from `obj` in place. A custom resource passes its
 * schema and is not pruned here; without a schema, kinds the registry lacks have nothing unknown.
 * With the raw body, keys set twice are found too (JSON: in document order among the unknown
 * ones; YAML: go-yaml's `line N: key "x" already set in map` first).
 */
export function checkFieldValidation(
  mode: string | null | undefined,
  obj: unknown,
  gvk: Gvk,
  schema?: Schema,
  raw?: RawBody,
): FieldValidationResult {
  const m = mode ?? "";
  if (!MODES.includes(m)) {
    return {
      error:
        `fieldValidation: Unsupported value: "${m}": supported values: "Ignore", "Strict", "Warn"`,
      warnings: [],
    };
  }
  if (m === "Ignore") {
    if (!schema) pruneUnknownFields(obj, gvk.group, gvk.version, gvk.kind);
    return { warnings: [] };
  }
  // Strict refuses rather than prunes: the object is left as it came.
  const builtin = m === "Strict" ? unknownFields : pruneUnknownFields;
  const found = schema
    ? unknownFieldsBySchema(obj, schema)
    : builtin(obj, gvk.group, gvk.version, gvk.kind);
  const paths = found.map((p) => p.replace(/^\./, ""));
  if (raw?.yaml) return yamlResult(m, paths, yamlDuplicateFields(raw.text));
  if (raw?.jsonPatch) {
    const unknown = [...paths].sort(byPathSegments).map(unknownFieldMessage);
    return result(m, [...jsonPatchMessages(raw.text), ...unknown]);
  }
  if (raw?.patch) {
    const dups = jsonDuplicateFields(raw.text).map((d) => `duplicate field "${d.path}"`);
    return result(m, [...dups, ...[...paths].sort(byPathSegments).map(unknownFieldMessage)]);
  }
  return result(m, raw ? jsonMessages(paths, raw.text) : paths.map(unknownFieldMessage));
}

function result(mode: string, messages: string[]): FieldValidationResult {
  if (mode === "Strict" && messages.length) {
    return { error: `strict decoding error: ${messages.join(", ")}`, warnings: [] };
  }
  return { warnings: messages };
}

/** Unknown and duplicate fields of a JSON body in the order the decoder meets them. */
function jsonMessages(unknown: string[], text: string): string[] {
  const under = (path: string) =>
    unknown.some((u) => path === u || path.startsWith(u + ".") || path.startsWith(u + "["));
  // A field both unknown and repeated is reported as unknown only, as upstream does for types.
  const dups = jsonDuplicateFields(text).filter((d) => !under(d.path));
  if (!dups.length) return unknown.map(unknownFieldMessage);
  if (!unknown.length) return dups.map((d) => `duplicate field "${d.path}"`);
  const order = new Map<string, number>();
  jsonDuplicateFields(text, order);
  const all = [
    ...unknown.map((p) => ({ at: order.get(p) ?? Infinity, text: unknownFieldMessage(p) })),
    ...dups.map((d) => ({ at: d.at, text: `duplicate field "${d.path}"` })),
  ];
  return all.sort((a, b) => a.at - b.at).map((e) => e.text);
}

/** A YAML body: go-yaml's duplicate-key errors, then the unknown fields in key order. */
function yamlResult(mode: string, unknown: string[], dups: string[]): FieldValidationResult {
  const unknownMessages = [...unknown].sort(byPathSegments).map(unknownFieldMessage);
  if (mode !== "Strict") return { warnings: [...dups, ...unknownMessages] };
  const parts = [...unknownMessages];
  if (dups.length) parts.unshift(`yaml: unmarshal errors:\n  ${dups.join("\n  ")}`);
  return parts.length
    ? { error: `strict decoding error: ${parts.join(", ")}`, warnings: [] }
    : { warnings: [] };
}

/** YAML reaches the strict JSON decoder with sorted keys: order paths segment by segment. */
function byPathSegments(a: string, b: string): number {
  const sa = a.split(/\.|(?=\[)/), sb = b.split(/\.|(?=\[)/);
  for (let i = 0; i < Math.min(sa.length, sb.length); i++) {
    if (sa[i] !== sb[i]) return sa[i] < sb[i] ? -1 : 1;
  }
  return sa.length - sb.length;
}

const PATCH_OP_FIELDS = new Set(["op", "path", "value", "from"]);

/** A JSON patch's operations with fields other than op/path/value/from, or repeated ones. */
function jsonPatchMessages(text: string): string[] {
  let ops: unknown;
  try {
    ops = JSON.parse(text);
  } catch {
    return [];
  }
  if (!Array.isArray(ops)) return [];
  const found: { at: number; text: string }[] = [];
  ops.forEach((op, i) => {
    if (!isObject(op)) return;
    for (const k of Object.keys(op)) {
      if (!PATCH_OP_FIELDS.has(k)) {
        found.push({ at: i, text: `json patch unknown field "[${i}].${k}"` });
      }
    }
  });
  // Only the operations' own fields: repeats inside a value are not reported, as upstream.
  for (const d of jsonDuplicateFields(text)) {
    const m = /^\[(\d+)\]\.[^.[]+$/.exec(d.path);
    if (m) found.push({ at: Number(m[1]), text: `json patch duplicate field "${d.path}"` });
  }
  return found.sort((a, b) => a.at - b.at).map((f) => f.text);
}

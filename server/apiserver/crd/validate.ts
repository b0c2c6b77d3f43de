/**
 * Validation of a custom resource against its version's schema, with upstream's messages (the
 * kube-openapi validator as the apiextensions server reports it): `spec.replicas: Invalid value:
 * "string": spec.replicas in body must be of type integer: "string"`, `Required value`,
 * `Unsupported value`, `Too long`, `Too many`, and the bound and pattern messages.
 *
 * @module
 */
import type { FieldError } from "../../../kube/errors.ts";
import { matchesFormat } from "./formats.ts";
import {
  additionalOf,
  isObj,
  itemsOf,
  jsonEqual,
  type JSONSchemaProps,
  propertiesOf,
} from "./schema.ts";

/** The JSON type of a value as the validator names it (`integer` for whole numbers). */
export function jsonType(v: unknown): string {
  if (v === null || v === undefined) return "null";
  if (Array.isArray(v)) return "array";
  if (typeof v === "number") return Number.isInteger(v) ? "integer" : "number";
  if (typeof v === "boolean") return "boolean";
  if (typeof v === "string") return "string";
  return "object";
}

const patterns = new Map<string, RegExp | null>();

/** A schema pattern as a RegExp; Go's leading `(?i)` becomes the `i` flag. Null when invalid. */
export function compilePattern(pattern: string): RegExp | null {
  if (patterns.has(pattern)) return patterns.get(pattern)!;
  let re: RegExp | null = null;
  const ci = pattern.startsWith("(?i)");
  try {
    re = new RegExp(ci ? pattern.slice(4) : pattern, ci ? "i" : "");
  } catch {
    re = null;
  }
  patterns.set(pattern, re);
  return re;
}

function named(path: string): string {
  return path || ".";
}

function at(path: string, k: string): string {
  return path ? `${path}.${k}` : k;
}

function typeMatches(type: string, v: unknown): boolean {
  switch (type) {
    case "object":
      return isObj(v);
    case "array":
      return Array.isArray(v);
    case "string":
      return typeof v === "string";
    case "integer":
      return typeof v === "number" && Number.isInteger(v);
    case "number":
      return typeof v === "number" && Number.isFinite(v);
    case "boolean":
      return typeof v === "boolean";
  }
  return true;
}

function typeError(path: string, type: string, v: unknown): FieldError {
  const actual = jsonType(v);
  return {
    type: "FieldValueTypeInvalid",
    field: named(path),
    value: actual,
    detail: `${named(path)} in body must be of type ${type}: "${actual}"`,
  };
}

function invalid(path: string, value: unknown, detail: string): FieldError {
  return { type: "FieldValueInvalid", field: named(path), value, detail };
}

/** Options of {@link validateValue}. */
export interface ValidateOptions {
  /** At an object's root (or an embedded resource), apiVersion/kind/metadata are checked elsewhere. */
  resourceRoot?: boolean;
}

/** Field errors of `value` against `schema`, `path` naming the value (`""` for the object). */
export function validateValue(
  value: unknown,
  schema: JSONSchemaProps,
  path = "",
  opts: ValidateOptions = {},
): FieldError[] {
  const errs: FieldError[] = [];
  walk(value, schema, path, errs, opts.resourceRoot ?? false);
  return errs;
}

function walk(
  v: unknown,
  s: JSONSchemaProps,
  path: string,
  errs: FieldError[],
  resourceRoot: boolean,
): void {
  if (v === null || v === undefined) {
    if (s.nullable) return;
    if (s.type) errs.push(typeError(path, s.type, null));
    else if (s["x-kubernetes-int-or-string"]) errs.push(typeError(path, "integer,string", null));
    return;
  }
  if (s["x-kubernetes-int-or-string"]) {
    if (!(typeof v === "string" || (typeof v === "number" && Number.isInteger(v)))) {
      errs.push(typeError(path, "integer,string", v));
      return;
    }
  } else if (s.type && !typeMatches(s.type, v)) {
    errs.push(typeError(path, s.type, v));
    return;
  }
  combinators(v, s, path, errs);
  if (Array.isArray(s.enum) && !s.enum.some((e) => jsonEqual(e, v))) {
    const values = s.enum.map((e) => typeof e === "string" ? e : JSON.stringify(e));
    errs.push({
      type: "FieldValueNotSupported",
      field: named(path),
      value: v,
      detail: `supported values: ${values.map((x) => JSON.stringify(x)).join(", ")}`,
    });
  }
  if (typeof v === "string") stringChecks(v, s, path, errs);
  else if (typeof v === "number") numberChecks(v, s, path, errs);
  else if (Array.isArray(v)) arrayChecks(v, s, path, errs);
  else if (isObj(v)) objectChecks(v, s, path, errs, resourceRoot);
}

function stringChecks(v: string, s: JSONSchemaProps, path: string, errs: FieldError[]): void {
  const length = [...v].length;
  if (typeof s.maxLength === "number" && length > s.maxLength) {
    errs.push({
      type: "FieldValueTooLong",
      field: named(path),
      value: v,
      detail: `may not be longer than ${s.maxLength}`,
    });
  }
  if (typeof s.minLength === "number" && length < s.minLength) {
    errs.push(
      invalid(path, v, `${named(path)} in body should be at least ${s.minLength} chars long`),
    );
  }
  if (typeof s.pattern === "string") {
    const re = compilePattern(s.pattern);
    if (re && !re.test(v)) {
      errs.push(invalid(path, v, `${named(path)} in body should match '${s.pattern}'`));
    }
  }
  if (typeof s.format === "string" && !matchesFormat(s.format, v)) {
    errs.push({
      type: "FieldValueTypeInvalid",
      field: named(path),
      value: v,
      detail: `${named(path)} in body must be of type ${s.format}: ${JSON.stringify(v)}`,
    });
  }
}

function numberChecks(v: number, s: JSONSchemaProps, path: string, errs: FieldError[]): void {
  const p = named(path);
  if (typeof s.multipleOf === "number" && s.multipleOf > 0) {
    const q = v / s.multipleOf;
    if (Math.abs(q - Math.round(q)) > 1e-9) {
      errs.push(invalid(path, v, `${p} in body should be a multiple of ${s.multipleOf}`));
    }
  }
  if (typeof s.maximum === "number") {
    if (s.exclusiveMaximum ? v >= s.maximum : v > s.maximum) {
      const how = s.exclusiveMaximum ? "less than" : "less than or equal to";
      errs.push(invalid(path, v, `${p} in body should be ${how} ${s.maximum}`));
    }
  }
  if (typeof s.minimum === "number") {
    if (s.exclusiveMinimum ? v <= s.minimum : v < s.minimum) {
      const how = s.exclusiveMinimum ? "greater than" : "greater than or equal to";
      errs.push(invalid(path, v, `${p} in body should be ${how} ${s.minimum}`));
    }
  }
}

function arrayChecks(v: unknown[], s: JSONSchemaProps, path: string, errs: FieldError[]): void {
  if (typeof s.maxItems === "number" && v.length > s.maxItems) {
    errs.push({
      type: "FieldValueTooMany",
      field: named(path),
      detail: `${v.length}: must have at most ${s.maxItems} items`,
    });
  }
  if (typeof s.minItems === "number" && v.length < s.minItems) {
    errs.push(
      invalid(path, v.length, `${named(path)} in body should have at least ${s.minItems} items`),
    );
  }
  if (s.uniqueItems) {
    if (v.some((x, i) => v.findIndex((y) => jsonEqual(x, y)) !== i)) {
      errs.push(invalid(path, v, `${named(path)} in body shouldn't contain duplicates`));
    }
  }
  const items = itemsOf(s);
  if (items) {
    v.forEach((item, i) =>
      walk(item, items, `${path}[${i}]`, errs, !!items["x-kubernetes-embedded-resource"])
    );
  }
  errs.push(...listTypeErrors(v, s, path));
}

/** Duplicates in `set` and `map` lists, as upstream's list-type validation reports them. */
function listTypeErrors(v: unknown[], s: JSONSchemaProps, path: string): FieldError[] {
  const type = s["x-kubernetes-list-type"];
  const errs: FieldError[] = [];
  if (type === "set") {
    v.forEach((x, i) => {
      if (v.findIndex((y) => jsonEqual(x, y)) !== i) {
        errs.push({ type: "FieldValueDuplicate", field: `${path}[${i}]`, value: x });
      }
    });
  } else if (type === "map") {
    const keys = Array.isArray(s["x-kubernetes-list-map-keys"])
      ? s["x-kubernetes-list-map-keys"]
      : [];
    const seen: unknown[] = [];
    v.forEach((x, i) => {
      if (!isObj(x)) return;
      const k: Record<string, unknown> = {};
      for (const name of keys) if (x[name] !== undefined) k[name] = x[name];
      if (seen.some((y) => jsonEqual(y, k))) {
        errs.push({ type: "FieldValueDuplicate", field: `${path}[${i}]`, value: k });
      } else seen.push(k);
    });
  }
  return errs;
}

function objectChecks(
  v: Record<string, unknown>,
  s: JSONSchemaProps,
  path: string,
  errs: FieldError[],
  resourceRoot: boolean,
): void {
  const p = named(path);
  const count = Object.keys(v).length;
  if (typeof s.maxProperties === "number" && count > s.maxProperties) {
    errs.push({
      type: "FieldValueTooMany",
      field: p,
      detail: `${count}: must have at most ${s.maxProperties} items`,
    });
  }
  if (typeof s.minProperties === "number" && count < s.minProperties) {
    errs.push(
      invalid(path, count, `${p} in body should have at least ${s.minProperties} properties`),
    );
  }
  for (const name of Array.isArray(s.required) ? s.required : []) {
    if (!Object.hasOwn(v, name)) errs.push({ type: "FieldValueRequired", field: at(path, name) });
  }
  const props = propertiesOf(s);
  const additional = additionalOf(s);
  for (const [k, value] of Object.entries(v)) {
    if (resourceRoot && k === "metadata") continue;
    const prop = Object.hasOwn(props, k) ? props[k] : undefined;
    if (prop) {
      walk(value, prop, at(path, k), errs, !!prop["x-kubernetes-embedded-resource"]);
    } else if (additional) walk(value, additional, at(path, k), errs, false);
  }
}

function combinators(v: unknown, s: JSONSchemaProps, path: string, errs: FieldError[]): void {
  const p = named(path);
  for (const sub of Array.isArray(s.allOf) ? s.allOf : []) walk(v, sub, path, errs, false);
  if (Array.isArray(s.anyOf) && s.anyOf.length) {
    const results = s.anyOf.map((sub) => validateValue(v, sub, path));
    if (!results.some((r) => r.length === 0)) {
      errs.push(invalid(path, "", `${p} must validate at least one schema (anyOf)`));
      errs.push(...results[0]);
    }
  }
  if (Array.isArray(s.oneOf) && s.oneOf.length) {
    const passed = s.oneOf.filter((sub) => validateValue(v, sub, path).length === 0).length;
    if (passed !== 1) {
      errs.push(invalid(path, "", `${p} must validate one and only one schema (oneOf)`));
    }
  }
  if (isObj(s.not) && validateValue(v, s.not as JSONSchemaProps, path).length === 0) {
    errs.push(invalid(path, "", `${p} must not validate the schema (not)`));
  }
}

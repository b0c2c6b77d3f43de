/**
 * Small helpers for reading and checking loosely typed object fields, shared by the core
 * resources. Objects arrive as parsed JSON, so every field is `unknown` until looked at.
 *
 * @module
 */
import type { FieldError } from "../../../../kube/errors.ts";
import { isJsonObject } from "../../../../kube/meta.ts";

/** A JSON object. */
export type Obj = Record<string, unknown>;

/** The value as an object, or undefined. */
export function obj(v: unknown): Obj | undefined {
  return isJsonObject(v) ? v : undefined;
}

/** The value as an array (empty when absent or not an array). */
export function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

/** The value as an array of objects, skipping entries that are not objects. */
export function objs(v: unknown): Obj[] {
  return arr(v).filter(isJsonObject);
}

/** The value as a string ("" when absent or not a string). */
export function str(v: unknown): string {
  return typeof v === "string" ? v : "";
}

/** The field `key` of `o` as an object, created (or replaced when not an object) if needed. */
export function child(o: Obj, key: string): Obj {
  const v = o[key];
  if (isJsonObject(v)) return v;
  const made: Obj = {};
  o[key] = made;
  return made;
}

/** Sets `o[key]` to `value` when it is absent, null or "". */
export function setDefault(o: Obj, key: string, value: unknown): void {
  if (o[key] === undefined || o[key] === null || o[key] === "") o[key] = value;
}

/** `"a", "b", "c"` as upstream lists supported values. */
export function quoteList(values: readonly string[]): string {
  return values.map((v) => JSON.stringify(v)).join(", ");
}

/** Upstream's `field.NotSupported`, or `Required` when the value is empty. */
export function checkEnum(
  value: unknown,
  allowed: readonly string[],
  field: string,
  requireValue = true,
): FieldError[] {
  if (value === undefined || value === null || value === "") {
    return requireValue ? [{ type: "FieldValueRequired", field }] : [];
  }
  if (typeof value === "string" && allowed.includes(value)) return [];
  return [notSupported(field, value, allowed)];
}

/** `Unsupported value: "x": supported values: "a", "b"`. */
export function notSupported(
  field: string,
  value: unknown,
  allowed: readonly string[],
): FieldError {
  return {
    type: "FieldValueNotSupported",
    field,
    value,
    detail: `supported values: ${quoteList(allowed)}`,
  };
}

/** `Required value` at `field`, with an optional detail. */
export function required(field: string, detail?: string): FieldError {
  return detail
    ? { type: "FieldValueRequired", field, detail }
    : { type: "FieldValueRequired", field };
}

/** `Invalid value: v: detail` at `field`. */
export function invalidField(field: string, value: unknown, detail: string): FieldError {
  return { type: "FieldValueInvalid", field, value, detail };
}

/** `Forbidden: detail` at `field`. */
export function forbiddenField(field: string, detail: string): FieldError {
  return { type: "FieldValueForbidden", field, detail };
}

/**
 * `Not found: "x"`. The shared `FieldError` type has no NotFound kind, so this reports as an
 * Invalid value with upstream's wording in the detail.
 */
export function notFoundField(field: string, value: string): FieldError {
  return { type: "FieldValueInvalid", field, value, detail: "not found" };
}

/** Nonnegative integer check (`must be greater than or equal to 0`). */
export function checkNonNegative(value: unknown, field: string): FieldError[] {
  if (value === undefined || value === null) return [];
  if (typeof value !== "number" || !Number.isInteger(value)) {
    return [{ type: "FieldValueTypeInvalid", field, value, detail: "must be an integer" }];
  }
  return value < 0 ? [invalidField(field, value, "must be greater than or equal to 0")] : [];
}

/** `must be between lo and hi, inclusive`. */
export function inclusiveRange(lo: number, hi: number): string {
  return `must be between ${lo} and ${hi}, inclusive`;
}

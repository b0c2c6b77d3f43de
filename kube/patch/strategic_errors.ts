/**
 * Errors of strategic merge patch, with upstream's texts and HTTP codes: malformed directives
 * are 400, lists of lists 422, and everything else upstream does not classify surfaces as a 500
 * `InternalError`. Values in messages print as Go's `%v` would (`map[name:a]`).
 *
 * @module
 */

import { badRequest, internalError, StatusError } from "../errors.ts";

/** The 400s upstream maps from its sentinel errors. */
export const BAD_PRIMITIVE_LIST = "invalid patch format of primitive list";
export const BAD_RETAIN_KEYS = "invalid patch format of retainKeys";
export const BAD_SET_ELEMENT_ORDER = "invalid patch format of setElementOrder list";

/** A JSON value's kind, as Go's reflection would tell them apart. */
export type Kind = "map" | "slice" | "string" | "number" | "bool" | "null";

export function kindOf(v: unknown): Kind {
  if (v === null || v === undefined) return "null";
  if (Array.isArray(v)) return "slice";
  switch (typeof v) {
    case "object":
      return "map";
    case "string":
      return "string";
    case "boolean":
      return "bool";
    default:
      return "number";
  }
}

function goTypeName(v: unknown): string {
  switch (kindOf(v)) {
    case "map":
      return "map[string]interface {}";
    case "slice":
      return "[]interface {}";
    case "null":
      return "<nil>";
    case "number":
      return Number.isInteger(v) ? "int64" : "float64";
    default:
      return typeof v === "boolean" ? "bool" : "string";
  }
}

/** Go's `%v` rendering of a JSON value. */
export function goFormat(v: unknown): string {
  switch (kindOf(v)) {
    case "null":
      return "<nil>";
    case "slice":
      return `[${(v as unknown[]).map(goFormat).join(" ")}]`;
    case "map": {
      const m = v as Record<string, unknown>;
      const keys = Object.keys(m).sort();
      return `map[${keys.map((k) => `${k}:${goFormat(m[k])}`).join(" ")}]`;
    }
    default:
      return String(v);
  }
}

export function isMap(v: unknown): v is Record<string, unknown> {
  return kindOf(v) === "map";
}

/** `expected a map[string]interface {}, but received a string` (a 500 upstream). */
export function badArgType(expected: "map" | "slice", actual: unknown): StatusError {
  const want = expected === "map" ? "map[string]interface {}" : "[]interface {}";
  return internalError(`expected a ${want}, but received a ${goTypeName(actual)}`);
}

export function noMergeKey(m: Record<string, unknown>, key: string): StatusError {
  return internalError(`map: ${goFormat(m)} does not contain declared merge key: ${key}`);
}

export function badPatchType(directive: unknown, m: Record<string, unknown>): StatusError {
  return internalError(`unknown patch type: ${goFormat(directive)} in map: ${goFormat(m)}`);
}

export function noListOfLists(): StatusError {
  return new StatusError(422, "Invalid", "lists of lists are not supported");
}

export function badFormat(message: string): StatusError {
  return badRequest(message);
}

export function internal(message: string): StatusError {
  return internalError(message);
}

/**
 * RFC 7386 JSON Merge Patch, as the API server applies `application/merge-patch+json`: objects
 * merge member by member, `null` deletes, everything else (arrays included) replaces.
 *
 * @module
 */

import { badRequest } from "../errors.ts";
import { deepClone, isJsonObject, setOwn } from "../meta.ts";

/**
 * Applies a merge patch and returns the result; neither argument is modified. Like upstream, the
 * patch must be an object (or an array, which replaces the document); anything else is a 400
 * `Invalid JSON Patch`. Nulls inside new values are dropped, as they would be on decode.
 */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (Array.isArray(patch)) return prune(deepClone(patch));
  if (!isJsonObject(patch)) throw badRequest("Invalid JSON Patch");
  const base = isJsonObject(target) ? deepClone(target) : {};
  return mergeInto(base, patch);
}

function mergeInto(target: Record<string, unknown>, patch: Record<string, unknown>): unknown {
  for (const key in patch) {
    const value = patch[key];
    if (value === null) {
      delete target[key];
      continue;
    }
    if (value === undefined) continue;
    const current = Object.hasOwn(target, key) ? target[key] : undefined;
    let next: unknown;
    if (isJsonObject(value)) {
      next = mergeInto(isJsonObject(current) ? current : {}, value);
    } else {
      next = prune(deepClone(value));
    }
    if (key === "__proto__") setOwn(target, key, next);
    else target[key] = next;
  }
  return target;
}

/** Drops null members of objects, recursing through arrays (array elements stay). */
function prune(value: unknown): unknown {
  if (Array.isArray(value)) {
    for (const item of value) prune(item);
  } else if (isJsonObject(value)) {
    for (const key in value) {
      if (value[key] === null) delete value[key];
      else prune(value[key]);
    }
  }
  return value;
}

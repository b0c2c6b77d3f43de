/**
 * Small helpers over plain JSON objects used by the generic store.
 *
 * @module
 */
import { deepEqual } from "../../kube/meta.ts";

const NAME_CHARS = "bcdfghjklmnpqrstvwxz2456789";

/** `generateName` plus five random characters, as upstream's name generator. */
export function generateName(base: string): string {
  const trimmed = base.length > 58 ? base.slice(0, 58) : base;
  const bytes = crypto.getRandomValues(new Uint8Array(5));
  let suffix = "";
  for (const b of bytes) suffix += NAME_CHARS[b % NAME_CHARS.length];
  return trimmed + suffix;
}

/**
 * Deep equality of two JSON objects, ignoring the named `metadata` fields and, at the top level,
 * the named fields.
 */
export function deepEqualExcept(
  a: object,
  b: object,
  ignoreMeta: string[],
  ignoreTop: string[] = [],
): boolean {
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const keys = new Set([...Object.keys(ao), ...Object.keys(bo)]);
  for (const k of keys) {
    if (ignoreTop.includes(k)) continue;
    if (k === "metadata" && ignoreMeta.length) {
      const am = (ao[k] ?? {}) as Record<string, unknown>;
      const bm = (bo[k] ?? {}) as Record<string, unknown>;
      const mk = new Set([...Object.keys(am), ...Object.keys(bm)]);
      for (const m of mk) {
        if (!ignoreMeta.includes(m) && !deepEqual(am[m], bm[m])) return false;
      }
      continue;
    }
    if (!deepEqual(ao[k], bo[k])) return false;
  }
  return true;
}

/**
 * Resource lists (`{cpu: "500m", memory: "1Gi"}`) as exact quantities, with the arithmetic
 * quota and limit ranges need, and upstream's way of printing them in messages.
 *
 * @module
 */
import { type Quantity, quantityFromJSON } from "../../../kube/quantity.ts";
import { obj } from "./attributes.ts";

export type ResourceList = Map<string, Quantity>;

/** The valid quantities of a loosely typed resource list (invalid entries are left out). */
export function resourceList(v: unknown): ResourceList {
  const out: ResourceList = new Map();
  for (const [k, raw] of Object.entries(obj(v) ?? {})) {
    try {
      out.set(k, quantityFromJSON(raw));
    } catch {
      // Validation reports malformed quantities; here they count as absent.
    }
  }
  return out;
}

/** The JSON form of a list, keys sorted. */
export function toJSONList(list: ResourceList): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of [...list.keys()].sort()) out[k] = list.get(k)!.toString();
  return out;
}

/** a + b, key by key (a key in either is in the result). */
export function add(a: ResourceList, b: ResourceList): ResourceList {
  const out = new Map(a);
  for (const [k, v] of b) out.set(k, out.has(k) ? out.get(k)!.add(v) : v);
  return out;
}

/** a - b for the keys of a. */
export function subtract(a: ResourceList, b: ResourceList): ResourceList {
  const out = new Map(a);
  for (const [k, v] of b) if (out.has(k)) out.set(k, out.get(k)!.sub(v));
  return out;
}

/** Only the given keys. */
export function mask(list: ResourceList, keys: Iterable<string>): ResourceList {
  const out: ResourceList = new Map();
  for (const k of keys) if (list.has(k)) out.set(k, list.get(k)!);
  return out;
}

/** True when every value is zero. */
export function isZero(list: ResourceList): boolean {
  for (const v of list.values()) if (!v.isZero()) return false;
  return true;
}

/** True when both hold the same keys with equal values. */
export function equals(a: ResourceList, b: ResourceList): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) if (!b.has(k) || b.get(k)!.cmp(v) !== 0) return false;
  return true;
}

/** Upstream's `prettyPrint`: `cpu=1,memory=1Gi`, keys sorted. */
export function prettyPrint(list: ResourceList): string {
  return [...list.keys()].sort().map((k) => `${k}=${list.get(k)!.toString()}`).join(",");
}

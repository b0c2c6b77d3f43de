/**
 * Quantity helpers over `kube/quantity.ts` for loosely typed resource lists.
 *
 * @module
 */
import { Quantity, quantityFromJSON } from "../../../../kube/quantity.ts";
import { obj } from "./util.ts";

/** The value as a Quantity, or undefined when it is not one. */
export function toQuantity(v: unknown): Quantity | undefined {
  try {
    return quantityFromJSON(v);
  } catch {
    return undefined;
  }
}

/**
 * Rewrites every valid quantity of a resource list in canonical form, rounded up to milli units
 * (upstream's `SetDefaults_ResourceList`). Invalid values are left for validation to report.
 */
export function canonicalizeResourceList(list: unknown): void {
  const o = obj(list);
  if (!o) return;
  for (const [key, value] of Object.entries(o)) {
    const q = toQuantity(value);
    if (!q) continue;
    const milli = Quantity.fromMilli(q.scaledValue(-3), q.format);
    o[key] = (milli.cmp(q) === 0 ? q : milli).toString();
  }
}

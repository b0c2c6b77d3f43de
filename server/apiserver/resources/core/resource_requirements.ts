/**
 * Validation of a container's `resources`: standard resource names, valid non-negative
 * quantities, and requests no larger than limits (equal for resources that cannot overcommit).
 *
 * @module
 */
import type { FieldError } from "../../../../kube/errors.ts";
import { quantityError } from "../../../../kube/quantity.ts";
import { toQuantity } from "./quantity.ts";
import { invalidField, type Obj, obj } from "./util.ts";

const STANDARD_CONTAINER_RESOURCES = ["cpu", "memory", "ephemeral-storage"];

/** Upstream's resource-name and request ≤ limit checks for one container's `resources`. */
export function validateResources(res: Obj | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!res) return errs;
  const limits = obj(res.limits) ?? {};
  const requests = obj(res.requests) ?? {};
  for (const [kind, list] of [["limits", limits], ["requests", requests]] as const) {
    for (const [name, value] of Object.entries(list)) {
      const p = `${path}.${kind}[${name}]`;
      errs.push(...resourceNameErrors(name, p));
      const q = toQuantity(value);
      if (!q) {
        const err = typeof value === "string" ? quantityError(value.trim()) : undefined;
        errs.push(invalidField(p, value, err?.message ?? "must be a quantity"));
      } else if (q.sign() < 0) {
        errs.push(invalidField(p, q.toString(), "must be greater than or equal to 0"));
      }
    }
  }
  for (const [name, value] of Object.entries(requests)) {
    const req = toQuantity(value);
    const lim = toQuantity(limits[name]);
    if (!req || !lim) continue;
    const cmp = req.cmp(lim);
    if (cmp !== 0 && !overcommitAllowed(name)) {
      errs.push(
        invalidField(
          `${path}.requests`,
          req.toString(),
          `must be equal to ${name} limit of ${lim}`,
        ),
      );
    } else if (cmp > 0) {
      errs.push(
        invalidField(
          `${path}.requests`,
          req.toString(),
          `must be less than or equal to ${name} limit of ${lim}`,
        ),
      );
    }
  }
  return errs;
}

function resourceNameErrors(name: string, field: string): FieldError[] {
  if (name.includes("/")) return [];
  if (STANDARD_CONTAINER_RESOURCES.includes(name) || name.startsWith("hugepages-")) return [];
  return [invalidField(field, name, "must be a standard resource for containers")];
}

function overcommitAllowed(name: string): boolean {
  const native = !name.includes("/") || name.includes("kubernetes.io/");
  return native && !name.startsWith("hugepages-");
}

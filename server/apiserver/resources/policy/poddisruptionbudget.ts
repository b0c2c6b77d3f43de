/**
 * `policy/v1` PodDisruptionBudgets: how many pods of a set voluntary disruptions (evictions) may
 * take down. At most one of `minAvailable` and `maxUnavailable`, each a non-negative count or a
 * percentage up to 100%; the disruption controller fills `status`.
 *
 * @module
 */
import type { FieldError } from "../../../../kube/errors.ts";
import { type LabelSelector, validateLabelSelector } from "../../../../kube/labels.ts";
import type { KubeObject } from "../../../../kube/meta.ts";
import type { ResourceDef } from "../../resource.ts";
import {
  AGE_COLUMN,
  notMoreThan100Percent,
  num,
  specView,
  statusView,
  validateIntOrPercent,
} from "../apps/workload.ts";
import { checkEnum, invalidField, obj } from "../core/util.ts";

const EVICTION_POLICIES = ["AlwaysAllow", "IfHealthyBudget"];

/** Errors for a budget's spec (upstream's `ValidatePodDisruptionBudgetSpec`). */
export function validatePdbSpec(spec: Record<string, unknown>): FieldError[] {
  const errs: FieldError[] = [];
  const min = spec.minAvailable, max = spec.maxUnavailable;
  const set = (v: unknown) => v !== undefined && v !== null;
  if (set(min) && set(max)) {
    errs.push(invalidField("spec", spec, "minAvailable and maxUnavailable cannot be both set"));
  }
  for (const [key, value] of [["minAvailable", min], ["maxUnavailable", max]] as const) {
    if (!set(value)) continue;
    errs.push(...validateIntOrPercent(value, `spec.${key}`));
    errs.push(...notMoreThan100Percent(value, `spec.${key}`));
  }
  const selector = obj(spec.selector);
  if (selector) errs.push(...validateLabelSelector(selector as LabelSelector, "spec.selector"));
  errs.push(
    ...checkEnum(
      spec.unhealthyPodEvictionPolicy,
      EVICTION_POLICIES,
      "spec.unhealthyPodEvictionPolicy",
      false,
    ),
  );
  return errs;
}

/** An int-or-string as Go's `IntOrString.String()` prints it, `N/A` when unset. */
function intOrString(v: unknown): string {
  if (typeof v === "number" || typeof v === "string") return String(v);
  return "N/A";
}

/** The status a new budget starts with (upstream's create strategy resets it). */
function initialStatus(): Record<string, unknown> {
  return { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 };
}

export const podDisruptionBudgets: ResourceDef = {
  group: "policy",
  versions: ["v1"],
  kind: "PodDisruptionBudget",
  plural: "poddisruptionbudgets",
  singular: "poddisruptionbudget",
  namespaced: true,
  shortNames: ["pdb"],
  status: true,
  generation: true,
  strategy: {
    prepareForCreate(o: KubeObject) {
      o.status = initialStatus();
    },
    validate: (o) => validatePdbSpec(specView(o)),
  },
  columns: [
    {
      name: "Min Available",
      type: "string",
      description: "The minimum number of pods that must be available.",
      cell: (o) => intOrString(specView(o).minAvailable),
    },
    {
      name: "Max Unavailable",
      type: "string",
      description: "The maximum number of pods that may be unavailable.",
      cell: (o) => intOrString(specView(o).maxUnavailable),
    },
    {
      name: "Allowed Disruptions",
      type: "integer",
      description: "Calculated number of pods that may be disrupted at this time.",
      cell: (o) => num(statusView(o).disruptionsAllowed),
    },
    AGE_COLUMN,
  ],
};

/**
 * `scheduling.k8s.io/v1` PriorityClasses: a name for a pod priority. Upstream's default
 * preemption policy, the reserved `system-` prefix (only the two built-in classes may use it, with
 * their fixed values), the ceiling on user-defined values, and a value and preemption policy that
 * never change. That only one class is the global default is checked by the Priority admission
 * plugin, which sees every class.
 *
 * @module
 */
import { type FieldError, forbidden } from "../../../../kube/errors.ts";
import type { KubeObject } from "../../../../kube/meta.ts";
import type { Column, ResourceDef } from "../../resource.ts";
import { AGE_COLUMN, immutable } from "../apps/workload.ts";
import { checkEnum, forbiddenField, required } from "../core/util.ts";

/** The prefix only the built-in classes may use. */
export const SYSTEM_PRIORITY_CLASS_PREFIX = "system-";
/** The highest value a user-defined class may have (upstream's `HighestUserDefinablePriority`). */
export const HIGHEST_USER_DEFINABLE_PRIORITY = 1_000_000_000;

const PREEMPTION_POLICIES = ["Never", "PreemptLowerPriority"];

/** The classes every cluster has, as upstream's API server creates them at start. */
export const SYSTEM_PRIORITY_CLASSES: readonly KubeObject[] = [
  {
    apiVersion: "scheduling.k8s.io/v1",
    kind: "PriorityClass",
    metadata: { name: "system-node-critical" },
    value: 2_000_001_000,
    description: "Used for system critical pods that must not be moved from their current node.",
  },
  {
    apiVersion: "scheduling.k8s.io/v1",
    kind: "PriorityClass",
    metadata: { name: "system-cluster-critical" },
    value: 2_000_000_000,
    description:
      "Used for system critical pods that must run in the cluster, but can be moved to another node if necessary.",
  },
];

/** Upstream's `SetDefaults_PriorityClass`. */
export function defaultPriorityClass(o: KubeObject): void {
  if (o.preemptionPolicy === undefined || o.preemptionPolicy === null) {
    o.preemptionPolicy = "PreemptLowerPriority";
  }
}

/** Errors for a priority class (upstream's `ValidatePriorityClass`). */
export function validatePriorityClass(o: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  const name = o.metadata.name ?? "";
  const value = o.value;
  if (typeof value !== "number" || !Number.isInteger(value)) {
    errs.push(required("value"));
  }
  const system = SYSTEM_PRIORITY_CLASSES.find((c) => c.metadata.name === name);
  if (system) {
    if (value !== system.value) {
      errs.push(
        forbiddenField("metadata.name", `value of ${name} PriorityClass must be ${system.value}`),
      );
    }
    if ((o.globalDefault ?? false) !== false) {
      errs.push(
        forbiddenField("metadata.name", `globalDefault of ${name} PriorityClass must be false`),
      );
    }
  } else if (name.startsWith(SYSTEM_PRIORITY_CLASS_PREFIX)) {
    errs.push(
      forbiddenField(
        "metadata.name",
        `priority class names with '${SYSTEM_PRIORITY_CLASS_PREFIX}' prefix are reserved for system use only`,
      ),
    );
  } else if (typeof value === "number" && value > HIGHEST_USER_DEFINABLE_PRIORITY) {
    errs.push(
      forbiddenField(
        "value",
        `maximum allowed value of a user defined priority is ${HIGHEST_USER_DEFINABLE_PRIORITY}`,
      ),
    );
  }
  errs.push(...checkEnum(o.preemptionPolicy, PREEMPTION_POLICIES, "preemptionPolicy"));
  return errs;
}

/** Upstream's storage refuses to delete the built-in classes. */
export function refuseSystemClassDelete(o: KubeObject): void {
  const name = o.metadata.name ?? "";
  if (!SYSTEM_PRIORITY_CLASSES.some((c) => c.metadata.name === name)) return;
  throw forbidden(
    `priorityclasses.scheduling.k8s.io "${name}" is forbidden: this is a system priority class and cannot be deleted`,
    { name, group: "scheduling.k8s.io", kind: "priorityclasses" },
  );
}

/** Errors for an update: the value and the preemption policy are fixed at create. */
export function validatePriorityClassUpdate(o: KubeObject, old: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  if (o.value !== old.value) errs.push(forbiddenField("value", "may not be changed in an update."));
  errs.push(...immutable("preemptionPolicy", o.preemptionPolicy, old.preemptionPolicy));
  return errs;
}

const columns: Column[] = [
  {
    name: "Value",
    type: "integer",
    description:
      "value represents the integer value of this priority class. This is the actual priority that pods receive when they have the name of this class in their pod spec.",
    cell: (o) => (typeof o.value === "number" ? o.value : 0),
  },
  {
    name: "Global-Default",
    type: "boolean",
    description:
      "globalDefault specifies whether this PriorityClass should be considered as the default priority for pods that do not have any priority class. Only one PriorityClass can be marked as `globalDefault`. However, if more than one PriorityClasses exists with their `globalDefault` field set to true, the smallest value of such global default PriorityClasses will be used as the default priority.",
    cell: (o) => o.globalDefault === true,
  },
  AGE_COLUMN,
  {
    name: "PreemptionPolicy",
    type: "string",
    description:
      "preemptionPolicy is the Policy for preempting pods with lower priority. One of Never, PreemptLowerPriority. Defaults to PreemptLowerPriority if unset.",
    cell: (o) => (typeof o.preemptionPolicy === "string" ? o.preemptionPolicy : ""),
  },
];

export const priorityClasses: ResourceDef = {
  group: "scheduling.k8s.io",
  versions: ["v1"],
  kind: "PriorityClass",
  plural: "priorityclasses",
  singular: "priorityclass",
  namespaced: false,
  shortNames: ["pc"],
  strategy: {
    prepareForCreate: defaultPriorityClass,
    prepareForUpdate: defaultPriorityClass,
    validate: validatePriorityClass,
    validateUpdate: validatePriorityClassUpdate,
    prepareForDelete: refuseSystemClassDelete,
  },
  columns,
};

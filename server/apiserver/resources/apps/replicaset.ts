/**
 * `apps/v1` ReplicaSets: one replica by default, a required selector that selects the template,
 * pods that restart Always, and an immutable selector.
 *
 * @module
 */
import type { FieldError } from "../../../../kube/errors.ts";
import type { KubeObject } from "../../../../kube/meta.ts";
import type { ResourceDef } from "../../resource.ts";
import { defaultPodTemplateSpec } from "../core/pod_spec.ts";
import { checkNonNegative, invalidField } from "../core/util.ts";
import {
  AGE_COLUMN,
  asSelector,
  containerColumns,
  defaultUnset,
  immutable,
  num,
  type Obj,
  podNameWarnings,
  selectorColumn,
  specOf,
  specView,
  statusView,
  templateOf,
  validateReplicaSetTemplate,
  validateRequiredSelector,
} from "./workload.ts";
import { isCreating, markCreating } from "./create_marker.ts";

/** Applies upstream's `SetDefaults_ReplicaSet` and the pod template defaults. */
export function defaultReplicaSet(o: KubeObject): void {
  const spec = specOf(o);
  defaultUnset(spec, "replicas", 1);
  defaultPodTemplateSpec(templateOf(spec));
}

/** Field errors for a replica set's spec (upstream's `ValidateReplicaSetSpec`). */
export function validateReplicaSetSpec(spec: Obj): FieldError[] {
  const errs = [
    ...checkNonNegative(spec.replicas, "spec.replicas"),
    ...checkNonNegative(spec.minReadySeconds, "spec.minReadySeconds"),
    // Upstream names deployments here too.
    ...validateRequiredSelector(spec.selector, "spec.selector", "deployment"),
  ];
  const selector = asSelector(spec.selector);
  if (!selector) errs.push(invalidField("spec.selector", spec.selector, "invalid label selector"));
  else errs.push(...validateReplicaSetTemplate(spec.template, selector, "spec.template"));
  return errs;
}

export const replicaSets: ResourceDef = {
  group: "apps",
  versions: ["v1"],
  kind: "ReplicaSet",
  plural: "replicasets",
  singular: "replicaset",
  namespaced: true,
  shortNames: ["rs"],
  categories: ["all"],
  status: true,
  generation: true,
  scale: {
    specReplicasPath: ["spec", "replicas"],
    statusReplicasPath: ["status", "replicas"],
    labelSelectorPath: ["spec", "selector"],
  },
  fields: { "status.replicas": (o) => String(num(statusView(o).replicas)) },
  strategy: {
    prepareForCreate(o) {
      o.status = { replicas: 0 };
      defaultReplicaSet(o);
      markCreating(o);
    },
    prepareForUpdate: (o) => defaultReplicaSet(o),
    validate: (o) => validateReplicaSetSpec(specView(o)),
    warnings: (o) => (isCreating(o) ? podNameWarnings(o) : []),
    validateUpdate: (o, old) =>
      immutable("spec.selector", specView(o).selector, specView(old).selector),
  },
  columns: [
    {
      name: "Desired",
      type: "integer",
      description:
        "Replicas is the number of desired replicas. This is a pointer to distinguish between explicit zero and unspecified. Defaults to 1. More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicationcontroller/#what-is-a-replicationcontroller",
      cell: (o) => num(specView(o).replicas),
    },
    {
      name: "Current",
      type: "integer",
      description:
        "Replicas is the most recently observed number of replicas. More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicationcontroller/#what-is-a-replicationcontroller",
      cell: (o) => num(statusView(o).replicas),
    },
    {
      name: "Ready",
      type: "integer",
      description: "The number of ready replicas for this replica set.",
      cell: (o) => num(statusView(o).readyReplicas),
    },
    AGE_COLUMN,
    ...containerColumns((o) => specView(o).template),
    selectorColumn(
      (o) => specView(o).selector,
      "Selector is a label query over pods that should match the replica count. Label keys and values that must match in order to be controlled by this replica set. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors",
    ),
  ],
};

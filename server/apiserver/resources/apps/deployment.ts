/**
 * `apps/v1` Deployments: upstream's defaults (one replica, a 25%/25% rolling update, ten old
 * revisions, a 600 s progress deadline, pod template defaults), validation and table columns.
 *
 * @module
 */
import type { FieldError } from "../../../../kube/errors.ts";
import { deepEqual, type KubeObject } from "../../../../kube/meta.ts";
import type { ResourceDef, Strategy } from "../../resource.ts";
import { defaultPodTemplateSpec } from "../core/pod_spec.ts";
import {
  checkNonNegative,
  child,
  forbiddenField,
  invalidField,
  notSupported,
  obj,
  required,
  setDefault,
} from "../core/util.ts";
import {
  AGE_COLUMN,
  asSelector,
  containerColumns,
  defaultUnset,
  immutable,
  intOrPercentValue,
  notMoreThan100Percent,
  num,
  type Obj,
  podNameWarnings,
  specOf,
  specView,
  statusView,
  templateOf,
  validateIntOrPercent,
  validateReplicaSetTemplate,
  validateRequiredSelector,
} from "./workload.ts";
import { isCreating, markCreating } from "./create_marker.ts";

/** Applies upstream's `SetDefaults_Deployment` and the pod template defaults. */
export function defaultDeployment(o: KubeObject): void {
  const spec = specOf(o);
  defaultUnset(spec, "replicas", 1);
  const strategy = child(spec, "strategy");
  setDefault(strategy, "type", "RollingUpdate");
  if (strategy.type === "RollingUpdate") {
    const rolling = child(strategy, "rollingUpdate");
    defaultUnset(rolling, "maxUnavailable", "25%");
    defaultUnset(rolling, "maxSurge", "25%");
  }
  defaultUnset(spec, "revisionHistoryLimit", 10);
  defaultUnset(spec, "progressDeadlineSeconds", 600);
  defaultPodTemplateSpec(templateOf(spec));
}

/** Field errors for a deployment's spec (upstream's `ValidateDeploymentSpec`). */
export function validateDeploymentSpec(spec: Obj): FieldError[] {
  const errs = [
    ...checkNonNegative(spec.replicas, "spec.replicas"),
    ...validateRequiredSelector(spec.selector, "spec.selector", "deployment"),
  ];
  const selector = asSelector(spec.selector);
  if (!selector) errs.push(invalidField("spec.selector", spec.selector, "invalid label selector"));
  else errs.push(...validateReplicaSetTemplate(spec.template, selector, "spec.template"));
  errs.push(...validateStrategy(spec.strategy, "spec.strategy"));
  errs.push(...checkNonNegative(spec.minReadySeconds, "spec.minReadySeconds"));
  errs.push(...checkNonNegative(spec.revisionHistoryLimit, "spec.revisionHistoryLimit"));
  const deadline = spec.progressDeadlineSeconds;
  if (typeof deadline === "number") {
    errs.push(...checkNonNegative(deadline, "spec.progressDeadlineSeconds"));
    if (deadline <= num(spec.minReadySeconds)) {
      errs.push(
        invalidField(
          "spec.progressDeadlineSeconds",
          deadline,
          "must be greater than minReadySeconds",
        ),
      );
    }
  }
  return errs;
}

function validateStrategy(value: unknown, path: string): FieldError[] {
  const strategy = obj(value) ?? {};
  switch (strategy.type) {
    case "Recreate":
      if (strategy.rollingUpdate === undefined || strategy.rollingUpdate === null) return [];
      return [
        forbiddenField(
          `${path}.rollingUpdate`,
          "may not be specified when strategy `type` is 'Recreate'",
        ),
      ];
    case "RollingUpdate": {
      const rolling = obj(strategy.rollingUpdate);
      if (!rolling) {
        return [required(`${path}.rollingUpdate`, "this should be defaulted and never be nil")];
      }
      const p = `${path}.rollingUpdate`;
      const errs = [
        ...validateIntOrPercent(rolling.maxUnavailable, `${p}.maxUnavailable`),
        ...validateIntOrPercent(rolling.maxSurge, `${p}.maxSurge`),
      ];
      if (
        intOrPercentValue(rolling.maxUnavailable) === 0 && intOrPercentValue(rolling.maxSurge) === 0
      ) {
        errs.push(
          invalidField(
            `${p}.maxUnavailable`,
            rolling.maxUnavailable ?? 0,
            "may not be 0 when `maxSurge` is 0",
          ),
        );
      }
      errs.push(...notMoreThan100Percent(rolling.maxUnavailable, `${p}.maxUnavailable`));
      return errs;
    }
    default:
      return [notSupported(path, strategy, ["Recreate", "RollingUpdate"])];
  }
}

export const deploymentStrategy: Strategy = {
  prepareForCreate(o) {
    o.status = {};
    defaultDeployment(o);
    markCreating(o);
  },
  prepareForUpdate(o, old) {
    defaultDeployment(o);
    // Annotations are copied to replica sets, so changing them is a change of the deployment.
    if (!deepEqual(o.metadata.annotations ?? {}, old.metadata.annotations ?? {})) {
      o.metadata.generation = (old.metadata.generation ?? 0) + 1;
    }
  },
  validate: (o) => validateDeploymentSpec(obj(o.spec) ?? {}),
  warnings: (o) => (isCreating(o) ? podNameWarnings(o) : []),
  validateUpdate: (o, old) =>
    immutable("spec.selector", obj(o.spec)?.selector, obj(old.spec)?.selector),
};

export const deployments: ResourceDef = {
  group: "apps",
  versions: ["v1"],
  kind: "Deployment",
  plural: "deployments",
  singular: "deployment",
  namespaced: true,
  shortNames: ["deploy"],
  categories: ["all"],
  status: true,
  generation: true,
  scale: {
    specReplicasPath: ["spec", "replicas"],
    statusReplicasPath: ["status", "replicas"],
    labelSelectorPath: ["spec", "selector"],
  },
  strategy: deploymentStrategy,
  columns: [
    {
      name: "Ready",
      type: "string",
      description: "Number of the pod with ready state",
      cell: (o) => `${num(statusView(o).readyReplicas)}/${num(specView(o).replicas)}`,
    },
    {
      name: "Up-to-date",
      type: "string",
      description:
        "Total number of non-terminated pods targeted by this deployment that have the desired template spec.",
      cell: (o) => num(statusView(o).updatedReplicas),
    },
    {
      name: "Available",
      type: "string",
      description:
        "Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.",
      cell: (o) => num(statusView(o).availableReplicas),
    },
    AGE_COLUMN,
    ...containerColumns((o) => specView(o).template),
    {
      name: "Selector",
      type: "string",
      priority: 1,
      description:
        "Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment.",
      cell: (o) => asSelector(specView(o).selector)?.toString() ?? "<invalid>",
    },
  ],
};

/**
 * `apps/v1` DaemonSets: upstream's defaults (rolling updates of one node at a time, ten old
 * revisions), validation, an immutable selector, and the template generation that `apps/v1`
 * carries in the `deprecated.daemonset.template.generation` annotation.
 *
 * @module
 */
import type { FieldError } from "../../../../kube/errors.ts";
import { deepEqual, type KubeObject } from "../../../../kube/meta.ts";
import type { ResourceDef } from "../../resource.ts";
import { defaultPodTemplateSpec, validatePodTemplateSpec } from "../core/pod_spec.ts";
import {
  checkNonNegative,
  child,
  invalidField,
  notSupported,
  obj,
  required,
  setDefault,
} from "../core/util.ts";
import { type LabelSelector, validateLabelSelector } from "../../../../kube/labels.ts";
import {
  AGE_COLUMN,
  asSelector,
  containerColumns,
  defaultUnset,
  formatLabels,
  immutable,
  intOrPercentValue,
  notMoreThan100Percent,
  num,
  type Obj,
  podNameWarnings,
  selectorColumn,
  selectorMatchesTemplate,
  specOf,
  specView,
  statusView,
  templateOf,
  validateAlwaysRestart,
  validateIntOrPercent,
} from "./workload.ts";
import { isCreating, markCreating } from "./create_marker.ts";

/** The annotation through which `apps/v1` exposes the internal template generation. */
export const TEMPLATE_GENERATION_ANNOTATION = "deprecated.daemonset.template.generation";

/** Applies upstream's `SetDefaults_DaemonSet` and the pod template defaults. */
export function defaultDaemonSet(o: KubeObject): void {
  const spec = specOf(o);
  const strategy = child(spec, "updateStrategy");
  setDefault(strategy, "type", "RollingUpdate");
  if (strategy.type === "RollingUpdate") {
    const rolling = child(strategy, "rollingUpdate");
    defaultUnset(rolling, "maxUnavailable", 1);
    defaultUnset(rolling, "maxSurge", 0);
  }
  defaultUnset(spec, "revisionHistoryLimit", 10);
  defaultPodTemplateSpec(templateOf(spec));
}

/** Field errors for a daemon set's spec (upstream's `ValidateDaemonSetSpec`). */
export function validateDaemonSetSpec(spec: Obj): FieldError[] {
  const sel = obj(spec.selector);
  const errs = sel ? validateLabelSelector(sel as LabelSelector, "spec.selector") : [];
  const selector = asSelector(spec.selector);
  if (selector) errs.push(...selectorMatchesTemplate(selector, spec.template, "spec.template"));
  if (
    sel &&
    Object.keys(obj(sel.matchLabels) ?? {}).length +
          (Array.isArray(sel.matchExpressions) ? sel.matchExpressions.length : 0) === 0
  ) {
    errs.push(invalidField("spec.selector", sel, "empty selector is invalid for daemonset"));
  }
  errs.push(...validatePodTemplateSpec(spec.template, "spec.template"));
  errs.push(...validateAlwaysRestart(spec.template, "spec.template", "DaemonSet"));
  errs.push(...checkNonNegative(spec.minReadySeconds, "spec.minReadySeconds"));
  errs.push(...validateUpdateStrategy(spec.updateStrategy, "spec.updateStrategy"));
  errs.push(...checkNonNegative(spec.revisionHistoryLimit, "spec.revisionHistoryLimit"));
  return errs;
}

function validateUpdateStrategy(value: unknown, path: string): FieldError[] {
  const strategy = obj(value) ?? {};
  if (strategy.type === "OnDelete") return [];
  if (strategy.type !== "RollingUpdate") {
    return [notSupported(path, strategy, ["RollingUpdate", "OnDelete"])];
  }
  const rolling = obj(strategy.rollingUpdate);
  if (!rolling) return [required(`${path}.rollingUpdate`)];
  const p = `${path}.rollingUpdate`;
  const errs = [
    ...validateIntOrPercent(rolling.maxUnavailable, `${p}.maxUnavailable`),
    ...validateIntOrPercent(rolling.maxSurge, `${p}.maxSurge`),
    ...notMoreThan100Percent(rolling.maxUnavailable, `${p}.maxUnavailable`),
    ...notMoreThan100Percent(rolling.maxSurge, `${p}.maxSurge`),
  ];
  const unavailable = intOrPercentValue(rolling.maxUnavailable) !== 0;
  const surge = intOrPercentValue(rolling.maxSurge) !== 0;
  if (unavailable && surge) {
    errs.push(
      invalidField(
        `${p}.maxSurge`,
        rolling.maxSurge,
        "may not be set when maxUnavailable is non-zero",
      ),
    );
  } else if (!unavailable && !surge) {
    errs.push(required(`${p}.maxUnavailable`, "cannot be 0 when maxSurge is 0"));
  }
  return errs;
}

function templateGeneration(o: KubeObject): number {
  const value = o.metadata.annotations?.[TEMPLATE_GENERATION_ANNOTATION];
  return value !== undefined && /^\d+$/.test(value) ? Number(value) : 0;
}

function setTemplateGeneration(o: KubeObject, generation: number): void {
  o.metadata.annotations = {
    ...o.metadata.annotations,
    [TEMPLATE_GENERATION_ANNOTATION]: String(generation),
  };
}

export const daemonSets: ResourceDef = {
  group: "apps",
  versions: ["v1"],
  kind: "DaemonSet",
  plural: "daemonsets",
  singular: "daemonset",
  namespaced: true,
  shortNames: ["ds"],
  categories: ["all"],
  status: true,
  generation: true,
  strategy: {
    prepareForCreate(o) {
      o.status = {
        currentNumberScheduled: 0,
        numberMisscheduled: 0,
        desiredNumberScheduled: 0,
        numberReady: 0,
      };
      defaultDaemonSet(o);
      setTemplateGeneration(o, Math.max(templateGeneration(o), 1));
      markCreating(o);
    },
    prepareForUpdate(o, old) {
      defaultDaemonSet(o);
      // Clients cannot set the template generation; it counts template changes.
      const changed = !deepEqual(specView(o).template, specView(old).template);
      setTemplateGeneration(o, templateGeneration(old) + (changed ? 1 : 0));
    },
    validate: (o) => validateDaemonSetSpec(specView(o)),
    warnings: (o) => (isCreating(o) ? podNameWarnings(o) : []),
    validateUpdate: (o, old) =>
      immutable("spec.selector", specView(o).selector, specView(old).selector),
  },
  columns: [
    ...([
      [
        "Desired",
        "desiredNumberScheduled",
        "The total number of nodes that should be running the daemon pod (including nodes correctly running the daemon pod). More info: https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/",
      ],
      [
        "Current",
        "currentNumberScheduled",
        "The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod. More info: https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/",
      ],
      [
        "Ready",
        "numberReady",
        "The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and ready.",
      ],
      [
        "Up-to-date",
        "updatedNumberScheduled",
        "The total number of nodes that are running updated daemon pod",
      ],
      [
        "Available",
        "numberAvailable",
        "The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available (ready for at least spec.minReadySeconds)",
      ],
    ] as const).map(([name, field, description]) => ({
      name,
      type: "integer" as const,
      description,
      cell: (o: KubeObject) => num(statusView(o)[field]),
    })),
    {
      name: "Node Selector",
      type: "string",
      description:
        "NodeSelector is a selector which must be true for the pod to fit on a node. Selector which must match a node's labels for the pod to be scheduled on that node. More info: https://kubernetes.io/docs/concepts/configuration/assign-pod-node/",
      cell: (o) => formatLabels(obj(obj(specView(o).template)?.spec)?.nodeSelector),
    },
    AGE_COLUMN,
    ...containerColumns((o) => specView(o).template),
    selectorColumn(
      (o) => specView(o).selector,
      "A label query over pods that are managed by the daemon set. Must match in order to be controlled. It must match the pod template's labels. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors",
    ),
  ],
};

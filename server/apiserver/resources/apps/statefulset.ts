/**
 * `apps/v1` StatefulSets: upstream's defaults (OrderedReady pods, rolling updates from partition
 * 0, retained claims, claim template defaults), validation, and the rule that an update may only
 * change replicas, ordinals, template, update strategy, claim retention and minReadySeconds.
 *
 * @module
 */
import type { FieldError } from "../../../../kube/errors.ts";
import { validateAnnotations, validateLabels } from "../../../../kube/labels.ts";
import { deepEqual, type KubeObject } from "../../../../kube/meta.ts";
import type { ResourceDef } from "../../resource.ts";
import { defaultPodTemplateSpec } from "../core/pod_spec.ts";
import {
  checkNonNegative,
  child,
  forbiddenField,
  invalidField,
  notSupported,
  obj,
  objs,
  required,
  setDefault,
} from "../core/util.ts";
import {
  AGE_COLUMN,
  asSelector,
  containerColumns,
  defaultUnset,
  intOrPercentValue,
  notMoreThan100Percent,
  num,
  type Obj,
  selectorMatchesTemplate,
  specOf,
  specView,
  statusView,
  templateOf,
  validateAlwaysRestart,
  validateIntOrPercent,
  validateRequiredSelector,
} from "./workload.ts";

const RETENTION_POLICIES = ["Retain", "Delete"];

/** Applies upstream's `SetDefaults_StatefulSet`, pod template and claim template defaults. */
export function defaultStatefulSet(o: KubeObject): void {
  const spec = specOf(o);
  setDefault(spec, "podManagementPolicy", "OrderedReady");
  const strategy = child(spec, "updateStrategy");
  if (!strategy.type) {
    strategy.type = "RollingUpdate";
    if (!obj(strategy.rollingUpdate)) strategy.rollingUpdate = {};
  }
  const rolling = obj(strategy.rollingUpdate);
  if (strategy.type === "RollingUpdate" && rolling) defaultUnset(rolling, "partition", 0);
  const retention = child(spec, "persistentVolumeClaimRetentionPolicy");
  setDefault(retention, "whenDeleted", "Retain");
  setDefault(retention, "whenScaled", "Retain");
  defaultUnset(spec, "replicas", 1);
  defaultUnset(spec, "revisionHistoryLimit", 10);
  defaultPodTemplateSpec(templateOf(spec));
  for (const claim of objs(spec.volumeClaimTemplates)) {
    claim.apiVersion = "v1";
    claim.kind = "PersistentVolumeClaim";
    setDefault(child(claim, "spec"), "volumeMode", "Filesystem");
    setDefault(child(claim, "status"), "phase", "Pending");
  }
}

/** Field errors for a stateful set's spec (upstream's `ValidateStatefulSetSpec`). */
export function validateStatefulSetSpec(spec: Obj): FieldError[] {
  const errs: FieldError[] = [];
  const policy = spec.podManagementPolicy;
  if (policy === undefined || policy === null || policy === "") {
    errs.push(required("spec.podManagementPolicy"));
  } else if (policy !== "OrderedReady" && policy !== "Parallel") {
    errs.push(
      invalidField("spec.podManagementPolicy", policy, "must be 'OrderedReady' or 'Parallel'"),
    );
  }
  errs.push(...validateUpdateStrategy(obj(spec.updateStrategy) ?? {}));
  const retention = obj(spec.persistentVolumeClaimRetentionPolicy);
  if (retention) {
    const p = "spec.persistentVolumeClaimRetentionPolicy";
    for (const key of ["whenDeleted", "whenScaled"]) {
      if (!RETENTION_POLICIES.includes(retention[key] as string)) {
        errs.push(notSupported(`${p}.${key}`, retention[key] ?? "", RETENTION_POLICIES));
      }
    }
  }
  errs.push(...checkNonNegative(spec.replicas, "spec.replicas"));
  errs.push(...checkNonNegative(spec.minReadySeconds, "spec.minReadySeconds"));
  const ordinals = obj(spec.ordinals);
  if (ordinals) errs.push(...checkNonNegative(ordinals.start, "spec.ordinals.start"));
  errs.push(...validateRequiredSelector(spec.selector, "spec.selector", "statefulset"));
  const selector = asSelector(spec.selector);
  if (!selector) errs.push(invalidField("spec.selector", spec.selector, ""));
  else {
    // Upstream checks only the template's labels and annotations here, not its pod spec (whose
    // volumes may come from the claim templates), and names them without `metadata`.
    errs.push(...selectorMatchesTemplate(selector, spec.template, "spec.template"));
    const meta = obj(obj(spec.template)?.metadata) ?? {};
    errs.push(
      ...validateLabels(obj(meta.labels) as Record<string, string>, "spec.template.labels"),
    );
    errs.push(
      ...validateAnnotations(
        obj(meta.annotations) as Record<string, string>,
        "spec.template.annotations",
      ),
    );
  }
  errs.push(...validateAlwaysRestart(spec.template, "spec.template", "StatefulSet"));
  return errs;
}

function validateUpdateStrategy(strategy: Obj): FieldError[] {
  const path = "spec.updateStrategy";
  switch (strategy.type) {
    case undefined:
    case null:
    case "":
      return [required(path)];
    case "OnDelete":
      if (strategy.rollingUpdate === undefined || strategy.rollingUpdate === null) return [];
      return [
        invalidField(
          `${path}.rollingUpdate`,
          strategy.rollingUpdate,
          "only allowed for updateStrategy 'RollingUpdate'",
        ),
      ];
    case "RollingUpdate": {
      const rolling = obj(strategy.rollingUpdate);
      if (!rolling) return [];
      const p = `${path}.rollingUpdate`;
      const errs = checkNonNegative(rolling.partition, `${p}.partition`);
      const max = rolling.maxUnavailable;
      if (max !== undefined && max !== null) {
        errs.push(...validateIntOrPercent(max, `${p}.maxUnavailable`));
        if (intOrPercentValue(max) === 0) {
          errs.push(invalidField(`${p}.maxUnavailable`, max, "cannot be 0"));
        }
        errs.push(...notMoreThan100Percent(max, `${p}.maxUnavailable`));
      }
      return errs;
    }
    default:
      return [invalidField(path, strategy, "must be 'RollingUpdate' or 'OnDelete'")];
  }
}

/** The spec fields an update may change. */
const MUTABLE = new Set([
  "replicas",
  "ordinals",
  "template",
  "updateStrategy",
  "persistentVolumeClaimRetentionPolicy",
  "minReadySeconds",
]);

function validateStatefulSetUpdate(o: KubeObject, old: KubeObject): FieldError[] {
  const fixed = (spec: Obj) =>
    Object.fromEntries(Object.entries(spec).filter(([k]) => !MUTABLE.has(k)));
  if (deepEqual(fixed(specView(o)), fixed(specView(old)))) return [];
  return [
    forbiddenField(
      "spec",
      "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
    ),
  ];
}

export const statefulSets: ResourceDef = {
  group: "apps",
  versions: ["v1"],
  kind: "StatefulSet",
  plural: "statefulsets",
  singular: "statefulset",
  namespaced: true,
  nameIsLabel: true,
  shortNames: ["sts"],
  categories: ["all"],
  status: true,
  generation: true,
  scale: {
    specReplicasPath: ["spec", "replicas"],
    statusReplicasPath: ["status", "replicas"],
    labelSelectorPath: ["spec", "selector"],
  },
  strategy: {
    prepareForCreate(o) {
      o.status = { replicas: 0, availableReplicas: 0 };
      defaultStatefulSet(o);
    },
    prepareForUpdate: (o) => defaultStatefulSet(o),
    validate: (o) => validateStatefulSetSpec(specView(o)),
    validateUpdate: validateStatefulSetUpdate,
  },
  columns: [
    {
      name: "Ready",
      type: "string",
      description: "Number of the pod with ready state",
      cell: (o) => `${num(statusView(o).readyReplicas)}/${num(specView(o).replicas)}`,
    },
    AGE_COLUMN,
    ...containerColumns((o) => specView(o).template),
  ],
};

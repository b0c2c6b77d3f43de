/**
 * `batch/v1` Jobs: upstream's defaults, the generated selector and pod labels that tie a job to
 * its pods (unless `manualSelector`), validation, and the table `kubectl get jobs` prints.
 *
 * @module
 */
import { type KubeObject, parseTime } from "../../../../kube/meta.ts";
import type { ResourceDef } from "../../resource.ts";
import { humanDuration } from "../../table.ts";
import { defaultPodTemplateSpec } from "../core/pod_spec.ts";
import { child, obj, objs, setDefault } from "../core/util.ts";
import {
  AGE_COLUMN,
  containerColumns,
  defaultUnset,
  num,
  type Obj,
  podNameWarnings,
  selectorColumn,
  specOf,
  specView,
  statusView,
  templateOf,
} from "../apps/workload.ts";
import { isCreating, markCreating } from "../apps/create_marker.ts";
import { JOB_LABELS } from "./job_labels.ts";
import { validateJob } from "./job_validation.ts";
import { validateJobUpdate } from "./job_update_validation.ts";

const MAX_INT32 = 2147483647;

/** Upstream's `SetDefaults_Job` (without the label copy, which follows selector generation). */
export function defaultJob(o: KubeObject): void {
  const spec = specOf(o);
  if (!isSet(spec.completions) && !isSet(spec.parallelism)) {
    spec.completions = 1;
    spec.parallelism = 1;
  }
  defaultUnset(spec, "parallelism", 1);
  defaultUnset(spec, "backoffLimit", isSet(spec.backoffLimitPerIndex) ? MAX_INT32 : 6);
  defaultUnset(spec, "completionMode", "NonIndexed");
  defaultUnset(spec, "suspend", false);
  defaultUnset(
    spec,
    "podReplacementPolicy",
    obj(spec.podFailurePolicy) ? "Failed" : "TerminatingOrFailed",
  );
  defaultUnset(spec, "manualSelector", false);
  defaultJobSpecParts(spec);
}

/**
 * The defaults a job spec gets wherever it appears (also in a CronJob's job template): pod
 * failure policy condition patterns default to status True, and the pod template defaults.
 */
export function defaultJobSpecParts(spec: Obj): void {
  for (const rule of objs(obj(spec.podFailurePolicy)?.rules)) {
    for (const pattern of objs(rule.onPodConditions)) setDefault(pattern, "status", "True");
  }
  defaultPodTemplateSpec(templateOf(spec));
}

/** A job without labels of its own shows its template's, as upstream's defaulting does on read. */
function copyTemplateLabels(o: KubeObject): void {
  const labels = obj(obj(specView(o).template)?.metadata)?.labels;
  if (obj(labels) && Object.keys(o.metadata.labels ?? {}).length === 0) {
    o.metadata.labels = { ...(labels as Record<string, string>) };
  }
}

/**
 * Adds the job-name and controller-uid labels to the template (where absent) and selects the
 * controller-uid label, as upstream does for jobs without a manual selector. Conflicting values a
 * client set are left for validation to refuse.
 */
export function generateSelector(o: KubeObject): void {
  const spec = specOf(o);
  const labels = child(child(templateOf(spec), "metadata"), "labels") as Record<string, string>;
  const name = o.metadata.name ?? "";
  const uid = o.metadata.uid ?? "";
  for (const key of [JOB_LABELS.legacyJobName, JOB_LABELS.jobName]) labels[key] ??= name;
  for (const key of [JOB_LABELS.legacyControllerUid, JOB_LABELS.controllerUid]) {
    labels[key] ??= uid;
  }
  const matchLabels = child(child(spec, "selector"), "matchLabels") as Record<string, string>;
  matchLabels[JOB_LABELS.controllerUid] ??= uid;
}

function hasPrefixedLabels(template: unknown): boolean {
  const labels = obj(obj(obj(template)?.metadata)?.labels) ?? {};
  return JOB_LABELS.jobName in labels && JOB_LABELS.controllerUid in labels;
}

function isSet(v: unknown): boolean {
  return v !== undefined && v !== null;
}

function conditionTrue(status: Obj, type: string): boolean {
  return objs(status.conditions).some((c) => c.type === type && c.status === "True");
}

/** The STATUS column: upstream's order of precedence among the job's conditions. */
export function jobStatus(o: KubeObject): string {
  const status = statusView(o);
  if (conditionTrue(status, "Complete")) return "Complete";
  if (conditionTrue(status, "Failed")) return "Failed";
  if (o.metadata.deletionTimestamp) return "Terminating";
  if (conditionTrue(status, "Suspended")) return "Suspended";
  if (conditionTrue(status, "FailureTarget")) return "FailureTarget";
  if (conditionTrue(status, "SuccessCriteriaMet")) return "SuccessCriteriaMet";
  return "Running";
}

/** The COMPLETIONS column: `succeeded/completions`, or `n/1 of parallelism` for work queues. */
export function jobCompletions(o: KubeObject): string {
  const spec = specView(o);
  const succeeded = num(statusView(o).succeeded);
  if (typeof spec.completions === "number") return `${succeeded}/${spec.completions}`;
  const parallelism = num(spec.parallelism);
  return parallelism > 1 ? `${succeeded}/1 of ${parallelism}` : `${succeeded}/1`;
}

/** The DURATION column: from start to completion, or to now while running. */
export function jobDuration(o: KubeObject, now: Date): string {
  const status = statusView(o);
  const start = typeof status.startTime === "string" ? parseTime(status.startTime) : undefined;
  if (!start) return "";
  const end = typeof status.completionTime === "string"
    ? parseTime(status.completionTime) ?? now
    : now;
  return humanDuration((end.getTime() - start.getTime()) / 1000);
}

export const jobs: ResourceDef = {
  group: "batch",
  versions: ["v1"],
  kind: "Job",
  plural: "jobs",
  singular: "job",
  namespaced: true,
  categories: ["all"],
  status: true,
  generation: true,
  fields: { "status.successful": (o) => String(num(statusView(o).succeeded)) },
  strategy: {
    prepareForCreate(o) {
      defaultJob(o);
      if (specView(o).manualSelector !== true) generateSelector(o);
      copyTemplateLabels(o);
      o.status = {};
      markCreating(o);
    },
    prepareForUpdate(o) {
      defaultJob(o);
      copyTemplateLabels(o);
    },
    validate: (o) => validateJob(o, hasPrefixedLabels(specView(o).template)),
    warnings: (o) => (isCreating(o) ? podNameWarnings(o) : []),
    validateUpdate: validateJobUpdate,
  },
  columns: [
    { name: "Status", type: "string", description: "Status of the job.", cell: jobStatus },
    {
      name: "Completions",
      type: "string",
      description:
        "The number of pods which reached phase Succeeded. The value increases monotonically for a given spec. However, it may decrease in reaction to scale down of elastic indexed jobs.",
      cell: jobCompletions,
    },
    {
      name: "Duration",
      type: "string",
      description: "Time required to complete the job.",
      cell: jobDuration,
    },
    AGE_COLUMN,
    ...containerColumns((o) => specView(o).template),
    selectorColumn(
      (o) => specView(o).selector,
      "A label query over pods that should match the pod count. Normally, the system sets this field for you. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors",
    ),
  ],
};

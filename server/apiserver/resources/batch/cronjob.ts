/**
 * `batch/v1` CronJobs: upstream's defaults, schedule and time zone validation (a standard cron
 * expression or macro, no `TZ=` in new schedules, an IANA zone), and their table.
 *
 * @module
 */
import type { FieldError } from "../../../../kube/errors.ts";
import type { KubeObject } from "../../../../kube/meta.ts";
import type { ResourceDef } from "../../resource.ts";
import { age } from "../../table.ts";
import { checkEnum, checkNonNegative, child, invalidField, obj, required } from "../core/util.ts";
import {
  AGE_COLUMN,
  containerColumns,
  defaultUnset,
  type Obj,
  selectorColumn,
  specOf,
  specView,
  statusView,
} from "../apps/workload.ts";
import { isCreating, markCreating } from "../apps/create_marker.ts";
import { cronScheduleError } from "./cron.ts";
import { defaultJobSpecParts } from "./job.ts";
import { validateJobTemplateSpec } from "./job_validation.ts";
import { isKnownTimeZone } from "./zoned_time.ts";

/** Names of CronJobs leave room for the `-<timestamp>` suffix of their jobs' 63-character names. */
const MAX_NAME_LENGTH = 52;
const TZ_PART = /^[A-Za-z.\-_0-9+]{1,14}$/;

/** Upstream's `SetDefaults_CronJob` plus the defaults inside the job template. */
export function defaultCronJob(o: KubeObject): void {
  const spec = specOf(o);
  if (!spec.concurrencyPolicy) spec.concurrencyPolicy = "Allow";
  defaultUnset(spec, "suspend", false);
  defaultUnset(spec, "successfulJobsHistoryLimit", 3);
  defaultUnset(spec, "failedJobsHistoryLimit", 1);
  defaultJobSpecParts(child(child(spec, "jobTemplate"), "spec"));
}

/** Errors for a `spec.timeZone` value (upstream's `validateTimeZone`). */
export function validateTimeZone(value: unknown, field: string): FieldError[] {
  if (value === undefined || value === null) return [];
  const tz = String(value);
  if (tz === "") return [invalidField(field, tz, "timeZone must be nil or non-empty string")];
  const unknown = invalidField(field, tz, `unknown time zone ${tz}`);
  for (const part of tz.split("/")) {
    if (part === "." || part === ".." || part.startsWith("-") || !TZ_PART.test(part)) {
      return [unknown];
    }
  }
  const errs: FieldError[] = [];
  if (tz.toLowerCase() === "local") {
    errs.push(
      invalidField(
        field,
        tz,
        "timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones",
      ),
    );
  }
  if (tz !== "Local" && !isKnownTimeZone(tz)) errs.push(unknown);
  return errs;
}

/**
 * Errors for `spec.schedule`. A `TZ=` or `CRON_TZ=` prefix is refused unless the stored schedule
 * already had one (then it may not be combined with `timeZone`).
 */
export function validateSchedule(spec: Obj, oldSpec: Obj | undefined): FieldError[] {
  const field = "spec.schedule";
  const schedule = typeof spec.schedule === "string" ? spec.schedule : "";
  if (schedule === "") return [required(field)];
  const errs: FieldError[] = [];
  const parseError = cronScheduleError(schedule);
  if (parseError !== undefined) errs.push(invalidField(field, schedule, parseError));
  const allowTZ = typeof oldSpec?.schedule === "string" && oldSpec.schedule.includes("TZ");
  if (allowTZ && schedule.includes("TZ") && typeof spec.timeZone === "string") {
    errs.push(
      invalidField(field, schedule, "cannot use both timeZone field and TZ or CRON_TZ in schedule"),
    );
  } else if (!allowTZ && schedule.includes("TZ")) {
    errs.push(
      invalidField(
        field,
        schedule,
        "cannot use TZ or CRON_TZ in schedule, use timeZone field instead",
      ),
    );
  }
  return errs;
}

/** Errors for a CronJob spec; `oldSpec` is the stored one on update. */
export function validateCronJobSpec(spec: Obj, oldSpec: Obj | undefined): FieldError[] {
  const errs = validateSchedule(spec, oldSpec);
  errs.push(...checkNonNegative(spec.startingDeadlineSeconds, "spec.startingDeadlineSeconds"));
  if (!oldSpec || (oldSpec.timeZone ?? null) !== (spec.timeZone ?? null)) {
    errs.push(...validateTimeZone(spec.timeZone, "spec.timeZone"));
  }
  errs.push(
    ...checkEnum(spec.concurrencyPolicy, ["Allow", "Forbid", "Replace"], "spec.concurrencyPolicy"),
  );
  errs.push(...validateJobTemplateSpec(spec.jobTemplate, "spec.jobTemplate"));
  for (const key of ["successfulJobsHistoryLimit", "failedJobsHistoryLimit"]) {
    errs.push(...checkNonNegative(spec[key], `spec.${key}`));
  }
  return errs;
}

export const cronJobs: ResourceDef = {
  group: "batch",
  versions: ["v1"],
  kind: "CronJob",
  plural: "cronjobs",
  singular: "cronjob",
  namespaced: true,
  shortNames: ["cj"],
  categories: ["all"],
  status: true,
  generation: true,
  strategy: {
    prepareForCreate(o) {
      o.status = {};
      defaultCronJob(o);
      markCreating(o);
    },
    prepareForUpdate: (o) => defaultCronJob(o),
    validate(o) {
      if (!isCreating(o)) return [];
      const errs = validateCronJobSpec(specView(o), undefined);
      const name = o.metadata.name ?? "";
      if (name.length > MAX_NAME_LENGTH) {
        errs.push(
          invalidField("metadata.name", name, `must be no more than ${MAX_NAME_LENGTH} characters`),
        );
      }
      return errs;
    },
    validateUpdate: (o, old) => validateCronJobSpec(specView(o), specView(old)),
  },
  columns: [
    {
      name: "Schedule",
      type: "string",
      description: "The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron.",
      cell: (o) => specView(o).schedule,
    },
    {
      name: "Timezone",
      type: "string",
      description:
        "The time zone name for the given schedule, see https://en.wikipedia.org/wiki/List_of_tz_database_time_zones. If not specified, this will default to the time zone of the kube-controller-manager process. The set of valid time zone names and the time zone offset is loaded from the system-wide time zone database by the API server during CronJob validation and the controller manager during execution. If no system-wide time zone database can be found a bundled version of the database is used instead. If the time zone name becomes invalid during the lifetime of a CronJob or due to a change in host configuration, the controller will stop creating new new Jobs and will create a system event with the reason UnknownTimeZone. More information can be found in https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/#time-zones",
      cell: (o) => (typeof specView(o).timeZone === "string" ? specView(o).timeZone : "<none>"),
    },
    {
      name: "Suspend",
      type: "boolean",
      description:
        "This flag tells the controller to suspend subsequent executions, it does not apply to already started executions.  Defaults to false.",
      cell: (o) => {
        const suspend = specView(o).suspend;
        return typeof suspend === "boolean" ? (suspend ? "True" : "False") : "<unset>";
      },
    },
    {
      name: "Active",
      type: "integer",
      description: "A list of pointers to currently running jobs.",
      cell: (o) => (Array.isArray(statusView(o).active) ? (statusView(o).active as []).length : 0),
    },
    {
      name: "Last Schedule",
      type: "string",
      description: "Information when was the last time the job was successfully scheduled.",
      cell: (o, now) => {
        const last = statusView(o).lastScheduleTime;
        return typeof last === "string" ? age(last, now) : "<none>";
      },
    },
    AGE_COLUMN,
    ...containerColumns((o) => obj(obj(specView(o).jobTemplate)?.spec)?.template),
    selectorColumn(
      (o) => obj(obj(specView(o).jobTemplate)?.spec)?.selector,
      "A label query over pods that should match the pod count. Normally, the system sets this field for you. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors",
    ),
  ],
};

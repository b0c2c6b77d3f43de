/**
 * Validation of Jobs, job specs and CronJob job templates with upstream's rules: counts, indexed
 * completion limits, generated selectors, Never/OnFailure restarts, and what an update may change.
 *
 * @module
 */
import type { FieldError } from "../../../../kube/errors.ts";
import {
  isDNS1123Label,
  isDNS1123Subdomain,
  type LabelSelector,
  regexError,
  validateLabelSelector,
} from "../../../../kube/labels.ts";
import type { KubeObject } from "../../../../kube/meta.ts";
import { validatePodTemplateSpec } from "../core/pod_spec.ts";
import {
  checkNonNegative,
  invalidField,
  notSupported,
  type Obj,
  obj,
  required,
} from "../core/util.ts";
import { asSelector, selectorMatchesTemplate, specView, templateLabels } from "../apps/workload.ts";
import { validatePodFailurePolicy, validateSuccessPolicy } from "./job_policy_validation.ts";
import { JOB_LABELS } from "./job_labels.ts";

const MAX_PARALLELISM_INDEXED = 100_000;
const MAX_FAILED_INDEXES = 100_000;
const COMPLETIONS_SOFT_LIMIT = 100_000;
const PARALLELISM_LIMIT_HIGH_COMPLETIONS = 10_000;
const MAX_FAILED_INDEXES_HIGH_COMPLETIONS = 10_000;
const MAX_MANAGED_BY_LENGTH = 63;
const REPLACEMENT_POLICIES = ["Failed", "TerminatingOrFailed"];
const HTTP_PATH = /^[A-Za-z0-9/\-._~%!$&'()*+,;=:]+$/;

const isSet = (v: unknown) => v !== undefined && v !== null;

/** Errors for a job spec without its selector (upstream's `validateJobSpec`). */
export function validateJobSpecFields(spec: Obj, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (
    const key of [
      "parallelism",
      "completions",
      "activeDeadlineSeconds",
      "backoffLimit",
      "ttlSecondsAfterFinished",
      "backoffLimitPerIndex",
      "maxFailedIndexes",
    ]
  ) errs.push(...checkNonNegative(spec[key], `${path}.${key}`));
  if (isSet(spec.maxFailedIndexes) && !isSet(spec.backoffLimitPerIndex)) {
    errs.push(required(`${path}.backoffLimitPerIndex`, "when maxFailedIndexes is specified"));
  }
  if (typeof spec.managedBy === "string") errs.push(...validateManagedBy(spec.managedBy, path));
  const indexed = spec.completionMode === "Indexed";
  if (isSet(spec.completionMode) && !indexed && spec.completionMode !== "NonIndexed") {
    errs.push(
      notSupported(`${path}.completionMode`, spec.completionMode, ["NonIndexed", "Indexed"]),
    );
  }
  if (indexed) errs.push(...validateIndexed(spec, path));
  else {
    for (const key of ["backoffLimitPerIndex", "maxFailedIndexes"]) {
      if (isSet(spec[key])) {
        errs.push(invalidField(`${path}.${key}`, spec[key], "requires indexed completion mode"));
      }
    }
  }
  if (isSet(spec.podFailurePolicy)) {
    errs.push(...validatePodFailurePolicy(spec, `${path}.podFailurePolicy`));
  }
  if (isSet(spec.successPolicy)) {
    if (!indexed) {
      errs.push(
        invalidField(
          `${path}.successPolicy`,
          spec.successPolicy,
          "requires indexed completion mode",
        ),
      );
    } else errs.push(...validateSuccessPolicy(spec, `${path}.successPolicy`));
  }
  const replacement = spec.podReplacementPolicy;
  if (isSet(replacement)) {
    const allowed = isSet(spec.podFailurePolicy) ? ["Failed"] : REPLACEMENT_POLICIES;
    if (!allowed.includes(replacement as string)) {
      errs.push(notSupported(`${path}.podReplacementPolicy`, replacement, allowed));
    }
  }
  errs.push(...validatePodTemplateSpec(spec.template, `${path}.template`));
  const restartPath = `${path}.template.spec.restartPolicy`;
  const restart = obj(obj(spec.template)?.spec)?.restartPolicy ?? "";
  if (restart === "Always" || restart === "") {
    errs.push(required(restartPath, 'valid values: "OnFailure", "Never"'));
  } else if (restart !== "OnFailure" && restart !== "Never") {
    errs.push(notSupported(restartPath, restart, ["OnFailure", "Never"]));
  } else if (isSet(spec.podFailurePolicy) && restart !== "Never") {
    errs.push(
      invalidField(
        restartPath,
        restart,
        'only "Never" is supported when podFailurePolicy is specified',
      ),
    );
  }
  return errs;
}

function validateIndexed(spec: Obj, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const completions = spec.completions as number | undefined;
  const parallelism = spec.parallelism as number | undefined;
  const maxFailed = spec.maxFailedIndexes as number | undefined;
  if (!isSet(completions)) {
    errs.push(required(`${path}.completions`, "when completion mode is Indexed"));
  }
  if (typeof parallelism === "number" && parallelism > MAX_PARALLELISM_INDEXED) {
    errs.push(
      invalidField(
        `${path}.parallelism`,
        parallelism,
        `must be less than or equal to ${MAX_PARALLELISM_INDEXED} when completion mode is Indexed`,
      ),
    );
  }
  if (typeof completions === "number" && typeof maxFailed === "number" && maxFailed > completions) {
    errs.push(
      invalidField(
        `${path}.maxFailedIndexes`,
        maxFailed,
        "must be less than or equal to completions",
      ),
    );
  }
  if (typeof maxFailed === "number" && maxFailed > MAX_FAILED_INDEXES) {
    errs.push(
      invalidField(
        `${path}.maxFailedIndexes`,
        maxFailed,
        `must be less than or equal to ${MAX_FAILED_INDEXES}`,
      ),
    );
  }
  if (
    typeof completions === "number" && completions > COMPLETIONS_SOFT_LIMIT &&
    isSet(spec.backoffLimitPerIndex)
  ) {
    const suffix =
      `when completions are above ${COMPLETIONS_SOFT_LIMIT} and used with backoff limit per index`;
    if (!isSet(maxFailed)) {
      errs.push(
        required(
          `${path}.maxFailedIndexes`,
          `must be specified when completions is above ${COMPLETIONS_SOFT_LIMIT}`,
        ),
      );
    }
    if (typeof parallelism === "number" && parallelism > PARALLELISM_LIMIT_HIGH_COMPLETIONS) {
      errs.push(
        invalidField(
          `${path}.parallelism`,
          parallelism,
          `must be less than or equal to ${PARALLELISM_LIMIT_HIGH_COMPLETIONS} ${suffix}`,
        ),
      );
    }
    if (typeof maxFailed === "number" && maxFailed > MAX_FAILED_INDEXES_HIGH_COMPLETIONS) {
      errs.push(
        invalidField(
          `${path}.maxFailedIndexes`,
          maxFailed,
          `must be less than or equal to ${MAX_FAILED_INDEXES_HIGH_COMPLETIONS} ${suffix}`,
        ),
      );
    }
  }
  return errs;
}

function validateManagedBy(value: string, path: string): FieldError[] {
  const field = `${path}.managedBy`;
  const errs: FieldError[] = [];
  const slash = value.indexOf("/");
  if (value === "") errs.push(required(field));
  else if (slash <= 0 || slash === value.length - 1) {
    errs.push(invalidField(field, value, 'must be a domain-prefixed path (such as "acme.io/foo")'));
  } else {
    const host = value.slice(0, slash);
    for (const msg of isDNS1123Subdomain(host)) errs.push(invalidField(field, host, msg));
    const rest = value.slice(slash + 1);
    if (!HTTP_PATH.test(rest)) {
      errs.push(
        invalidField(field, rest, regexError("Invalid path", HTTP_PATH.source.slice(1, -1))),
      );
    }
  }
  if (value.length > MAX_MANAGED_BY_LENGTH) {
    errs.push({
      type: "FieldValueTooLong",
      field,
      value,
      detail: `must have at most ${MAX_MANAGED_BY_LENGTH} bytes`,
    });
  }
  return errs;
}

/**
 * Errors for a Job (upstream's `ValidateJob`): the generated selector and labels unless the
 * selector is manual, the spec, a required selector that selects the template, and a name that
 * leaves room for indexed pod hostnames.
 */
export function validateJob(o: KubeObject, requirePrefixedLabels: boolean): FieldError[] {
  const spec = specView(o);
  const errs = validateGeneratedSelector(o, requirePrefixedLabels);
  errs.push(...validateJobSpecFields(spec, "spec"));
  const sel = obj(spec.selector);
  if (!sel) errs.push(required("spec.selector"));
  else errs.push(...validateLabelSelector(sel as LabelSelector, "spec.selector"));
  const selector = asSelector(spec.selector);
  if (selector) errs.push(...selectorMatchesTemplate(selector, spec.template, "spec.template"));
  const completions = spec.completions;
  if (spec.completionMode === "Indexed" && typeof completions === "number" && completions > 0) {
    const hostname = `${o.metadata.name}-${completions - 1}`;
    if (isDNS1123Label(hostname).length > 0) {
      errs.push(
        invalidField(
          "metadata.name",
          o.metadata.name,
          `will not able to create pod with invalid DNS label: ${hostname}`,
        ),
      );
    }
  }
  return errs;
}

function validateGeneratedSelector(o: KubeObject, requirePrefixed: boolean): FieldError[] {
  const spec = specView(o);
  if (spec.manualSelector === true || !obj(spec.selector)) return [];
  const errs: FieldError[] = [];
  const uid = o.metadata.uid ?? "";
  const name = o.metadata.name ?? "";
  if (!uid) errs.push(required("metadata.uid"));
  const labels = templateLabels(spec.template) ?? {};
  const expected: Record<string, string> = {
    [JOB_LABELS.legacyControllerUid]: uid,
    [JOB_LABELS.legacyJobName]: name,
  };
  if (requirePrefixed) {
    expected[JOB_LABELS.controllerUid] = uid;
    expected[JOB_LABELS.jobName] = name;
  }
  const order = [
    JOB_LABELS.legacyControllerUid,
    JOB_LABELS.legacyJobName,
    JOB_LABELS.controllerUid,
    JOB_LABELS.jobName,
  ];
  for (const key of order.filter((k) => k in expected)) {
    const field = `spec.template.metadata.labels[${key}]`;
    if (!Object.hasOwn(labels, key)) errs.push(required(field, expected[key]));
    else if (labels[key] !== expected[key]) {
      errs.push(invalidField(field, labels, `must be '${expected[key]}'`));
    }
  }
  const selector = asSelector(spec.selector);
  if (selector && !selector.matches(expected)) {
    errs.push(invalidField("spec.selector", spec.selector, "`selector` not auto-generated"));
  }
  return errs;
}

/** Errors for a CronJob's job template (upstream's `ValidateJobTemplateSpec`). */
export function validateJobTemplateSpec(template: unknown, path: string): FieldError[] {
  const spec = obj(obj(template)?.spec) ?? {};
  const errs = validateJobSpecFields(spec, `${path}.spec`);
  if (isSet(spec.selector)) {
    errs.push(
      invalidField(`${path}.spec.selector`, spec.selector, "`selector` will be auto-generated"),
    );
  }
  if (spec.manualSelector === true) {
    errs.push(notSupported(`${path}.spec.manualSelector`, true, ["nil", "false"]));
  }
  return errs;
}

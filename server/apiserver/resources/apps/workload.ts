/**
 * What the workload resources (deployments, replica sets, stateful sets, daemon sets, jobs) share:
 * selector-against-template checks, int-or-percent fields, immutable fields and the container
 * columns of `kubectl get -o wide`.
 *
 * @module
 */
import type { FieldError } from "../../../../kube/errors.ts";
import {
  formatLabelSelector,
  isDNS1123Label,
  type LabelSelector,
  labelSelectorAsSelector,
  regexError,
  type Selector,
  validateLabelSelector,
} from "../../../../kube/labels.ts";
import { deepEqual, type KubeObject } from "../../../../kube/meta.ts";
import type { Column } from "../../resource.ts";
import { age } from "../../table.ts";
import { validatePodTemplateSpec } from "../core/pod_spec.ts";
import { invalidField, type Obj, obj, objs, required, str } from "../core/util.ts";

export type { Obj };

/** `spec` of an object, created when absent. */
export function specOf(o: KubeObject): Obj {
  if (!obj(o.spec)) o.spec = {};
  return o.spec as Obj;
}

/**
 * Upstream's create-time warning for a name that is a valid subdomain but not a DNS label, since
 * pod names and hostnames are derived from it.
 */
export function podNameWarnings(o: KubeObject): string[] {
  const msgs = isDNS1123Label(o.metadata.name ?? "");
  if (msgs.length === 0) return [];
  return [
    `metadata.name: this is used in Pod names and hostnames, which can result in surprising behavior; a DNS label is recommended: [${
      msgs.join(" ")
    }]`,
  ];
}

/** `spec` for reading (an empty object when absent). */
export function specView(o: KubeObject): Obj {
  return obj(o.spec) ?? {};
}

/** `status` for reading (an empty object when absent). */
export function statusView(o: KubeObject): Obj {
  return obj(o.status) ?? {};
}

/** `spec.template` of a workload spec, created when absent. */
export function templateOf(spec: Obj): Obj {
  if (!obj(spec.template)) spec.template = {};
  return spec.template as Obj;
}

/** The labels of a pod template, if any. */
export function templateLabels(template: unknown): Record<string, string> | undefined {
  return obj(obj(obj(template)?.metadata)?.labels) as Record<string, string> | undefined;
}

/** Sets `o[key]` when it is absent or null (Go's nil pointer); wrong types are left to validation. */
export function defaultUnset(o: Obj, key: string, value: unknown): void {
  if (o[key] === undefined || o[key] === null) o[key] = value;
}

/** `field is immutable` when the value changed, as upstream's `ValidateImmutableField`. */
export function immutable(field: string, value: unknown, old: unknown): FieldError[] {
  return deepEqual(value, old) ? [] : [invalidField(field, value ?? null, "field is immutable")];
}

/**
 * `spec.selector` of a workload: required, a valid and non-empty label selector. `kind` names the
 * resource in upstream's "empty selector is invalid for <kind>" text.
 */
export function validateRequiredSelector(
  selector: unknown,
  field: string,
  kind: string,
): FieldError[] {
  const sel = obj(selector);
  if (!sel) return [required(field)];
  const errs = validateLabelSelector(sel as LabelSelector, field);
  if (Object.keys(obj(sel.matchLabels) ?? {}).length + objs(sel.matchExpressions).length === 0) {
    errs.push(invalidField(field, sel, `empty selector is invalid for ${kind}`));
  }
  return errs;
}

/** The selector, or undefined when it cannot be converted (an unknown operator). */
export function asSelector(selector: unknown): Selector | undefined {
  try {
    return labelSelectorAsSelector((obj(selector) ?? null) as LabelSelector | null);
  } catch {
    return undefined;
  }
}

/** Upstream's check that a (non-empty) selector selects the template's labels. */
export function selectorMatchesTemplate(
  selector: Selector,
  template: unknown,
  templatePath: string,
): FieldError[] {
  const labels = templateLabels(template);
  if (selector.isEmpty() || selector.matches(labels ?? {})) return [];
  return [
    invalidField(
      `${templatePath}.metadata.labels`,
      labels ?? null,
      "`selector` does not match template `labels`",
    ),
  ];
}

/** `restartPolicy: Always` and no `activeDeadlineSeconds`, for templates of long-running pods. */
export function validateAlwaysRestart(
  template: unknown,
  templatePath: string,
  kind: string,
): FieldError[] {
  const spec = obj(obj(template)?.spec) ?? {};
  const errs: FieldError[] = [];
  if (spec.restartPolicy !== "Always") {
    errs.push({
      type: "FieldValueNotSupported",
      field: `${templatePath}.spec.restartPolicy`,
      value: spec.restartPolicy ?? "",
      detail: 'supported values: "Always"',
    });
  }
  if (spec.activeDeadlineSeconds !== undefined && spec.activeDeadlineSeconds !== null) {
    errs.push({
      type: "FieldValueForbidden",
      field: `${templatePath}.spec.activeDeadlineSeconds`,
      detail: `activeDeadlineSeconds in ${kind} is not Supported`,
    });
  }
  return errs;
}

/**
 * A replica set's (or deployment's) template: selected by the selector, a valid pod template,
 * and pods that restart Always (upstream's `ValidatePodTemplateSpecForReplicaSet`).
 */
export function validateReplicaSetTemplate(
  template: unknown,
  selector: Selector,
  templatePath: string,
): FieldError[] {
  return [
    ...selectorMatchesTemplate(selector, template, templatePath),
    ...validatePodTemplateSpec(template, templatePath),
    ...validateAlwaysRestart(template, templatePath, "ReplicaSet"),
  ];
}

const PERCENT = /^[0-9]+%$/;
const PERCENT_MSG = regexError(
  "a valid percent string must be a numeric string followed by an ending '%'",
  "[0-9]+%",
  "1%",
  "93%",
);

/** Upstream's `ValidatePositiveIntOrPercent`. Absent values are left to the caller. */
export function validateIntOrPercent(value: unknown, field: string): FieldError[] {
  if (value === undefined || value === null) return [];
  if (typeof value === "string") {
    return PERCENT.test(value) ? [] : [invalidField(field, value, PERCENT_MSG)];
  }
  if (typeof value === "number" && Number.isInteger(value)) {
    return value < 0 ? [invalidField(field, value, "must be greater than or equal to 0")] : [];
  }
  return [invalidField(field, value, "must be an integer or percentage (e.g '5%%')")];
}

/** The number in an int-or-percent (25 for "25%"), 0 when it is neither. */
export function intOrPercentValue(value: unknown): number {
  if (typeof value === "number") return Math.trunc(value);
  if (typeof value !== "string") return 0;
  const digits = PERCENT.test(value) ? value.slice(0, -1) : value;
  return /^[+-]?\d+$/.test(digits) ? Number(digits) : 0;
}

/** `must not be greater than 100%` for a percentage above 100. */
export function notMoreThan100Percent(value: unknown, field: string): FieldError[] {
  if (typeof value !== "string" || !PERCENT.test(value) || Number(value.slice(0, -1)) <= 100) {
    return [];
  }
  return [invalidField(field, value, "must not be greater than 100%")];
}

/** Container names and images of a pod template, comma separated, as `-o wide` shows them. */
export function containerCells(template: unknown): { names: string; images: string } {
  const containers = objs(obj(obj(template)?.spec)?.containers);
  return {
    names: containers.map((c) => str(c.name)).join(","),
    images: containers.map((c) => str(c.image)).join(","),
  };
}

/** A label map as upstream's `labels.FormatLabels`: sorted `k=v` pairs, `<none>` when empty. */
export function formatLabels(labels: unknown): string {
  const map = obj(labels) ?? {};
  const keys = Object.keys(map).sort();
  return keys.length ? keys.map((k) => `${k}=${str(map[k])}`).join(",") : "<none>";
}

/** A number from a loose object field (0 when absent). */
export function num(v: unknown): number {
  return typeof v === "number" ? v : 0;
}

export const AGE_DESCRIPTION =
  "CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata";

/** The Age column, for resources whose upstream table puts columns after it. */
export const AGE_COLUMN: Column = {
  name: "Age",
  type: "string",
  description: AGE_DESCRIPTION,
  cell: (o, now) => age(o.metadata.creationTimestamp ?? undefined, now),
};

/** The `-o wide` Containers and Images columns of a workload, given where its template is. */
export function containerColumns(templateOf: (o: KubeObject) => unknown): Column[] {
  return [
    {
      name: "Containers",
      type: "string",
      priority: 1,
      description: "Names of each container in the template.",
      cell: (o) => containerCells(templateOf(o)).names,
    },
    {
      name: "Images",
      type: "string",
      priority: 1,
      description: "Images referenced by each container in the template.",
      cell: (o) => containerCells(templateOf(o)).images,
    },
  ];
}

/** The `-o wide` Selector column, formatted as upstream's `FormatLabelSelector`. */
export function selectorColumn(
  selectorOf: (o: KubeObject) => unknown,
  description: string,
): Column {
  return {
    name: "Selector",
    type: "string",
    priority: 1,
    description,
    cell: (o) => formatLabelSelector((obj(selectorOf(o)) ?? null) as LabelSelector | null),
  };
}

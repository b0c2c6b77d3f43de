/**
 * Validation of `autoscaling/v2` HorizontalPodAutoscalers (upstream's
 * `ValidateHorizontalPodAutoscaler`): the scale target, replica bounds, each metric source and
 * its target, and the scaling behavior.
 *
 * @module
 */
import type { FieldError } from "../../../../kube/errors.ts";
import type { Obj } from "../core/util.ts";
import {
  checkEnum,
  forbiddenField,
  invalidField,
  notSupported,
  obj,
  objs,
  required,
  str,
} from "../core/util.ts";
import { toQuantity } from "../core/quantity.ts";

const SOURCE_TYPES = ["ContainerResource", "External", "Object", "Pods", "Resource"];
const SOURCE_FIELDS: Record<string, string> = {
  ContainerResource: "containerResource",
  External: "external",
  Object: "object",
  Pods: "pods",
  Resource: "resource",
};
const TARGET_TYPES = ["AverageValue", "Utilization", "Value"];
const SELECT_POLICIES = ["Disabled", "Max", "Min"];
const POLICY_TYPES = ["Percent", "Pods"];
const MAX_STABILIZATION_SECONDS = 3600;
const MAX_PERIOD_SECONDS = 1800;

/** Upstream's `IsValidPathSegmentName` messages. */
function pathSegmentErrors(value: string): string[] {
  if (value === "." || value === "..") return [`may not be '${value}'`];
  const errs: string[] = [];
  for (const bad of ["/", "%"]) if (value.includes(bad)) errs.push(`may not contain '${bad}'`);
  return errs;
}

/** A `CrossVersionObjectReference` (scale target, described object). */
export function validateObjectReference(ref: Obj, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const key of ["kind", "name"]) {
    const value = str(ref[key]);
    if (!value) errs.push(required(`${path}.${key}`));
    else {for (const m of pathSegmentErrors(value)) {
        errs.push(invalidField(`${path}.${key}`, value, m));
      }}
  }
  return errs;
}

function positiveQuantity(value: unknown, field: string): FieldError[] {
  if (value === undefined || value === null) return [];
  const q = toQuantity(value);
  if (!q) return [invalidField(field, value, "must be a valid quantity")];
  return q.sign() <= 0 ? [invalidField(field, value, "must be positive")] : [];
}

function validateTarget(target: Obj, path: string): FieldError[] {
  const errs = checkEnum(target.type, TARGET_TYPES, `${path}.type`);
  if (errs.length && (target.type === undefined || target.type === "")) {
    errs[0] = required(`${path}.type`, "must specify a metric target type");
  }
  const util = target.averageUtilization;
  if (typeof util === "number" && util < 1) {
    errs.push(invalidField(`${path}.averageUtilization`, util, "must be greater than 0"));
  }
  errs.push(...positiveQuantity(target.value, `${path}.value`));
  errs.push(...positiveQuantity(target.averageValue, `${path}.averageValue`));
  return errs;
}

function validateIdentifier(metric: Obj, path: string): FieldError[] {
  return str(metric.name) ? [] : [required(`${path}.name`, "must specify a metric name")];
}

function validateResourceSource(src: Obj, path: string, container: boolean): FieldError[] {
  const errs: FieldError[] = [];
  if (!str(src.name)) errs.push(required(`${path}.name`, "must specify a resource name"));
  if (container && !str(src.container)) {
    errs.push(required(`${path}.container`, "must specify a container"));
  }
  const target = obj(src.target) ?? {};
  const hasUtil = target.averageUtilization !== undefined && target.averageUtilization !== null;
  const hasValue = target.averageValue !== undefined && target.averageValue !== null;
  if (!hasUtil && !hasValue) {
    errs.push(
      required(
        `${path}.target.averageUtilization`,
        "must set either a target raw value or a target utilization",
      ),
    );
  } else if (hasUtil && hasValue) {
    errs.push(
      forbiddenField(
        `${path}.target.averageValue`,
        "may not set both a target raw value and a target utilization",
      ),
    );
  }
  errs.push(...validateTarget(target, `${path}.target`));
  return errs;
}

function validateSource(type: string, src: Obj, path: string): FieldError[] {
  switch (type) {
    case "Resource":
      return validateResourceSource(src, path, false);
    case "ContainerResource":
      return validateResourceSource(src, path, true);
    case "Object": {
      const errs = validateObjectReference(
        obj(src.describedObject) ?? {},
        `${path}.describedObject`,
      );
      errs.push(...validateIdentifier(obj(src.metric) ?? {}, `${path}.metric`));
      const target = obj(src.target) ?? {};
      if (target.value === undefined && target.averageValue === undefined) {
        errs.push(
          required(`${path}.target.value`, "must set either a target value or averageValue"),
        );
      }
      return [...errs, ...validateTarget(target, `${path}.target`)];
    }
    case "Pods": {
      const errs = validateIdentifier(obj(src.metric) ?? {}, `${path}.metric`);
      const target = obj(src.target) ?? {};
      if (target.averageValue === undefined || target.averageValue === null) {
        errs.push(
          required(`${path}.target.averageValue`, "must specify a positive target averageValue"),
        );
      }
      return [...errs, ...validateTarget(target, `${path}.target`)];
    }
    case "External": {
      const errs = validateIdentifier(obj(src.metric) ?? {}, `${path}.metric`);
      const target = obj(src.target) ?? {};
      const hasValue = target.value !== undefined && target.value !== null;
      const hasAverage = target.averageValue !== undefined && target.averageValue !== null;
      if (!hasValue && !hasAverage) {
        errs.push(
          required(
            `${path}.target.averageValue`,
            "must set either a target value for metric or a per-pod target",
          ),
        );
      } else if (hasValue && hasAverage) {
        errs.push(
          forbiddenField(
            `${path}.target.value`,
            "may not set both a target value for metric and a per-pod target",
          ),
        );
      }
      return [...errs, ...validateTarget(target, `${path}.target`)];
    }
  }
  return [];
}

/** Errors for one metric (upstream's `validateMetricSpec`). */
export function validateMetricSpec(spec: Obj, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const type = str(spec.type);
  if (!type) errs.push(required(`${path}.type`, "must specify a metric source type"));
  else if (!SOURCE_TYPES.includes(type)) {
    errs.push(notSupported(`${path}.type`, type, SOURCE_TYPES));
  }
  const present = Object.values(SOURCE_FIELDS).filter((f) => obj(spec[f]));
  const expected = SOURCE_FIELDS[type];
  if (expected && !present.includes(expected)) {
    errs.push(
      required(`${path}.${expected}`, "must populate information for the given metric source"),
    );
  }
  for (const field of present) {
    if (field !== expected && type) {
      errs.push(forbiddenField(`${path}.${field}`, "must populate the given metric source only"));
    }
  }
  if (expected && obj(spec[expected])) {
    errs.push(...validateSource(type, obj(spec[expected])!, `${path}.${expected}`));
  }
  return errs;
}

function validateRules(rules: Obj, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const window = rules.stabilizationWindowSeconds;
  if (typeof window === "number") {
    if (window < 0) {
      errs.push(
        invalidField(
          `${path}.stabilizationWindowSeconds`,
          window,
          "must be greater than or equal to zero",
        ),
      );
    } else if (window > MAX_STABILIZATION_SECONDS) {
      errs.push(
        invalidField(
          `${path}.stabilizationWindowSeconds`,
          window,
          `must be less than or equal to ${MAX_STABILIZATION_SECONDS}`,
        ),
      );
    }
  }
  errs.push(...checkEnum(rules.selectPolicy, SELECT_POLICIES, `${path}.selectPolicy`, false));
  const policies = objs(rules.policies);
  if (Array.isArray(rules.policies) && policies.length === 0) {
    errs.push(required(`${path}.policies`, "must specify at least one Policy"));
  }
  policies.forEach((p, i) => {
    const pp = `${path}.policies[${i}]`;
    errs.push(...checkEnum(p.type, POLICY_TYPES, `${pp}.type`));
    if (typeof p.value !== "number" || p.value <= 0) {
      errs.push(invalidField(`${pp}.value`, p.value ?? 0, "must be greater than zero"));
    }
    const period = p.periodSeconds;
    if (typeof period !== "number" || period <= 0) {
      errs.push(invalidField(`${pp}.periodSeconds`, period ?? 0, "must be greater than zero"));
    } else if (period > MAX_PERIOD_SECONDS) {
      errs.push(
        invalidField(
          `${pp}.periodSeconds`,
          period,
          `must be less than or equal to ${MAX_PERIOD_SECONDS}`,
        ),
      );
    }
  });
  return errs;
}

/** Errors for an HPA spec (upstream's `validateHorizontalPodAutoscalerSpec`). */
export function validateHpaSpec(spec: Obj): FieldError[] {
  const errs: FieldError[] = [];
  const min = spec.minReplicas;
  const max = spec.maxReplicas;
  if (typeof min === "number" && min < 1) {
    errs.push(invalidField("spec.minReplicas", min, "must be greater than or equal to 1"));
  }
  if (typeof max !== "number" || max < 1) {
    errs.push(invalidField("spec.maxReplicas", max ?? 0, "must be greater than 0"));
  }
  if (typeof min === "number" && typeof max === "number" && max < min) {
    errs.push(
      invalidField("spec.maxReplicas", max, "must be greater than or equal to `minReplicas`"),
    );
  }
  errs.push(...validateObjectReference(obj(spec.scaleTargetRef) ?? {}, "spec.scaleTargetRef"));
  objs(spec.metrics).forEach((m, i) => errs.push(...validateMetricSpec(m, `spec.metrics[${i}]`)));
  const behavior = obj(spec.behavior);
  for (const key of ["scaleUp", "scaleDown"]) {
    const rules = obj(behavior?.[key]);
    if (rules) errs.push(...validateRules(rules, `spec.behavior.${key}`));
  }
  return errs;
}

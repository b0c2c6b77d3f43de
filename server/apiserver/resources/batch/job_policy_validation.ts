/**
 * Validation of a Job's pod failure policy, success policy and index lists (`1,3-5`), with
 * upstream's limits and messages.
 *
 * @module
 */
import type { FieldError } from "../../../../kube/errors.ts";
import { validateQualifiedName } from "../../../../kube/labels.ts";
import { invalidField, notSupported, type Obj, obj, objs, required, str } from "../core/util.ts";
import { checkNonNegative } from "../core/util.ts";

const MAX_POD_FAILURE_POLICY_RULES = 20;
const MAX_EXIT_CODE_VALUES = 255;
const MAX_POD_CONDITION_PATTERNS = 20;
const MAX_SUCCESS_POLICY_RULES = 20;
const MAX_SUCCEEDED_INDEXES_LENGTH = 64 * 1024;
const ACTIONS = ["Count", "FailIndex", "FailJob", "Ignore"];
const EXIT_CODE_OPERATORS = ["In", "NotIn"];
const CONDITION_STATUSES = ["False", "True", "Unknown"];

function tooMany(field: string, actual: number, max: number): FieldError {
  return {
    type: "FieldValueTooMany",
    field,
    value: actual,
    detail: `must have at most ${max} items`,
  };
}

/** Go's `%q` of a string list: `["a" "b"]`. */
function quotedList(values: string[]): string {
  return `[${values.map((v) => JSON.stringify(v)).join(" ")}]`;
}

/** Errors for `spec.podFailurePolicy` of a job spec. */
export function validatePodFailurePolicy(spec: Obj, path: string): FieldError[] {
  const policy = obj(spec.podFailurePolicy) ?? {};
  const rules = objs(policy.rules);
  const errs: FieldError[] = [];
  if (rules.length > MAX_POD_FAILURE_POLICY_RULES) {
    errs.push(tooMany(`${path}.rules`, rules.length, MAX_POD_FAILURE_POLICY_RULES));
  }
  const podSpec = obj(obj(spec.template)?.spec) ?? {};
  const names = new Set(
    [...objs(podSpec.containers), ...objs(podSpec.initContainers)].map((c) => str(c.name)),
  );
  rules.forEach((rule, i) => errs.push(...validateRule(spec, rule, `${path}.rules[${i}]`, names)));
  return errs;
}

function validateRule(spec: Obj, rule: Obj, path: string, names: Set<string>): FieldError[] {
  const errs: FieldError[] = [];
  const action = str(rule.action);
  if (action === "") {
    errs.push(required(`${path}.action`, `valid values: ${quotedList(ACTIONS)}`));
  } else if (action === "FailIndex") {
    if (spec.backoffLimitPerIndex === undefined || spec.backoffLimitPerIndex === null) {
      errs.push(
        invalidField(`${path}.action`, action, "requires the backoffLimitPerIndex to be set"),
      );
    }
  } else if (!ACTIONS.includes(action)) {
    errs.push(notSupported(`${path}.action`, action, ACTIONS));
  }
  const onExitCodes = obj(rule.onExitCodes);
  const onConditions = objs(rule.onPodConditions);
  if (onExitCodes) errs.push(...validateExitCodes(onExitCodes, `${path}.onExitCodes`, names));
  if (onConditions.length > 0) {
    if (onConditions.length > MAX_POD_CONDITION_PATTERNS) {
      errs.push(
        tooMany(`${path}.onPodConditions`, onConditions.length, MAX_POD_CONDITION_PATTERNS),
      );
    }
    onConditions.forEach((pattern, j) => {
      const p = `${path}.onPodConditions[${j}]`;
      errs.push(...validateQualifiedName(str(pattern.type), `${p}.type`));
      const status = str(pattern.status);
      if (status === "") {
        errs.push(required(`${p}.status`, `valid values: ${quotedList(CONDITION_STATUSES)}`));
      } else if (!CONDITION_STATUSES.includes(status)) {
        errs.push(notSupported(`${p}.status`, status, CONDITION_STATUSES));
      }
    });
  }
  if (onExitCodes && onConditions.length > 0) {
    errs.push({
      type: "FieldValueInvalid",
      field: path,
      detail: "specifying both OnExitCodes and OnPodConditions is not supported",
    });
  }
  if (!onExitCodes && onConditions.length === 0) {
    errs.push({
      type: "FieldValueInvalid",
      field: path,
      detail: "specifying one of OnExitCodes and OnPodConditions is required",
    });
  }
  return errs;
}

function validateExitCodes(req: Obj, path: string, names: Set<string>): FieldError[] {
  const errs: FieldError[] = [];
  const operator = str(req.operator);
  if (operator === "") {
    errs.push(required(`${path}.operator`, `valid values: ${quotedList(EXIT_CODE_OPERATORS)}`));
  } else if (!EXIT_CODE_OPERATORS.includes(operator)) {
    errs.push(notSupported(`${path}.operator`, operator, EXIT_CODE_OPERATORS));
  }
  if (typeof req.containerName === "string" && !names.has(req.containerName)) {
    errs.push(
      invalidField(
        `${path}.containerName`,
        req.containerName,
        "must be one of the container or initContainer names in the pod template",
      ),
    );
  }
  const values = Array.isArray(req.values) ? req.values as number[] : [];
  if (values.length === 0) {
    errs.push(invalidField(`${path}.values`, values, "at least one value is required"));
  } else if (values.length > MAX_EXIT_CODE_VALUES) {
    errs.push(tooMany(`${path}.values`, values.length, MAX_EXIT_CODE_VALUES));
  }
  const seen = new Set<number>();
  let ordered = true;
  values.forEach((v, j) => {
    if (operator === "In" && v === 0) {
      errs.push(invalidField(`${path}.values[${j}]`, v, "must not be 0 for the In operator"));
    }
    if (seen.has(v)) {
      errs.push({ type: "FieldValueDuplicate", field: `${path}.values[${j}]`, value: v });
    } else seen.add(v);
    if (j > 0 && values[j - 1] > v) ordered = false;
  });
  if (!ordered) errs.push(invalidField(`${path}.values`, values, "must be ordered"));
  return errs;
}

/** Errors for `spec.successPolicy` of an indexed job spec. */
export function validateSuccessPolicy(spec: Obj, path: string): FieldError[] {
  const rules = objs(obj(spec.successPolicy)?.rules);
  const errs: FieldError[] = [];
  if (rules.length === 0) {
    errs.push(
      required(
        `${path}.rules`,
        "at least one rules must be specified when the successPolicy is specified",
      ),
    );
  }
  if (rules.length > MAX_SUCCESS_POLICY_RULES) {
    errs.push(tooMany(`${path}.rules`, rules.length, MAX_SUCCESS_POLICY_RULES));
  }
  const completions = typeof spec.completions === "number" ? spec.completions : 0;
  rules.forEach((rule, i) => {
    const p = `${path}.rules[${i}]`;
    const hasCount = typeof rule.succeededCount === "number";
    const indexes = typeof rule.succeededIndexes === "string" ? rule.succeededIndexes : undefined;
    if (!hasCount && indexes === undefined) {
      errs.push(
        required(p, "at least one of succeededCount or succeededIndexes must be specified"),
      );
    }
    let total = 0;
    if (indexes !== undefined) {
      if (indexes.length > MAX_SUCCEEDED_INDEXES_LENGTH) {
        errs.push({
          type: "FieldValueTooLong",
          field: `${p}.succeededIndexes`,
          value: indexes,
          detail: `must have at most ${MAX_SUCCEEDED_INDEXES_LENGTH} bytes`,
        });
      }
      const parsed = parseIndexes(indexes, completions);
      if (typeof parsed === "string") {
        errs.push(
          invalidField(
            `${p}.succeededIndexes`,
            indexes,
            `error parsing succeededIndexes: ${parsed}`,
          ),
        );
      } else total = parsed;
    }
    if (hasCount) {
      const count = rule.succeededCount as number;
      errs.push(...checkNonNegative(count, `${p}.succeededCount`));
      if (count > completions) {
        errs.push(
          invalidField(
            `${p}.succeededCount`,
            count,
            `must be less than or equal to ${completions} (the number of specified completions)`,
          ),
        );
      }
      if (indexes !== undefined && count > total) {
        errs.push(
          invalidField(
            `${p}.succeededCount`,
            count,
            `must be less than or equal to ${total} (the number of indexes in the specified succeededIndexes field)`,
          ),
        );
      }
    }
  });
  return errs;
}

/**
 * The number of indexes in an index list such as `0,2-4` below `completions`, or the error text
 * upstream gives for a malformed one.
 */
export function parseIndexes(text: string, completions: number): number | string {
  if (text === "") return 0;
  let last: number | undefined;
  let total = 0;
  for (const interval of text.split(",")) {
    const limits = interval.split("-");
    if (limits.length > 2) {
      return `the fragment ${
        JSON.stringify(interval)
      } violates the requirement that an index interval can have at most two parts separated by '-'`;
    }
    const bounds: number[] = [];
    for (const limit of limits) {
      if (!/^[+-]?\d+$/.test(limit)) {
        return `cannot convert string to integer for index: ${JSON.stringify(limit)}`;
      }
      if (Number(limit) >= completions) return `too large index: ${JSON.stringify(limit)}`;
      bounds.push(Number(limit));
    }
    const [x, y = x] = bounds;
    if (bounds.length === 2 && x >= y) return `non-increasing order, previous: ${x}, current: ${y}`;
    if (last !== undefined && last >= x) {
      return `non-increasing order, previous: ${last}, current: ${x}`;
    }
    total += y - x + 1;
    last = y;
  }
  return total;
}

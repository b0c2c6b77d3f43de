/**
 * Label selectors: the `labelSelector` query grammar (`a=b`, `a!=b`, `a in (x,y)`, `a notin (x)`,
 * `a`, `!a`, `a>1`), matching against label maps, `metav1.LabelSelector` conversion and
 * validation. Parse errors carry upstream's exact messages as 400 `BadRequest` errors.
 *
 * @module
 */

import { badRequest, type FieldError } from "./errors.ts";
import { isValidLabelValue, validateLabelKey } from "./labels_validation.ts";
import {
  newRequirement,
  type Requirement,
  Selector,
  type SelectorOperator,
} from "./labels_selector.ts";

export {
  aggregateMessage,
  type Labels,
  newRequirement,
  type Requirement,
  Selector,
  selectorFromSet,
  type SelectorOperator,
} from "./labels_selector.ts";
export { parseSelector } from "./labels_parse.ts";
export * from "./labels_validation.ts";

/** `metav1.LabelSelectorRequirement`. */
export interface LabelSelectorRequirement {
  key: string;
  operator: string;
  values?: string[];
}

/** `metav1.LabelSelector`. */
export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

/**
 * Converts a `metav1.LabelSelector` (upstream's `LabelSelectorAsSelector`): `null` matches
 * nothing, `{}` matches everything. Throws a 400 `StatusError` for an invalid selector.
 */
export function labelSelectorAsSelector(ls: LabelSelector | null | undefined): Selector {
  if (!ls) return Selector.nothing();
  const labels = ls.matchLabels ?? {};
  const exprs = ls.matchExpressions ?? [];
  const reqs: Requirement[] = [];
  for (const key in labels) {
    if (Object.hasOwn(labels, key)) reqs.push(newRequirement(key, "=", [labels[key]]));
  }
  for (const expr of exprs) {
    const op = Object.hasOwn(LABEL_SELECTOR_OPERATORS, expr.operator)
      ? LABEL_SELECTOR_OPERATORS[expr.operator]
      : undefined;
    if (op === undefined) {
      throw badRequest(`${JSON.stringify(expr.operator)} is not a valid label selector operator`);
    }
    // Upstream copies the values into a nil slice, so an empty list reports as `null`.
    reqs.push(newRequirement(expr.key, op, expr.values?.length ? expr.values : null));
  }
  return reqs.length === 0 ? Selector.everything() : Selector.everything().add(...reqs);
}

const LABEL_SELECTOR_OPERATORS: Readonly<Record<string, SelectorOperator>> = {
  In: "in",
  NotIn: "notin",
  Exists: "exists",
  DoesNotExist: "!",
};

/** The selector's string form for display: `<none>` when empty, `<error>` when invalid. */
export function formatLabelSelector(ls: LabelSelector | null | undefined): string {
  let s: string;
  try {
    s = labelSelectorAsSelector(ls).toString();
  } catch {
    return "<error>";
  }
  return s.length === 0 ? "<none>" : s;
}

/** Options for `validateLabelSelector`. */
export interface LabelSelectorValidationOptions {
  /** Accept values that are not valid label values (for old stored objects). */
  allowInvalidLabelValueInSelector?: boolean;
}

/** Field errors for a `metav1.LabelSelector` at `field` (upstream's `ValidateLabelSelector`). */
export function validateLabelSelector(
  ls: LabelSelector | null | undefined,
  field: string,
  opts: LabelSelectorValidationOptions = {},
): FieldError[] {
  const errs: FieldError[] = [];
  if (!ls) return errs;
  for (const key in ls.matchLabels ?? {}) {
    const labels = ls.matchLabels!;
    if (!Object.hasOwn(labels, key)) continue;
    errs.push(...validateLabelKey(key, `${field}.matchLabels`));
    for (const detail of isValidLabelValue(labels[key])) {
      errs.push({
        type: "FieldValueInvalid",
        field: `${field}.matchLabels`,
        value: labels[key],
        detail,
      });
    }
  }
  (ls.matchExpressions ?? []).forEach((expr, i) => {
    const path = `${field}.matchExpressions[${i}]`;
    const values = expr.values ?? [];
    switch (expr.operator) {
      case "In":
      case "NotIn":
        if (values.length === 0) {
          errs.push({
            type: "FieldValueRequired",
            field: `${path}.values`,
            detail: "must be specified when `operator` is 'In' or 'NotIn'",
          });
        }
        break;
      case "Exists":
      case "DoesNotExist":
        if (values.length > 0) {
          errs.push({
            type: "FieldValueForbidden",
            field: `${path}.values`,
            detail: "may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
          });
        }
        break;
      default:
        errs.push({
          type: "FieldValueInvalid",
          field: `${path}.operator`,
          value: expr.operator,
          detail: "not a valid selector operator",
        });
    }
    errs.push(...validateLabelKey(expr.key, `${path}.key`));
    if (!opts.allowInvalidLabelValueInSelector) {
      values.forEach((v, j) => {
        for (const detail of isValidLabelValue(v)) {
          errs.push({ type: "FieldValueInvalid", field: `${path}.values[${j}]`, value: v, detail });
        }
      });
    }
  });
  return errs;
}

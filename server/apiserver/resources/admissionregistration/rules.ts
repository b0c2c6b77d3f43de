/**
 * What the admission registration kinds share: rules naming operations, groups, versions and
 * resources, match conditions, selectors, and the failure and match policies (upstream's
 * `validateRule`, `validateRuleWithOperations`, `validateMatchConditions`).
 *
 * @module
 */
import type { FieldError } from "../../../../kube/errors.ts";
import {
  isQualifiedName,
  type LabelSelector,
  validateLabelSelector,
} from "../../../../kube/labels.ts";
import {
  arr,
  checkEnum,
  invalidField,
  notSupported,
  type Obj,
  obj,
  objs,
  required,
  str,
} from "../core/util.ts";

export const FAILURE_POLICIES = ["Fail", "Ignore"];
export const MATCH_POLICIES = ["Equivalent", "Exact"];
const OPERATIONS = ["*", "CONNECT", "CREATE", "DELETE", "UPDATE"];
const SCOPES = ["*", "Cluster", "Namespaced"];

/** Sets `o[key]` when absent or null. */
export function defaultField(o: Obj, key: string, value: unknown): void {
  if (o[key] === undefined || o[key] === null) o[key] = value;
}

/** Upstream's `SetDefaults_Rule`: scope `*`. */
export function defaultRules(rules: unknown): void {
  for (const rule of objs(rules)) defaultField(rule, "scope", "*");
}

function validateList(values: unknown[], path: string, what: string): FieldError[] {
  if (values.length === 0) return [required(path)];
  if (values.length > 1 && values.includes("*")) {
    return [invalidField(path, values, `if '*' is present, must not specify other ${what}`)];
  }
  return [];
}

function validateResources(resources: unknown[], path: string): FieldError[] {
  if (resources.length === 0) return [required(path)];
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  resources.forEach((r, i) => {
    const value = str(r);
    const field = `${path}[${i}]`;
    if (value === "") errs.push(required(field));
    if (seen.has(value)) errs.push({ type: "FieldValueDuplicate", field, value });
    seen.add(value);
    const [res, sub] = value.split("/", 2);
    if (value.split("/").length > 2) {
      errs.push(invalidField(field, value, "may only contain a single '/'"));
    } else if (res === "*" && sub !== undefined && sub !== "*" && resources.includes("*/*")) {
      errs.push(
        invalidField(field, value, "if '*/*' is present, must not specify other resources"),
      );
    }
  });
  return errs;
}

/** Errors for one rule (API groups, versions, resources, scope). */
export function validateRule(rule: Obj, path: string): FieldError[] {
  const errs = [
    ...validateList(arr(rule.apiGroups), `${path}.apiGroups`, "API groups"),
    ...validateList(arr(rule.apiVersions), `${path}.apiVersions`, "API versions"),
    ...validateResources(arr(rule.resources), `${path}.resources`),
  ];
  arr(rule.apiVersions).forEach((v, i) => {
    if (v === "") errs.push(required(`${path}.apiVersions[${i}]`));
  });
  if (rule.scope !== undefined && rule.scope !== null) {
    errs.push(...checkEnum(rule.scope, SCOPES, `${path}.scope`));
  }
  return errs;
}

/** Errors for a rule with operations. */
export function validateRuleWithOperations(rule: Obj, path: string): FieldError[] {
  const ops = arr(rule.operations);
  const errs = validateList(ops, `${path}.operations`, "operations");
  ops.forEach((op, i) => {
    if (typeof op !== "string" || !OPERATIONS.includes(op)) {
      errs.push(notSupported(`${path}.operations[${i}]`, op, OPERATIONS));
    }
  });
  return [...errs, ...validateRule(rule, path)];
}

/** Errors for `matchConditions` (CEL expressions are not compiled here). */
export function validateMatchConditions(conditions: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const names = new Set<string>();
  objs(conditions).forEach((c, i) => {
    const p = `${path}[${i}]`;
    const name = str(c.name);
    if (!name) errs.push(required(`${p}.name`));
    else for (const m of isQualifiedName(name)) errs.push(invalidField(`${p}.name`, name, m));
    if (names.has(name)) {
      errs.push({ type: "FieldValueDuplicate", field: `${p}.name`, value: name });
    }
    names.add(name);
    if (!str(c.expression)) errs.push(required(`${p}.expression`));
  });
  return errs;
}

/** Errors for a label selector field, when present. */
export function validateSelector(value: unknown, path: string): FieldError[] {
  const sel = obj(value);
  return sel ? validateLabelSelector(sel as LabelSelector, path) : [];
}

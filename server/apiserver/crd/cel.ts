/**
 * `x-kubernetes-validations` rules: CEL expressions over `self` (the value at the schema node) and,
 * for transition rules, `oldSelf` (the value before an update), evaluated with
 * `@marcbachmann/cel-js`. Values are typed by the schema as upstream does: `integer` fields are CEL
 * ints, `number` fields doubles. Kubernetes' list library (`isSorted`, `sum`, `min`, `max`,
 * `indexOf`, `lastIndexOf`) is added; other Kubernetes libraries (quantity, url, ip) are not.
 *
 * @module
 */
import { Environment } from "@marcbachmann/cel-js";
import type { FieldError } from "../../../kube/errors.ts";
import {
  additionalOf,
  isObj,
  itemsOf,
  type JSONSchemaProps,
  propertiesOf,
  type ValidationRule,
} from "./schema.ts";
import { compareStrings } from "../../../kube/order.ts";

type Program = (context: Record<string, unknown>) => unknown;

function cmp(a: unknown, b: unknown): number {
  if (typeof a === "string" && typeof b === "string") return compareStrings(a, b);
  return Number(a) - Number(b);
}

function listFn(
  name: string,
  returnType: string,
  handler: (l: unknown[], ...a: unknown[]) => unknown,
  params: number,
) {
  return {
    name,
    receiverType: "list",
    returnType,
    handler,
    params: Array.from({ length: params }, (_, i) => ({ name: `a${i}`, type: "dyn" })),
  };
}

const env = new Environment({
  unlistedVariablesAreDyn: true,
  homogeneousAggregateLiterals: false,
  enableOptionalTypes: true,
})
  .registerFunction(
    listFn("isSorted", "bool", (l) => l.every((x, i) => i === 0 || cmp(l[i - 1], x) <= 0), 0),
  )
  .registerFunction(
    listFn("sum", "dyn", (l) => l.reduce((a: unknown, b) => (a as number) + (b as number)), 0),
  )
  .registerFunction(listFn("min", "dyn", (l) => l.reduce((a, b) => cmp(a, b) <= 0 ? a : b), 0))
  .registerFunction(listFn("max", "dyn", (l) => l.reduce((a, b) => cmp(a, b) >= 0 ? a : b), 0))
  .registerFunction(listFn("indexOf", "int", (l, x) => BigInt(l.findIndex((y) => y === x)), 1))
  .registerFunction(
    listFn("lastIndexOf", "int", (l, x) => BigInt(l.findLastIndex((y) => y === x)), 1),
  );

const programs = new Map<string, Program | string>();

/** A compiled expression, or the compile error as text. */
export function compile(expression: string): Program | string {
  let p = programs.get(expression);
  if (p === undefined) {
    try {
      p = env.parse(expression) as unknown as Program;
    } catch (err) {
      p = `compilation failed: ERROR: <input>: ${(err as Error).message.split("\n")[0]}`;
    }
    programs.set(expression, p);
  }
  return p;
}

/** Whether a rule compares against the previous value (a transition rule). */
export function usesOldSelf(rule: string): boolean {
  return /\boldSelf\b/.test(rule);
}

/** A JSON value as CEL sees it under `schema`: whole numbers of integer fields are ints. */
export function celValue(v: unknown, s: JSONSchemaProps | undefined): unknown {
  if (typeof v === "number") {
    const intLike = !s || !s.type || s.type === "integer" || s["x-kubernetes-int-or-string"];
    return intLike && Number.isInteger(v) && s?.type !== "number" ? BigInt(v) : v;
  }
  if (Array.isArray(v)) {
    const items = s ? itemsOf(s) : undefined;
    return v.map((x) => celValue(x, items));
  }
  if (isObj(v)) {
    const props = s ? propertiesOf(s) : {};
    const additional = s ? additionalOf(s) : undefined;
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      out[k] = celValue(x, Object.hasOwn(props, k) ? props[k] : additional);
    }
    return out;
  }
  return v;
}

const REASONS: Record<string, FieldError["type"]> = {
  FieldValueRequired: "FieldValueRequired",
  FieldValueForbidden: "FieldValueForbidden",
  FieldValueDuplicate: "FieldValueDuplicate",
  FieldValueInvalid: "FieldValueInvalid",
};

function ruleError(
  path: string,
  s: JSONSchemaProps,
  rule: ValidationRule,
  detail: string,
): FieldError {
  const fieldPath = typeof rule.fieldPath === "string" && rule.fieldPath ? rule.fieldPath : "";
  const field = fieldPath
    ? (path ? path + fieldPath : fieldPath.replace(/^\./, ""))
    : (path || "<nil>");
  const type = REASONS[rule.reason ?? ""] ?? "FieldValueInvalid";
  if (type === "FieldValueInvalid" || type === "FieldValueDuplicate") {
    return { type, field, value: s.type ?? "object", detail };
  }
  return { type, field, detail };
}

function message(rule: ValidationRule, ctx: Record<string, unknown>): string {
  if (rule.messageExpression) {
    const p = compile(rule.messageExpression);
    if (typeof p !== "string") {
      try {
        const m = p(ctx);
        if (typeof m === "string" && m.trim()) return m;
      } catch { /* fall back to message */ }
    }
  }
  if (rule.message) return rule.message;
  return `failed rule: ${rule.rule.trim()}`;
}

function checkNode(
  v: unknown,
  old: unknown,
  s: JSONSchemaProps,
  path: string,
  errs: FieldError[],
  transitionsOnly: boolean,
): void {
  const rules = Array.isArray(s["x-kubernetes-validations"]) ? s["x-kubernetes-validations"] : [];
  for (const rule of rules) {
    if (typeof rule?.rule !== "string") continue;
    const transition = usesOldSelf(rule.rule);
    if (transition ? old === undefined || !transitionsOnly : transitionsOnly) continue;
    const program = compile(rule.rule);
    if (typeof program === "string") {
      errs.push(ruleError(path, s, rule, program));
      continue;
    }
    const ctx: Record<string, unknown> = { self: celValue(v, s) };
    if (transition) ctx.oldSelf = celValue(old, s);
    let result: unknown;
    try {
      result = program(ctx);
    } catch (err) {
      const text = (err as Error).message.split("\n")[0];
      errs.push(ruleError(path, s, rule, `${text} evaluating rule: ${rule.rule.trim()}`));
      continue;
    }
    if (result !== true) errs.push(ruleError(path, s, rule, message(rule, ctx)));
  }
}

function walk(
  v: unknown,
  old: unknown,
  s: JSONSchemaProps,
  path: string,
  errs: FieldError[],
  only: boolean,
): void {
  if (v === null || v === undefined) return;
  checkNode(v, old, s, path, errs, only);
  if (Array.isArray(v)) {
    const items = itemsOf(s);
    if (!items) return;
    const keys =
      s["x-kubernetes-list-type"] === "map" && Array.isArray(s["x-kubernetes-list-map-keys"])
        ? s["x-kubernetes-list-map-keys"]
        : null;
    v.forEach((x, i) => {
      let before: unknown = undefined;
      if (keys && Array.isArray(old) && isObj(x)) {
        before = old.find((o) => isObj(o) && keys.every((k) => o[k] === x[k]));
      }
      walk(x, before, items, `${path}[${i}]`, errs, only);
    });
    return;
  }
  if (!isObj(v)) return;
  const props = propertiesOf(s);
  const additional = additionalOf(s);
  const atomic = s["x-kubernetes-map-type"] === "atomic";
  for (const [k, x] of Object.entries(v)) {
    const sub = Object.hasOwn(props, k) ? props[k] : additional;
    if (!sub) continue;
    const before = !atomic && isObj(old) ? old[k] : undefined;
    walk(x, before, sub, path ? `${path}.${k}` : k, errs, only);
  }
}

/**
 * Errors of the rules in `schema` over `obj`: every rule without `oldSelf`, or with
 * `transitionsOnly` only the rules with `oldSelf`, evaluated where `old` has a value to compare.
 */
export function validateRules(
  obj: unknown,
  old: unknown,
  schema: JSONSchemaProps,
  transitionsOnly = false,
): FieldError[] {
  const errs: FieldError[] = [];
  walk(obj, old, schema, "", errs, transitionsOnly);
  return errs;
}

/** Whether a schema has any rule (so that objects need evaluating at all). */
export function hasRules(s: JSONSchemaProps | undefined): boolean {
  if (!s || !isObj(s)) return false;
  if (Array.isArray(s["x-kubernetes-validations"]) && s["x-kubernetes-validations"].length) {
    return true;
  }
  const items = itemsOf(s),
    additional = isObj(s.additionalProperties)
      ? s.additionalProperties as JSONSchemaProps
      : undefined;
  return hasRules(items) || hasRules(additional) || Object.values(propertiesOf(s)).some(hasRules);
}

/**
 * Evaluating one ValidatingAdmissionPolicy against one request and one param (or none): its
 * `variables` (lazily, each at most once, able to use the earlier ones), `matchConditions`,
 * `validations` and `auditAnnotations`, as CEL over `object`, `oldObject`, `request`, `params`,
 * `namespaceObject` and `variables`, with the CRD validation environment (`crd/cel.ts`).
 * `authorizer` is not available: an expression using it fails to evaluate.
 *
 * @module
 */
import { celValue, compile } from "../crd/cel.ts";
import { type Obj, obj, objs, str } from "./attributes.ts";

/** What one validation (or a configuration error) decided. */
export interface Decision {
  /** "deny": the validation failed or errored under failurePolicy Fail. */
  action: "deny";
  message: string;
  reason: string;
  /** Index of the failing validation (-1 for a configuration or condition error). */
  index: number;
}

export interface Evaluation {
  /** False when a matchCondition is false (the policy does not apply). */
  matched: boolean;
  decisions: Decision[];
  /** Audit annotations by key (without the policy name). */
  annotations: Record<string, string>;
}

/** The CEL activation: request, objects and params as CEL values (whole numbers as ints). */
export interface Inputs {
  request: Obj;
  params: unknown;
  namespaceObject: unknown;
}

function firstLine(err: unknown): string {
  return String((err as Error)?.message ?? err).split("\n")[0];
}

/** Runs an expression; throws a worded error when it does not compile or fails. */
function run(expression: string, activation: Record<string, unknown>): unknown {
  const program = compile(expression);
  if (typeof program === "string") throw new Error(program);
  return program(activation);
}

function activationOf(policy: Obj, inputs: Inputs): Record<string, unknown> {
  const request = inputs.request;
  const activation: Record<string, unknown> = {
    object: celValue(request.object ?? null, undefined),
    oldObject: celValue(request.oldObject ?? null, undefined),
    request: celValue(request, undefined),
    params: celValue(inputs.params ?? null, undefined),
    namespaceObject: celValue(inputs.namespaceObject ?? null, undefined),
  };
  const variables: Record<string, unknown> = {};
  for (const v of objs(obj(policy.spec)?.variables)) {
    const name = str(v.name), expression = str(v.expression);
    let done = false, value: unknown, error: Error | undefined;
    Object.defineProperty(variables, name, {
      enumerable: true,
      get() {
        if (!done) {
          done = true;
          try {
            value = run(expression, activation);
          } catch (err) {
            error = new Error(`composited variable "${name}" fails to evaluate: ${firstLine(err)}`);
          }
        }
        if (error) throw error;
        return value;
      },
    });
  }
  activation.variables = variables;
  return activation;
}

/** Evaluates a policy's conditions, validations and audit annotations for one param. */
export function evaluatePolicy(policy: Obj, inputs: Inputs, failClosed: boolean): Evaluation {
  const spec = obj(policy.spec) ?? {};
  const activation = activationOf(policy, inputs);
  const decisions: Decision[] = [];
  const errors: string[] = [];
  for (const c of objs(spec.matchConditions)) {
    let value: unknown;
    try {
      value = run(str(c.expression), activation);
    } catch (err) {
      errors.push(`expression '${str(c.expression)}' resulted in error: ${firstLine(err)}`);
      continue;
    }
    if (value === false) return { matched: false, decisions: [], annotations: {} };
    if (typeof value !== "boolean") {
      errors.push(`expression '${str(c.expression)}' must evaluate to bool`);
    }
  }
  if (errors.length) {
    if (failClosed) {
      decisions.push({ action: "deny", message: errors.join(", "), reason: "", index: -1 });
    }
    return { matched: !!decisions.length, decisions, annotations: {} };
  }
  for (const [index, v] of objs(spec.validations).entries()) {
    const expression = str(v.expression);
    let value: unknown;
    try {
      value = run(expression, activation);
    } catch (err) {
      if (failClosed) {
        decisions.push({
          action: "deny",
          message: `expression '${expression}' resulted in error: ${firstLine(err)}`,
          reason: "",
          index,
        });
      }
      continue;
    }
    if (value === true) continue;
    const message = typeof value === "boolean"
      ? failureMessage(v, activation)
      : `expression '${expression}' resulted in non-boolean value`;
    decisions.push({ action: "deny", message, reason: str(v.reason), index });
  }
  const annotations: Record<string, string> = {};
  for (const a of objs(spec.auditAnnotations)) {
    try {
      const value = run(str(a.valueExpression), activation);
      if (typeof value === "string") annotations[str(a.key)] = value;
    } catch { /* an annotation that fails is left out */ }
  }
  return { matched: true, decisions, annotations };
}

/** `messageExpression`'s text, else `message`, else `failed expression: <expression>`. */
function failureMessage(v: Obj, activation: Record<string, unknown>): string {
  const me = str(v.messageExpression);
  if (me) {
    try {
      const m = run(me, activation);
      if (typeof m === "string" && m.trim() && !m.includes("\n")) return m.trim();
    } catch { /* fall back to message */ }
  }
  return str(v.message) || `failed expression: ${str(v.expression).trim()}`;
}

/**
 * A webhook's `matchConditions`: CEL expressions over `object`, `oldObject` and `request`
 * (evaluated with `@marcbachmann/cel-js`), all of which must be true for the webhook to be
 * called. A false condition skips the webhook; an error (when none is false) is reported for
 * the failure policy to decide. `authorizer` checks are not available: an expression using
 * them fails to evaluate.
 *
 * @module
 */
// deno-lint-ignore no-import-prefix
import { parse } from "npm:@marcbachmann/cel-js@^8.0.0";
import type { Obj } from "./attributes.ts";

type Program = (context: Record<string, unknown>) => unknown;

const compiled = new Map<string, Program | Error>();

function compile(expression: string): Program {
  let p = compiled.get(expression);
  if (!p) {
    try {
      p = parse(expression) as unknown as Program;
    } catch (err) {
      p = err as Error;
    }
    if (compiled.size > 1000) compiled.clear();
    compiled.set(expression, p);
  }
  if (p instanceof Error) throw p;
  return p;
}

export type ConditionResult =
  | { match: true }
  | { match: false; condition: string }
  | { match: "error"; error: string };

/** Evaluates every condition against the AdmissionReview request. */
export function evaluateConditions(
  conditions: { name: string; expression: string }[],
  request: Obj,
): ConditionResult {
  const context = {
    object: request.object ?? null,
    oldObject: request.oldObject ?? null,
    request,
  };
  const errors: string[] = [];
  for (const c of conditions) {
    let value: unknown;
    try {
      value = compile(c.expression)(context);
    } catch (err) {
      errors.push(`expression '${c.expression}' resulted in error: ${firstLine(err)}`);
      continue;
    }
    if (typeof value !== "boolean") {
      errors.push(`expression '${c.expression}' must evaluate to bool`);
    } else if (!value) return { match: false, condition: c.name };
  }
  if (errors.length) return { match: "error", error: errors.join(", ") };
  return { match: true };
}

function firstLine(err: unknown): string {
  return String((err as Error)?.message ?? err).split("\n")[0];
}

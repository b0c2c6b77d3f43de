/**
 * The label selector model: requirements, the `Selector` that ANDs them, and matching against
 * label maps. Parsing lives in `labels_parse.ts`; `labels.ts` is the public face.
 *
 * @module
 */

import { badRequest, type FieldError, formatFieldError } from "./errors.ts";
import { isQualifiedName, isValidLabelValue } from "./labels_validation.ts";

/** A label map (`metadata.labels`). */
export type Labels = Readonly<Record<string, string>>;

/** Operators in the string grammar (`exists` and `!` are the unary ones). */
export type SelectorOperator = "in" | "notin" | "=" | "==" | "!=" | "gt" | "lt" | "exists" | "!";

const BINARY_OPERATORS = ["in", "notin", "=", "==", "!=", "gt", "lt"] as const;
const ALL_OPERATORS: readonly string[] = [...BINARY_OPERATORS, "exists", "!"];

/** One requirement: key, operator and values. Build them with `newRequirement`. */
export interface Requirement {
  readonly key: string;
  readonly operator: SelectorOperator;
  readonly values: readonly string[];
}

/** A parsed selector; all requirements must match (logical AND). */
export class Selector {
  readonly #nothing: boolean;

  /** Requirements sorted by key. */
  readonly requirements: readonly Requirement[];

  constructor(requirements: readonly Requirement[], nothing = false) {
    this.requirements = requirements;
    this.#nothing = nothing;
  }

  /** True when every requirement matches `labels` (a missing map has no labels). */
  matches(labels: Labels | undefined | null): boolean {
    if (this.#nothing) return false;
    const reqs = this.requirements;
    for (let i = 0; i < reqs.length; i++) {
      if (!requirementMatches(reqs[i], labels)) return false;
    }
    return true;
  }

  /** True for a selector that does not restrict anything. */
  isEmpty(): boolean {
    return !this.#nothing && this.requirements.length === 0;
  }

  /** True only for `Selector.nothing()`. */
  matchesNothing(): boolean {
    return this.#nothing;
  }

  /** The value `key` must equal for a match (`key=v`, `key==v`, `key in (v)`), if any. */
  requiresExactMatch(key: string): string | undefined {
    for (const r of this.requirements) {
      if (r.key !== key) continue;
      const exact = r.operator === "=" || r.operator === "==" || r.operator === "in";
      return exact && r.values.length === 1 ? r.values[0] : undefined;
    }
    return undefined;
  }

  /** A new selector with the extra requirements, sorted by key. */
  add(...requirements: Requirement[]): Selector {
    return new Selector(sortByKey([...this.requirements, ...requirements]));
  }

  /** The canonical string form, which parses back to an equal selector. */
  toString(): string {
    return this.requirements.map(requirementString).join(",");
  }

  static #everything = new Selector([]);
  static #nothingSelector = new Selector([], true);

  /** Matches every label set. */
  static everything(): Selector {
    return Selector.#everything;
  }

  /** Matches no label set (what a `null` `LabelSelector` means). */
  static nothing(): Selector {
    return Selector.#nothingSelector;
  }
}

function requirementMatches(r: Requirement, labels: Labels | undefined | null): boolean {
  // `typeof` also rejects inherited properties such as `constructor`.
  const value = labels ? labels[r.key] : undefined;
  const has = typeof value === "string";
  switch (r.operator) {
    case "=":
    case "==":
    case "in":
      return has && r.values.includes(value);
    case "!=":
    case "notin":
      return !has || !r.values.includes(value);
    case "exists":
      return has;
    case "!":
      return !has;
    case "gt":
    case "lt": {
      if (!has || r.values.length !== 1) return false;
      const have = parseInt64(value);
      const want = parseInt64(r.values[0]);
      if (have === undefined || want === undefined) return false;
      return r.operator === "gt" ? have > want : have < want;
    }
  }
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** Go's `strconv.ParseInt(s, 10, 64)`. */
function parseInt64(s: string): bigint | undefined {
  if (!/^[+-]?[0-9]+$/.test(s)) return undefined;
  const n = BigInt(s);
  return n < INT64_MIN || n > INT64_MAX ? undefined : n;
}

function requirementString(r: Requirement): string {
  let s = r.operator === "!" ? "!" + r.key : r.key;
  switch (r.operator) {
    case "exists":
    case "!":
      return s;
    case "in":
    case "notin":
      s += ` ${r.operator} (`;
      break;
    case "gt":
      s += ">";
      break;
    case "lt":
      s += "<";
      break;
    default:
      s += r.operator;
  }
  s += r.values.length === 1 ? r.values[0] : [...r.values].sort().join(",");
  return r.operator === "in" || r.operator === "notin" ? s + ")" : s;
}

function sortByKey(reqs: Requirement[]): Requirement[] {
  // Array.prototype.sort is stable, so equal keys keep their order.
  return reqs.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** Joins error messages the way upstream's aggregate error does. */
export function aggregateMessage(messages: readonly string[]): string {
  const unique = [...new Set(messages)];
  return unique.length === 1 ? unique[0] : `[${unique.join(", ")}]`;
}

/**
 * Builds a validated requirement (upstream's `NewRequirement`). Throws a 400 `StatusError` whose
 * message lists every problem with the key, operator and values.
 */
export function newRequirement(
  key: string,
  operator: string,
  values: readonly string[] | null | undefined,
): Requirement {
  const errs = requirementErrors(key, operator, values ?? null);
  if (errs.length > 0) throw badRequest(aggregateMessage(errs.map(formatFieldError)));
  return Object.freeze({
    key,
    operator: operator as SelectorOperator,
    values: Object.freeze([...(values ?? [])]),
  });
}

function requirementErrors(
  key: string,
  operator: string,
  values: readonly string[] | null,
): FieldError[] {
  const errs: FieldError[] = [];
  const keyErrs = isQualifiedName(key);
  if (keyErrs.length > 0) {
    errs.push({ type: "FieldValueInvalid", field: "key", value: key, detail: keyErrs.join("; ") });
  }
  const vals = values ?? [];
  const bad = (detail: string, field = "values", value: unknown = values): FieldError => ({
    type: "FieldValueInvalid",
    field,
    value,
    detail,
  });
  switch (operator) {
    case "in":
    case "notin":
      if (vals.length === 0) {
        errs.push(bad("for 'in', 'notin' operators, values set can't be empty"));
      }
      break;
    case "=":
    case "==":
    case "!=":
      if (vals.length !== 1) errs.push(bad("exact-match compatibility requires one single value"));
      break;
    case "exists":
    case "!":
      if (vals.length !== 0) {
        errs.push(bad("values set must be empty for exists and does not exist"));
      }
      break;
    case "gt":
    case "lt":
      if (vals.length !== 1) {
        errs.push(bad("for 'Gt', 'Lt' operators, exactly one value is required"));
      }
      vals.forEach((v, i) => {
        if (parseInt64(v) === undefined) {
          errs.push(
            bad("for 'Gt', 'Lt' operators, the value must be an integer", `values[${i}]`, v),
          );
        }
      });
      break;
    default:
      errs.push({
        type: "FieldValueNotSupported",
        field: "operator",
        value: operator,
        detail: "supported values: " + ALL_OPERATORS.map((o) => JSON.stringify(o)).join(", "),
      });
  }
  vals.forEach((v, i) => {
    const msgs = isValidLabelValue(v);
    if (msgs.length > 0) errs.push(bad(msgs.join("; "), `values[${i}][${key}]`, v));
  });
  return errs;
}

/** A selector requiring exactly the given labels; an empty or missing set matches everything. */
export function selectorFromSet(set: Labels | undefined | null): Selector {
  if (!set) return Selector.everything();
  const reqs: Requirement[] = [];
  for (const key in set) {
    if (Object.hasOwn(set, key)) {
      reqs.push(Object.freeze({ key, operator: "=", values: Object.freeze([set[key]]) }));
    }
  }
  return reqs.length === 0 ? Selector.everything() : new Selector(sortByKey(reqs));
}

/**
 * Field selectors: the `fieldSelector` query grammar (`a=b`, `a==b`, `a!=b`, comma-separated,
 * with `\` escaping `\`, `,` and `=` in values), matching against a map of field values, and the
 * errors upstream returns for malformed selectors and unsupported fields.
 *
 * @module
 */

import { badRequest, type StatusError } from "./errors.ts";

/** Operators a field selector understands. `=` and `==` mean the same. */
export type FieldOperator = "=" | "==" | "!=";

/** One term of a field selector. `value` is unescaped. */
export interface FieldRequirement {
  readonly field: string;
  readonly operator: FieldOperator;
  readonly value: string;
}

/** A map of field names (`metadata.name`, `spec.nodeName`, ...) to their string values. */
export type Fields = Readonly<Record<string, string>>;

/** A parsed field selector; every term must hold. */
export class FieldSelector {
  readonly #nothing: boolean;

  /** Terms in the parsed (sorted) order. */
  readonly requirements: readonly FieldRequirement[];

  constructor(requirements: readonly FieldRequirement[], nothing = false) {
    this.requirements = requirements;
    this.#nothing = nothing;
  }

  /** True when every term holds; a missing field has the value `""`. */
  matches(fields: Fields): boolean {
    if (this.#nothing) return false;
    const reqs = this.requirements;
    for (let i = 0; i < reqs.length; i++) {
      const r = reqs[i];
      const v = fields[r.field];
      const value = typeof v === "string" ? v : "";
      if ((value === r.value) === (r.operator === "!=")) return false;
    }
    return true;
  }

  /** True when the selector does not restrict anything. */
  isEmpty(): boolean {
    return !this.#nothing && this.requirements.length === 0;
  }

  /** The value `field` must equal for a match, if some term requires one. */
  requiresExactMatch(field: string): string | undefined {
    for (const r of this.requirements) {
      if (r.field === field && r.operator !== "!=") return r.value;
    }
    return undefined;
  }

  /**
   * A new selector with each term's field and value rewritten by `fn`; a term mapped to an empty
   * field and value is dropped. Errors thrown by `fn` propagate.
   */
  transform(fn: (field: string, value: string) => [string, string]): FieldSelector {
    if (this.#nothing) return this;
    const out: FieldRequirement[] = [];
    for (const r of this.requirements) {
      const [field, value] = fn(r.field, r.value);
      if (field === "" && value === "") continue;
      out.push({ field, operator: r.operator, value });
    }
    return new FieldSelector(out);
  }

  /** The string form, with values escaped; parses back to an equal selector. */
  toString(): string {
    return this.requirements.map((r) => `${r.field}${r.operator}${escapeFieldValue(r.value)}`)
      .join(",");
  }

  static #everything = new FieldSelector([]);
  static #nothingSelector = new FieldSelector([], true);

  /** Matches every object. */
  static everything(): FieldSelector {
    return FieldSelector.#everything;
  }

  /** Matches no object. */
  static nothing(): FieldSelector {
    return FieldSelector.#nothingSelector;
  }
}

/** Escapes `\`, `,` and `=` with a backslash so a value can appear in a selector. */
export function escapeFieldValue(value: string): string {
  return value.replace(/[\\,=]/g, (c) => "\\" + c);
}

/** Reverses `escapeFieldValue`; throws a 400 `StatusError` for a bad escape or a bare `,`/`=`. */
export function unescapeFieldValue(value: string): string {
  if (!/[\\,=]/.test(value)) return value;
  let out = "";
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (c === "\\") {
      const next = value[i + 1];
      if (next === undefined) {
        throw badRequest("invalid field selector: invalid escape sequence: \\");
      }
      if (next !== "\\" && next !== "," && next !== "=") {
        const cp = value.codePointAt(i + 1)!;
        throw badRequest(
          `invalid field selector: invalid escape sequence: \\${String.fromCodePoint(cp)}`,
        );
      }
      out += next;
      i++;
    } else if (c === "," || c === "=") {
      // Upstream prints the rune with %v, i.e. as its code point number.
      throw badRequest(
        `invalid field selector: unescaped character in value: ${c.charCodeAt(0)}`,
      );
    } else {
      out += c;
    }
  }
  return out;
}

/** Splits at commas that are not escaped; escapes stay in the terms. */
function splitTerms(selector: string): string[] {
  if (selector.length === 0) return [];
  const terms: string[] = [];
  let start = 0;
  let escaped = false;
  for (let i = 0; i < selector.length; i++) {
    const c = selector[i];
    if (escaped) escaped = false;
    else if (c === "\\") escaped = true;
    else if (c === ",") {
      terms.push(selector.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(selector.slice(start));
  return terms;
}

/** Splits a term at the first operator; `!=` and `==` win over `=` at the same position. */
function splitTerm(term: string): [string, FieldOperator, string] | undefined {
  for (let i = 0; i < term.length; i++) {
    const c = term[i];
    if (c === "!" && term[i + 1] === "=") return [term.slice(0, i), "!=", term.slice(i + 2)];
    if (c === "=") {
      if (term[i + 1] === "=") return [term.slice(0, i), "==", term.slice(i + 2)];
      return [term.slice(0, i), "=", term.slice(i + 1)];
    }
  }
  return undefined;
}

/** Byte-wise (UTF-8) string order, as Go's `sort.Strings`. */
function compareUtf8(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.codePointAt(i)!;
    const y = b.codePointAt(i)!;
    if (x !== y) return x - y;
    if (x > 0xffff) i++;
  }
  return a.length - b.length;
}

/**
 * Parses a `fieldSelector` query string. Terms are sorted, so equal selectors print the same.
 * Throws a 400 `StatusError` with upstream's message, e.g.
 * `invalid selector: 'a in (b)'; can't understand 'a in (b)'`.
 */
export function parseFieldSelector(selector: string): FieldSelector {
  const parts = splitTerms(selector).sort(compareUtf8);
  const reqs: FieldRequirement[] = [];
  for (const part of parts) {
    if (part === "") continue;
    const split = splitTerm(part);
    if (!split) throw badRequest(`invalid selector: '${selector}'; can't understand '${part}'`);
    const [field, operator, rhs] = split;
    reqs.push({ field, operator, value: unescapeFieldValue(rhs) });
  }
  return reqs.length === 0 ? FieldSelector.everything() : new FieldSelector(reqs);
}

/** A selector requiring every field to equal the given value (in sorted field order). */
export function fieldSelectorFromSet(set: Fields | undefined | null): FieldSelector {
  if (!set) return FieldSelector.everything();
  const keys = Object.keys(set).sort(compareUtf8);
  return new FieldSelector(keys.map((field) => ({ field, operator: "=", value: set[field] })));
}

/** The fields every resource supports in a field selector. */
export const DEFAULT_SELECTABLE_FIELDS: readonly string[] = ["metadata.name", "metadata.namespace"];

/**
 * Checks every term's field against the fields a resource supports. With the default set the
 * message is upstream's generic one (`"x" is not a known field selector: only "metadata.name",
 * "metadata.namespace"`); with a resource-specific set it is `field label not supported: x`,
 * as built-in resources say. Throws a 400 `StatusError`.
 */
export function checkSelectableFields(
  selector: FieldSelector,
  supported: Iterable<string> = DEFAULT_SELECTABLE_FIELDS,
): void {
  const allowed = supported instanceof Set ? supported as Set<string> : new Set(supported);
  const isDefault = supported === DEFAULT_SELECTABLE_FIELDS;
  for (const r of selector.requirements) {
    if (allowed.has(r.field)) continue;
    throw unsupportedField(r.field, isDefault);
  }
}

function unsupportedField(field: string, generic: boolean): StatusError {
  if (generic) {
    return badRequest(
      `${
        JSON.stringify(field)
      } is not a known field selector: only "metadata.name", "metadata.namespace"`,
    );
  }
  return badRequest(`field label not supported: ${field}`);
}

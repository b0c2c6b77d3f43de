/**
 * The label selector string parser: a lexer and a recursive-descent parser following upstream's
 * grammar and error messages.
 *
 * ```
 * <selector>    ::= <requirement> | <requirement> "," <selector>
 * <requirement> ::= [!] KEY [ ("in" | "notin") "(" VALUES ")" | ("=" | "==" | "!=" | ">" | "<") VALUE ]
 * ```
 *
 * @module
 */

import { badRequest, formatFieldError } from "./errors.ts";
import { isQualifiedName } from "./labels_validation.ts";
import {
  newRequirement,
  type Requirement,
  Selector,
  type SelectorOperator,
} from "./labels_selector.ts";

const enum Tok {
  Error,
  End,
  ClosedPar,
  Comma,
  DoesNotExist,
  DoubleEquals,
  Equals,
  GreaterThan,
  Identifier,
  In,
  LessThan,
  NotEquals,
  NotIn,
  OpenPar,
}

const KEYWORDS: Readonly<Record<string, Tok>> = {
  ")": Tok.ClosedPar,
  ",": Tok.Comma,
  "!": Tok.DoesNotExist,
  "==": Tok.DoubleEquals,
  "=": Tok.Equals,
  ">": Tok.GreaterThan,
  "in": Tok.In,
  "<": Tok.LessThan,
  "!=": Tok.NotEquals,
  "notin": Tok.NotIn,
  "(": Tok.OpenPar,
};

function keyword(s: string): Tok | undefined {
  return Object.hasOwn(KEYWORDS, s) ? KEYWORDS[s] : undefined;
}

function isWhitespace(c: string): boolean {
  return c === " " || c === "\t" || c === "\r" || c === "\n";
}

function isSpecial(c: string): boolean {
  return c === "=" || c === "!" || c === "(" || c === ")" || c === "," || c === ">" || c === "<";
}

/** Splits the input into tokens; upstream stops at a NUL character as at the end of input. */
function lex(s: string): Array<[Tok, string]> {
  const items: Array<[Tok, string]> = [];
  let pos = 0;
  const at = (i: number): string => (i < s.length && s[i] !== "\0" ? s[i] : "");
  for (;;) {
    while (isWhitespace(at(pos))) pos++;
    const c = at(pos);
    if (c === "") {
      items.push([Tok.End, ""]);
      return items;
    }
    if (isSpecial(c)) {
      // Longest run of special characters that still forms a token.
      let buf = "";
      let last: [Tok, string] | undefined;
      let stopped = false;
      while (isSpecial(at(pos))) {
        const tok = keyword(buf + at(pos));
        if (tok === undefined && last) {
          stopped = true;
          break;
        }
        buf += at(pos++);
        if (tok !== undefined) last = [tok, buf];
      }
      if (!stopped && at(pos) === "" && pos < s.length) pos++; // a NUL is consumed
      items.push(last ?? [Tok.Error, `error expected: keyword found '${buf}'`]);
      continue;
    }
    const start = pos;
    while (at(pos) !== "" && !isSpecial(at(pos)) && !isWhitespace(at(pos))) pos++;
    const word = s.slice(start, pos);
    if (at(pos) === "" && pos < s.length) pos++; // a NUL ends the word and is consumed
    const tok = keyword(word);
    items.push([tok ?? Tok.Identifier, word]);
  }
}

const BINARY = "in, notin, =, ==, !=, gt, lt";

class Parser {
  #items: Array<[Tok, string]>;
  #pos = 0;

  constructor(input: string) {
    this.#items = lex(input);
  }

  /** The next token; in value context the words `in` and `notin` are plain identifiers. */
  #peek(values = true): [Tok, string] {
    const [tok, lit] = this.#items[this.#pos];
    return values && (tok === Tok.In || tok === Tok.NotIn) ? [Tok.Identifier, lit] : [tok, lit];
  }

  #next(values = true): [Tok, string] {
    const item = this.#peek(values);
    this.#pos++;
    return item;
  }

  parse(): Requirement[] {
    const reqs: Requirement[] = [];
    for (;;) {
      const [tok, lit] = this.#peek();
      if (tok === Tok.End) return reqs;
      if (tok !== Tok.Identifier && tok !== Tok.DoesNotExist) {
        throw new Error(`found '${lit}', expected: !, identifier, or 'end of string'`);
      }
      try {
        reqs.push(this.#requirement());
      } catch (e) {
        throw new Error(`unable to parse requirement: ${(e as Error).message}`);
      }
      const [t, l] = this.#next();
      if (t === Tok.End) return reqs;
      if (t !== Tok.Comma) throw new Error(`found '${l}', expected: ',' or 'end of string'`);
      const [t2, l2] = this.#peek();
      if (t2 !== Tok.Identifier && t2 !== Tok.DoesNotExist) {
        throw new Error(`found '${l2}', expected: identifier after ','`);
      }
    }
  }

  #requirement(): Requirement {
    let [tok, key] = this.#next();
    let unary: SelectorOperator | undefined;
    if (tok === Tok.DoesNotExist) {
      unary = "!";
      [tok, key] = this.#next();
    }
    if (tok !== Tok.Identifier) throw new Error(`found '${key}', expected: identifier`);
    const keyErrs = isQualifiedName(key);
    if (keyErrs.length > 0) {
      // Upstream validates the key against a nil field path here, hence `<nil>`.
      throw new Error(formatFieldError({
        type: "FieldValueInvalid",
        field: "<nil>",
        value: key,
        detail: keyErrs.join("; "),
      }));
    }
    const [after] = this.#peek();
    if (after === Tok.End || after === Tok.Comma) unary ??= "exists";
    if (unary) return newRequirement(key, unary, []);

    const op = this.#operator();
    const values = op === "in" || op === "notin" ? this.#valueSet() : this.#exactValue();
    return newRequirement(key, op, [...values].sort());
  }

  #operator(): SelectorOperator {
    const [tok, lit] = this.#next(false);
    switch (tok) {
      case Tok.In:
        return "in";
      case Tok.NotIn:
        return "notin";
      case Tok.Equals:
        return "=";
      case Tok.DoubleEquals:
        return "==";
      case Tok.NotEquals:
        return "!=";
      case Tok.GreaterThan:
        return "gt";
      case Tok.LessThan:
        return "lt";
      default:
        throw new Error(`found '${lit}', expected: ${BINARY}`);
    }
  }

  #valueSet(): Set<string> {
    const [open, openLit] = this.#next();
    if (open !== Tok.OpenPar) throw new Error(`found '${openLit}' expected: '('`);
    const [tok, lit] = this.#peek();
    if (tok === Tok.ClosedPar) {
      this.#pos++;
      return new Set([""]);
    }
    if (tok !== Tok.Identifier && tok !== Tok.Comma) {
      throw new Error(`found '${lit}', expected: ',', ')' or identifier`);
    }
    const values = this.#identifierList();
    // Upstream reports the first token of the list here, not the offending one.
    if (this.#next()[0] !== Tok.ClosedPar) throw new Error(`found '${lit}', expected: ')'`);
    return values;
  }

  #identifierList(): Set<string> {
    const values = new Set<string>();
    for (;;) {
      const [tok, lit] = this.#next();
      if (tok === Tok.Identifier) {
        values.add(lit);
        const [t2, l2] = this.#peek();
        if (t2 === Tok.Comma) continue;
        if (t2 === Tok.ClosedPar) return values;
        throw new Error(`found '${l2}', expected: ',' or ')'`);
      }
      if (tok !== Tok.Comma) throw new Error(`found '${lit}', expected: ',', or identifier`);
      // Empty entries around commas stand for the empty value: `(,a)`, `(a,)`, `(a,,b)`.
      if (values.size === 0) values.add("");
      const [t2] = this.#peek();
      if (t2 === Tok.ClosedPar) {
        values.add("");
        return values;
      }
      if (t2 === Tok.Comma) values.add("");
    }
  }

  #exactValue(): Set<string> {
    const [tok] = this.#peek();
    if (tok === Tok.End || tok === Tok.Comma) return new Set([""]);
    const [t, lit] = this.#next();
    if (t === Tok.Identifier) return new Set([lit]);
    throw new Error(`found '${lit}', expected: identifier`);
  }
}

/**
 * Parses a `labelSelector` query string into a `Selector` (requirements sorted by key). The empty
 * string matches everything. Throws a 400 `StatusError` carrying upstream's message, e.g.
 * `unable to parse requirement: found '', expected: '('`.
 */
export function parseSelector(text: string): Selector {
  let reqs: Requirement[];
  try {
    reqs = new Parser(text).parse();
  } catch (e) {
    throw badRequest((e as Error).message);
  }
  if (reqs.length === 0) return Selector.everything();
  return new Selector(reqs.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)));
}

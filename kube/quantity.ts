/**
 * `resource.Quantity`: exact fixed-point amounts such as `100m`, `1.5Gi` or `2e3`, parsed and
 * printed in upstream's canonical form (`1000m` → `1`, `1.5Gi` → `1536Mi`, `0.1` → `100m`),
 * with comparison and arithmetic. Values are a `bigint` mantissa and a power-of-ten exponent,
 * so nothing is ever rounded through a float.
 *
 * @module
 */

import { badRequest, type StatusError } from "./errors.ts";
import {
  abs,
  canonicalize,
  divRoundUp,
  ERR_FORMAT,
  ERR_NUMERIC,
  ERR_SUFFIX,
  fastPath,
  INT64_MAX,
  interpret,
  pow10,
  type QuantityFormat,
  reusesInput,
  scan,
} from "./quantity_text.ts";

export type { QuantityFormat } from "./quantity_text.ts";

/** Exponent gaps beyond this would need absurdly large intermediate numbers. */
const MAX_ALIGN_DIGITS = 100_000;

/** An immutable quantity. Build one with `parseQuantity` or the static constructors. */
export class Quantity {
  /** The value is `#mantissa * 10^#exponent`. */
  readonly #mantissa: bigint;
  readonly #exponent: number;
  #text: string | undefined;

  /** The format `toString()` prints in. */
  readonly format: QuantityFormat;

  private constructor(mantissa: bigint, exponent: number, format: QuantityFormat, text?: string) {
    this.#mantissa = mantissa;
    this.#exponent = exponent;
    this.format = format;
    this.#text = text;
  }

  /** Parses a quantity string; see `parseQuantity`. */
  static parse(str: string): Quantity {
    if (str.length === 0) throw badRequest(ERR_FORMAT);
    if (str === "0") return new Quantity(0n, 0, "DecimalSI", "0");
    const { positive, value, num, denom, suffix } = scan(str);
    const meaning = interpret(suffix);
    if (!meaning) throw badRequest(ERR_SUFFIX);
    const [base, power, format] = meaning;
    const fast = fastPath(num, denom, base, power);
    // Upstream's exact (slow) path needs digits to parse; its fast path reads none as zero.
    if (!fast && !/[0-9]/.test(value)) throw badRequest(ERR_NUMERIC);
    const digits = BigInt(num + denom);
    let mantissa = positive ? digits : -digits;
    let exponent = -denom.length;
    if (base === 10) exponent += power;
    else mantissa <<= BigInt(power);
    let text: string | undefined;
    if (exponent < -9) {
      mantissa = divRoundUp(mantissa, -9 - exponent)[0];
      exponent = -9;
    } else if (fast && reusesInput(num, denom, base, power, exponent)) {
      text = str;
    }
    let fmt = format;
    if (format === "BinarySI") {
      if (abs(mantissa) > INT64_MAX * pow10(Math.max(0, -exponent))) {
        mantissa = (mantissa < 0n ? -INT64_MAX : INT64_MAX) * pow10(Math.max(0, -exponent));
      }
      if (mantissa !== 0n && abs(mantissa) < pow10(Math.max(0, -exponent))) fmt = "DecimalSI";
    }
    return new Quantity(mantissa, exponent, fmt, text);
  }

  /** `value` units in `format` (upstream's `NewQuantity`). */
  static fromInt(value: bigint | number, format: QuantityFormat = "DecimalSI"): Quantity {
    return new Quantity(BigInt(value), 0, format);
  }

  /** `value / 1000` units in `format` (upstream's `NewMilliQuantity`). */
  static fromMilli(value: bigint | number, format: QuantityFormat = "DecimalSI"): Quantity {
    return new Quantity(BigInt(value), -3, format);
  }

  /** `value * 10^scale` in DecimalSI, rounded up to nano units if finer. */
  static fromScaled(value: bigint | number, scale: number): Quantity {
    let m = BigInt(value);
    let e = scale;
    if (e < -9) {
      m = divRoundUp(m, -9 - e)[0];
      e = -9;
    }
    return new Quantity(m, e, "DecimalSI");
  }

  /** The same value, printed in computed canonical form even where upstream would keep the input. */
  canonical(): Quantity {
    return new Quantity(this.#mantissa, this.#exponent, this.format);
  }

  /** -1, 0 or 1. */
  sign(): -1 | 0 | 1 {
    return this.#mantissa === 0n ? 0 : this.#mantissa < 0n ? -1 : 1;
  }

  isZero(): boolean {
    return this.#mantissa === 0n;
  }

  /** -1, 0 or 1 as this is less than, equal to or greater than `other`. */
  cmp(other: Quantity): -1 | 0 | 1 {
    const sa = this.sign();
    const sb = other.sign();
    if (sa !== sb) return sa < sb ? -1 : 1;
    if (sa === 0) return 0;
    // Compare magnitudes by the position of the leading digit before aligning exponents.
    const la = abs(this.#mantissa).toString().length + this.#exponent;
    const lb = abs(other.#mantissa).toString().length + other.#exponent;
    if (la !== lb) return ((la < lb) === (sa > 0)) ? -1 : 1;
    const [a, b] = Quantity.#align(this, other);
    return a === b ? 0 : a < b ? -1 : 1;
  }

  equals(other: Quantity): boolean {
    return this.cmp(other) === 0;
  }

  /** The sum; keeps this format unless this is zero, then takes `other`'s. */
  add(other: Quantity): Quantity {
    const [a, b, e] = Quantity.#align(this, other);
    return new Quantity(a + b, e, this.isZero() ? other.format : this.format);
  }

  /** The difference; keeps this format unless this is zero, then takes `other`'s. */
  sub(other: Quantity): Quantity {
    const [a, b, e] = Quantity.#align(this, other);
    return new Quantity(a - b, e, this.isZero() ? other.format : this.format);
  }

  neg(): Quantity {
    return new Quantity(-this.#mantissa, this.#exponent, this.format);
  }

  /** The product with an integer. */
  mul(factor: bigint | number): Quantity {
    return new Quantity(this.#mantissa * BigInt(factor), this.#exponent, this.format);
  }

  /** `ceil(value / 10^scale)`, rounding away from zero, as an exact integer. */
  scaledValue(scale: number): bigint {
    const shift = this.#exponent - scale;
    if (shift >= 0) return this.#mantissa * pow10(shift);
    return divRoundUp(this.#mantissa, -shift)[0];
  }

  /** The value rounded away from zero to an integer (upstream's `Value()`). */
  value(): number {
    return Number(this.scaledValue(0));
  }

  /** The value in thousandths, rounded away from zero (upstream's `MilliValue()`). */
  milliValue(): number {
    return Number(this.scaledValue(-3));
  }

  /** A float approximation, for display and ratios only. */
  asApproximateFloat64(): number {
    return Number(`${this.#mantissa}e${this.#exponent}`);
  }

  /** The canonical string, e.g. `1536Mi`, `100m`, `1e3`. */
  toString(): string {
    return this.#text ??= canonicalize(this.#mantissa, this.#exponent, this.format);
  }

  toJSON(): string {
    return this.toString();
  }

  static #align(a: Quantity, b: Quantity): [bigint, bigint, number] {
    const ea = a.#exponent;
    const eb = b.#exponent;
    if (Math.abs(ea - eb) > MAX_ALIGN_DIGITS) {
      throw badRequest("quantities differ too much in magnitude to be combined exactly");
    }
    const e = Math.min(ea, eb);
    return [a.#mantissa * pow10(ea - e), b.#mantissa * pow10(eb - e), e];
  }
}
/**
 * Parses a quantity string such as `100m`, `1.5Gi`, `2e3` or `+.5`. Values finer than a nano unit
 * round up (away from zero); BinarySI values cap at 2^63-1. Throws a 400 `StatusError` with
 * upstream's message for malformed input.
 */
export function parseQuantity(str: string): Quantity {
  return Quantity.parse(str);
}

/** Parses a quantity as it appears in JSON: a string (trimmed) or a bare number. */
export function quantityFromJSON(value: unknown): Quantity {
  if (typeof value === "number" && Number.isFinite(value)) {
    // The number's JSON spelling is gone, so print the computed form rather than String(value).
    return Quantity.parse(String(value)).canonical();
  }
  if (typeof value === "string") return Quantity.parse(value.trim());
  throw badRequest(ERR_FORMAT);
}

/** The canonical form of a quantity string (what the API server stores and returns). */
export function canonicalQuantity(str: string): string {
  return Quantity.parse(str).toString();
}

/** The parse error for `str`, or undefined when it is a valid quantity. */
export function quantityError(str: string): StatusError | undefined {
  try {
    Quantity.parse(str);
    return undefined;
  } catch (e) {
    return e as StatusError;
  }
}

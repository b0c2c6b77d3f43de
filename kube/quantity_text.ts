/**
 * The text side of `resource.Quantity`: upstream's scanner and suffix table for parsing, and
 * the canonical printer. `quantity.ts` holds the value type built on these.
 *
 * @module
 */

import { badRequest } from "./errors.ts";

/** How a quantity prints: `12Mi` (BinarySI), `12M` (DecimalSI) or `12e6` (DecimalExponent). */
export type QuantityFormat = "BinarySI" | "DecimalSI" | "DecimalExponent";

const SPLIT_RE = "^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$";
export const ERR_FORMAT = `quantities must match the regular expression '${SPLIT_RE}'`;
export const ERR_NUMERIC = "unable to parse numeric part of quantity";
export const ERR_SUFFIX = "unable to parse quantity's suffix";

const DECIMAL_SUFFIXES: Readonly<Record<string, number>> = {
  n: -9,
  u: -6,
  m: -3,
  "": 0,
  k: 3,
  M: 6,
  G: 9,
  T: 12,
  P: 15,
  E: 18,
};
const DECIMAL_BY_EXPONENT = new Map(Object.entries(DECIMAL_SUFFIXES).map(([s, e]) => [e, s]));
const BINARY_SUFFIXES: Readonly<Record<string, number>> = {
  Ki: 10,
  Mi: 20,
  Gi: 30,
  Ti: 40,
  Pi: 50,
  Ei: 60,
};
const BINARY_BY_POWER = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"];
const SUFFIX_CHARS = "eEinumkKMGTP";
export const INT64_MAX = 2n ** 63n - 1n;
export function pow10(n: number): bigint {
  return 10n ** BigInt(n);
}

export function abs(n: bigint): bigint {
  return n < 0n ? -n : n;
}

/** Divides by 10^n, rounding away from zero; reports whether the division was exact. */
export function divRoundUp(n: bigint, digits: number): [bigint, boolean] {
  const d = pow10(digits);
  const q = n / d;
  if (q * d === n) return [q, true];
  return [n < 0n ? q - 1n : q + 1n, false];
}

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= "0" && c <= "9";
}

export interface Scanned {
  positive: boolean;
  /** The numeric text before the suffix, sign included. */
  value: string;
  num: string;
  denom: string;
  suffix: string;
}

/** Upstream's hand-written scanner: sign, digits, optional fraction, then a suffix. */
export function scan(str: string): Scanned {
  const end = str.length;
  let pos = 0;
  let positive = true;
  if (str[0] === "-") {
    positive = false;
    pos++;
  } else if (str[0] === "+") {
    pos++;
  }
  while (pos < end && str[pos] === "0") pos++;
  if (pos >= end) return { positive, value: "0", num: "0", denom: "", suffix: "" };
  let i = pos;
  while (i < end && isDigit(str[i])) i++;
  const num = str.slice(pos, i) || "0";
  if (i >= end) return { positive, value: str, num, denom: "", suffix: "" };
  pos = i;
  let denom = "";
  if (str[pos] === ".") {
    i = ++pos;
    while (i < end && isDigit(str[i])) i++;
    denom = str.slice(pos, i);
    pos = i;
    if (pos >= end) return { positive, value: str, num, denom, suffix: "" };
  }
  const suffixStart = pos;
  while (pos < end && SUFFIX_CHARS.includes(str[pos])) pos++;
  if (pos < end && (str[pos] === "-" || str[pos] === "+")) pos++;
  while (pos < end && isDigit(str[pos])) pos++;
  if (pos < end) throw badRequest(ERR_FORMAT);
  return { positive, value: str.slice(0, suffixStart), num, denom, suffix: str.slice(suffixStart) };
}

/** Base, exponent and format of a suffix, or undefined when unknown. */
export function interpret(suffix: string): [10 | 2, number, QuantityFormat] | undefined {
  if (Object.hasOwn(DECIMAL_SUFFIXES, suffix)) return [10, DECIMAL_SUFFIXES[suffix], "DecimalSI"];
  if (Object.hasOwn(BINARY_SUFFIXES, suffix)) return [2, BINARY_SUFFIXES[suffix], "BinarySI"];
  if (suffix.length > 1 && (suffix[0] === "e" || suffix[0] === "E")) {
    const digits = suffix.slice(1);
    if (!/^[+-]?[0-9]+$/.test(digits)) return undefined;
    const n = BigInt(digits);
    if (n > INT64_MAX || n < -INT64_MAX - 1n) return undefined;
    // Upstream parses 64 bits and then truncates to int32.
    return [10, Number(BigInt.asIntN(32, n)), "DecimalExponent"];
  }
  return undefined;
}
/** Whether upstream parses this on its int64 fast path (enough precision, at most 18 digits). */
export function fastPath(num: string, denom: string, base: number, power: number): boolean {
  if (base === 2) {
    return denom.length === 0 && 15 - num.length - Math.trunc((power * 3) / 10) - 1 >= 0;
  }
  return 18 - (num.length + denom.length) >= 0;
}

/**
 * Whether upstream's fast path keeps the input as the printed form: it does so for inputs that
 * already look canonical, which preserves oddities such as `+1`, `01` or `1.500`.
 */
export function reusesInput(
  num: string,
  denom: string,
  base: number,
  power: number,
  scale: number,
): boolean {
  const shifted = num + denom;
  if (base === 2) {
    const value = BigInt(shifted);
    return (value << BigInt(power)) <= INT64_MAX && (value & 7n) !== 0n;
  }
  return scale % 3 === 0 && !shifted.endsWith("000") && shifted[0] !== "0";
}

export function canonicalize(mantissa: bigint, exponent: number, format: QuantityFormat): string {
  if (mantissa === 0n) return "0";
  if (format === "BinarySI") {
    // Below 1024 in magnitude, or with a fraction, binary suffixes would mislead or round.
    const small = exponent >= 0
      ? abs(mantissa) * pow10(exponent) < 1024n
      : abs(mantissa) < 1024n * pow10(-exponent);
    const fraction = exponent < 0 && mantissa % pow10(-exponent) !== 0n;
    if (!small && !fraction) {
      let n = exponent >= 0 ? mantissa * pow10(exponent) : mantissa / pow10(-exponent);
      let power = 0;
      while (power < 6 && n % 1024n === 0n) {
        n /= 1024n;
        power++;
      }
      return `${n}${BINARY_BY_POWER[power]}`;
    }
    format = "DecimalSI";
  }
  let m = mantissa;
  let e = exponent;
  while (m % 10n === 0n) {
    m /= 10n;
    e++;
  }
  const r = ((e % 3) + 3) % 3;
  m *= pow10(r);
  e -= r;
  if (format === "DecimalExponent") return e === 0 ? `${m}` : `${m}e${e}`;
  if (e > 18) {
    // Past `E` upstream drops the suffix (printing a wrong value); keep a larger mantissa.
    m *= pow10(e - 18);
    e = 18;
  }
  return `${m}${DECIMAL_BY_EXPONENT.get(e) ?? ""}`;
}

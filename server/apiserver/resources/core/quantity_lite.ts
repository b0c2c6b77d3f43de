/**
 * A minimal `resource.Quantity` reader for comparing requests with limits and computing QoS.
 * Stand-in until `kube/quantity.ts` lands: values are read exactly as bigints of nano-units.
 *
 * @module
 */

const BINARY: Record<string, bigint> = {
  Ki: 1n << 10n,
  Mi: 1n << 20n,
  Gi: 1n << 30n,
  Ti: 1n << 40n,
  Pi: 1n << 50n,
  Ei: 1n << 60n,
};
const DECIMAL: Record<string, number> = {
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
const QUANTITY_RE = /^([+-]?)(\d+\.?\d*|\.\d+)(?:(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE])|[eE]([+-]?\d+))?$/;

/** The quantity in nano-units (1 = 1e-9), rounded up; undefined when not a quantity. */
export function parseQuantityNano(text: unknown): bigint | undefined {
  if (typeof text === "number" && Number.isFinite(text)) text = String(text);
  if (typeof text !== "string") return undefined;
  const m = QUANTITY_RE.exec(text.trim());
  if (!m) return undefined;
  const [, sign, num, suffix = "", exp] = m;
  const [whole, frac = ""] = num.split(".");
  let digits = BigInt((whole || "0") + frac);
  let scale = -frac.length + 9; // power of ten applied to digits to reach nano-units
  let factor = 1n;
  if (suffix in BINARY) factor = BINARY[suffix];
  else if (exp !== undefined) scale += Number(exp);
  else scale += DECIMAL[suffix];
  digits *= factor;
  let value: bigint;
  if (scale >= 0) value = digits * 10n ** BigInt(scale);
  else {
    const div = 10n ** BigInt(-scale);
    value = digits / div + (digits % div === 0n ? 0n : 1n);
  }
  return sign === "-" ? -value : value;
}

/** Compares two quantities: -1, 0 or 1; NaN when either is not a quantity. */
export function compareQuantity(a: unknown, b: unknown): number {
  const x = parseQuantityNano(a);
  const y = parseQuantityNano(b);
  if (x === undefined || y === undefined) return NaN;
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * The JSON text forms of Kubernetes' well-known values: RFC 3339 times (`Time`, `MicroTime`),
 * Go duration strings (`Duration`), and standard base64 (`[]byte`).
 *
 * @module
 */

const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

function pad(n: number, width: number): string {
  return String(n).padStart(width, "0");
}

/** Formats Unix seconds (+ nanoseconds) as Go's `Time.UTC().Format(RFC3339[Micro])`. */
export function formatTime(seconds: number, nanos: number, micro: boolean): string {
  const d = new Date(seconds * 1000);
  const date = `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1, 2)}-${
    pad(d.getUTCDate(), 2)
  }T${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}`;
  return micro ? `${date}.${pad(Math.floor(nanos / 1000), 6)}Z` : `${date}Z`;
}

/** Parses an RFC 3339 time into Unix seconds and nanoseconds, or undefined if it is not one. */
export function parseTime(s: string): { seconds: number; nanos: number } | undefined {
  const m = RFC3339.exec(s);
  if (!m) return undefined;
  const [y, mo, d, h, mi, sec] = m.slice(1, 7).map(Number);
  const dt = new Date(0);
  dt.setUTCFullYear(y, mo - 1, d);
  dt.setUTCHours(h, mi, sec, 0);
  // Date rolls 2026-02-30 over to March; Go's time.Parse rejects it.
  if (dt.getUTCMonth() !== mo - 1 || dt.getUTCDate() !== d || h > 23 || mi > 59 || sec > 59) {
    return undefined;
  }
  let seconds = dt.getTime() / 1000;
  if (m[9]) seconds -= (m[9] === "-" ? -1 : 1) * (Number(m[10]) * 3600 + Number(m[11]) * 60);
  const nanos = m[7] ? Number(m[7].padEnd(9, "0")) : 0;
  return { seconds, nanos };
}

/** Formats nanoseconds as Go's `time.Duration.String()`: `1h0m0s`, `1.5s`, `300ms`, `0s`. */
export function formatDuration(ns: number): string {
  if (ns === 0) return "0s";
  const sign = ns < 0 ? "-" : "";
  let u = Math.abs(ns);
  if (u < 1e9) {
    if (u < 1e3) return `${sign}${u}ns`;
    if (u < 1e6) return `${sign}${fraction(u, 3)}µs`;
    return `${sign}${fraction(u, 6)}ms`;
  }
  let out = `${fraction(u % 60e9, 9)}s`;
  u = Math.floor(u / 60e9);
  if (u > 0) {
    out = `${u % 60}m${out}`;
    u = Math.floor(u / 60);
    if (u > 0) out = `${u}h${out}`;
  }
  return sign + out;
}

/** `v / 10^prec` with trailing zeros (and a bare point) dropped, as Go's `fmtFrac`. */
function fraction(v: number, prec: number): string {
  const scale = 10 ** prec;
  const whole = Math.floor(v / scale);
  const frac = String(v % scale).padStart(prec, "0").replace(/0+$/, "");
  return frac ? `${whole}.${frac}` : String(whole);
}

const DURATION_UNITS: Record<string, number> = {
  ns: 1,
  us: 1e3,
  "µs": 1e3,
  "μs": 1e3,
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

/** Parses a Go duration string (`1h30m`, `1.5s`, `-300ms`, `0`) into nanoseconds. */
export function parseDuration(s: string): number | undefined {
  const m = /^([-+]?)(.*)$/.exec(s)!;
  const body = m[2];
  if (body === "0") return 0;
  if (!body) return undefined;
  let total = 0;
  const re = /(\d*)(?:\.(\d*))?([a-zµμ]+)/y;
  let pos = 0;
  while (pos < body.length) {
    re.lastIndex = pos;
    const p = re.exec(body);
    if (!p || (!p[1] && !p[2])) return undefined;
    const unit = DURATION_UNITS[p[3]];
    if (unit === undefined) return undefined;
    total += Number(p[1] || "0") * unit;
    if (p[2]) total += Math.round(Number(`0.${p[2]}`) * unit);
    pos = re.lastIndex;
  }
  return m[1] === "-" ? -total : total;
}

/** Standard base64 with padding, as Go's `encoding/json` writes `[]byte`. */
export function toBase64(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(s);
}

/** Decodes standard base64; undefined if `s` is not valid base64. */
export function fromBase64(s: string): Uint8Array | undefined {
  let bin: string;
  try {
    bin = atob(s);
  } catch {
    return undefined;
  }
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

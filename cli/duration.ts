/**
 * Go-style durations (`300ms`, `1.5h`, `2h45m`), as K3s duration flags take them.
 *
 * @module
 */

const unitMs: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  "µs": 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** Milliseconds of a Go duration, or `undefined` when the text is not one. */
export function parseDuration(text: string): number | undefined {
  const match = /^([+-]?)(.*)$/.exec(text)!;
  const sign = match[1] === "-" ? -1 : 1;
  const body = match[2];
  if (body === "0") return 0;
  if (body === "") return undefined;
  let total = 0;
  let rest = body;
  while (rest !== "") {
    const part = /^(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/.exec(rest);
    if (!part) return undefined;
    total += Number(part[1]) * unitMs[part[2]];
    rest = rest.slice(part[0].length);
  }
  return sign * total;
}

/** `90000` → `1m30s`, the way Go prints a duration (whole milliseconds and above). */
export function formatDuration(ms: number): string {
  if (ms === 0) return "0s";
  const sign = ms < 0 ? "-" : "";
  let rest = Math.abs(ms);
  if (rest < 1000) return `${sign}${rest}ms`;
  const h = Math.floor(rest / 3_600_000);
  rest -= h * 3_600_000;
  const m = Math.floor(rest / 60_000);
  rest -= m * 60_000;
  const s = `${Number((rest / 1000).toFixed(3))}s`;
  return sign + (h ? `${h}h${m}m${s}` : m ? `${m}m${s}` : s);
}

/**
 * Cron schedules as CronJobs use them: the standard five fields (minute, hour, day of month,
 * month, day of week) with names, ranges, steps, lists and `?`, the `@yearly`-style macros,
 * `@every <duration>`, and an optional `TZ=`/`CRON_TZ=` prefix. Parsing follows the parser the
 * upstream controller uses, with its error texts; {@link nextScheduleTime} finds the next run by
 * the same field-by-field walk, so runs around daylight-saving changes land where upstream's do.
 *
 * @module
 */
import { parseGoDuration } from "./go_duration.ts";
import { fromWallClock, isKnownTimeZone, localTimeZone, wallClock } from "./zoned_time.ts";

/** A syntax error in a schedule; the message is the upstream parser's. */
export class CronSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CronSyntaxError";
  }
}

/** One field's allowed values; `star` records a `*` or `?`, which matters for the day fields. */
export interface CronField {
  values: boolean[];
  star: boolean;
}

/** A parsed schedule: either fields to match or a fixed delay (`@every`). */
export type CronSchedule =
  | {
    kind: "spec";
    second: CronField;
    minute: CronField;
    hour: CronField;
    dom: CronField;
    month: CronField;
    dow: CronField;
    /** From a `TZ=` prefix, else undefined. */
    timeZone?: string;
  }
  | { kind: "every"; delayMs: number; timeZone?: string };

interface Bounds {
  min: number;
  max: number;
  names?: Record<string, number>;
}

const SECONDS: Bounds = { min: 0, max: 59 };
const MINUTES: Bounds = { min: 0, max: 59 };
const HOURS: Bounds = { min: 0, max: 23 };
const DOM: Bounds = { min: 1, max: 31 };
// deno-fmt-ignore
const MONTHS: Bounds = {
  min: 1,
  max: 12,
  names: {
    jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6,
    jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12,
  },
};
const DOW: Bounds = {
  min: 0,
  max: 6,
  names: { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 },
};

function bits(min: number, max: number, step: number, star = false): CronField {
  const values = new Array<boolean>(64).fill(false);
  for (let i = min; i <= max; i += step) values[i] = true;
  return { values, star };
}

function all(b: Bounds): CronField {
  return bits(b.min, b.max, 1, true);
}

function one(b: Bounds): CronField {
  return bits(b.min, b.min, 1);
}

/** Parses a schedule, throwing {@link CronSyntaxError} with upstream's message when invalid. */
export function parseCronSchedule(spec: string): CronSchedule {
  if (spec.length === 0) throw new CronSyntaxError("empty spec string");
  let timeZone: string | undefined;
  if (spec.startsWith("TZ=") || spec.startsWith("CRON_TZ=")) {
    const space = spec.indexOf(" ");
    const zone = spec.slice(spec.indexOf("=") + 1, space < 0 ? spec.length : space);
    if (space < 0 || (zone !== "" && zone !== "Local" && !isKnownTimeZone(zone))) {
      throw new CronSyntaxError(`provided bad location ${zone}: unknown time zone ${zone}`);
    }
    // Go reads "" as UTC and "Local" as the host's zone.
    timeZone = zone === "" ? "UTC" : zone === "Local" ? localTimeZone() : zone;
    spec = spec.slice(space).trim();
  }
  if (spec.startsWith("@")) return parseDescriptor(spec, timeZone);
  const fields = spec.split(/\s+/).filter((f) => f !== "");
  if (fields.length !== 5) {
    throw new CronSyntaxError(
      `expected exactly 5 fields, found ${fields.length}: [${fields.join(" ")}]`,
    );
  }
  return {
    kind: "spec",
    second: one(SECONDS),
    minute: parseField(fields[0], MINUTES),
    hour: parseField(fields[1], HOURS),
    dom: parseField(fields[2], DOM),
    month: parseField(fields[3], MONTHS),
    dow: parseField(fields[4], DOW),
    timeZone,
  };
}

/** The parse error of a schedule, or undefined when it parses. */
export function cronScheduleError(spec: string): string | undefined {
  try {
    parseCronSchedule(spec);
    return undefined;
  } catch (err) {
    if (err instanceof CronSyntaxError) return err.message;
    throw err;
  }
}

function parseDescriptor(spec: string, timeZone: string | undefined): CronSchedule {
  const base = { kind: "spec" as const, second: one(SECONDS), minute: one(MINUTES), timeZone };
  switch (spec) {
    case "@yearly":
    case "@annually":
      return { ...base, hour: one(HOURS), dom: one(DOM), month: one(MONTHS), dow: all(DOW) };
    case "@monthly":
      return { ...base, hour: one(HOURS), dom: one(DOM), month: all(MONTHS), dow: all(DOW) };
    case "@weekly":
      return { ...base, hour: one(HOURS), dom: all(DOM), month: all(MONTHS), dow: one(DOW) };
    case "@daily":
    case "@midnight":
      return { ...base, hour: one(HOURS), dom: all(DOM), month: all(MONTHS), dow: all(DOW) };
    case "@hourly":
      return { ...base, hour: all(HOURS), dom: all(DOM), month: all(MONTHS), dow: all(DOW) };
  }
  const every = "@every ";
  if (spec.startsWith(every)) {
    let ms: number;
    try {
      ms = parseGoDuration(spec.slice(every.length));
    } catch (err) {
      throw new CronSyntaxError(`failed to parse duration ${spec}: ${(err as Error).message}`);
    }
    // Whole seconds, at least one, as upstream's constant-delay schedule.
    const delayMs = ms < 1000 ? 1000 : ms - (ms % 1000);
    return { kind: "every", delayMs, timeZone };
  }
  throw new CronSyntaxError(`unrecognized descriptor: ${spec}`);
}

function parseField(field: string, b: Bounds): CronField {
  const out: CronField = { values: new Array<boolean>(64).fill(false), star: false };
  for (const expr of field.split(",").filter((e) => e !== "")) {
    const r = parseRange(expr, b);
    r.values.forEach((v, i) => {
      if (v) out.values[i] = true;
    });
    out.star ||= r.star;
  }
  return out;
}

function parseRange(expr: string, b: Bounds): CronField {
  const rangeAndStep = expr.split("/");
  const lowAndHigh = rangeAndStep[0].split("-");
  let start: number, end: number, step = 1;
  let star = false;
  if (lowAndHigh[0] === "*" || lowAndHigh[0] === "?") {
    start = b.min;
    end = b.max;
    star = true;
  } else {
    start = parseIntOrName(lowAndHigh[0], b.names);
    if (lowAndHigh.length === 1) end = start;
    else if (lowAndHigh.length === 2) end = parseIntOrName(lowAndHigh[1], b.names);
    else throw new CronSyntaxError(`too many hyphens: ${expr}`);
  }
  if (rangeAndStep.length === 2) {
    step = parseNonNegative(rangeAndStep[1]);
    // "N/step" means "N-max/step".
    if (lowAndHigh.length === 1) end = b.max;
    if (step > 1) star = false;
  } else if (rangeAndStep.length > 2) {
    throw new CronSyntaxError(`too many slashes: ${expr}`);
  }
  if (start < b.min) {
    throw new CronSyntaxError(`beginning of range (${start}) below minimum (${b.min}): ${expr}`);
  }
  if (end > b.max) {
    throw new CronSyntaxError(`end of range (${end}) above maximum (${b.max}): ${expr}`);
  }
  if (start > end) {
    throw new CronSyntaxError(
      `beginning of range (${start}) beyond end of range (${end}): ${expr}`,
    );
  }
  if (step === 0) throw new CronSyntaxError(`step of range should be a positive number: ${expr}`);
  return bits(start, end, step, star);
}

function parseIntOrName(expr: string, names?: Record<string, number>): number {
  const named = names && Object.hasOwn(names, expr.toLowerCase())
    ? names[expr.toLowerCase()]
    : undefined;
  return named ?? parseNonNegative(expr);
}

function parseNonNegative(expr: string): number {
  if (!/^[+-]?\d+$/.test(expr)) {
    throw new CronSyntaxError(
      `failed to parse int from ${expr}: strconv.Atoi: parsing ${
        JSON.stringify(expr)
      }: invalid syntax`,
    );
  }
  const n = Number(expr);
  if (Math.abs(n) > 2 ** 63 - 1) {
    throw new CronSyntaxError(
      `failed to parse int from ${expr}: strconv.Atoi: parsing ${
        JSON.stringify(expr)
      }: value out of range`,
    );
  }
  if (n < 0) throw new CronSyntaxError(`negative number (${n}) not allowed: ${expr}`);
  return n;
}

const HOUR_MS = 3_600_000;

/**
 * The first run strictly after `after` (at whole seconds), or null when the schedule matches no
 * time within five years (such as February 30th). A `TZ=` prefix in the schedule wins over
 * `timeZone`; with neither, the host's zone is used, as upstream's controller does.
 */
export function nextScheduleTime(
  schedule: string | CronSchedule,
  timeZone: string | null | undefined,
  after: Date,
): Date | null {
  const s = typeof schedule === "string" ? parseCronSchedule(schedule) : schedule;
  const ms = after.getTime();
  const frac = ((ms % 1000) + 1000) % 1000;
  if (s.kind === "every") return new Date(ms - frac + s.delayMs);
  const zone = s.timeZone ?? timeZone ?? localTimeZone();
  const wall = (t: number) => wallClock(t, zone);
  let t = ms - frac + 1000;
  let added = false;
  const yearLimit = wall(t).year + 5;
  wrap: for (;;) {
    let w = wall(t);
    if (w.year > yearLimit) return null;
    while (!s.month.values[w.month]) {
      if (!added) {
        added = true;
        t = fromWallClock(zone, w.year, w.month, 1);
        w = wall(t);
      }
      t = fromWallClock(zone, w.year, w.month + 1, w.day, w.hour, w.minute, w.second);
      w = wall(t);
      if (w.month === 1) continue wrap;
    }
    while (!dayMatches(s.dom, s.dow, w)) {
      if (!added) {
        added = true;
        t = fromWallClock(zone, w.year, w.month, w.day);
        w = wall(t);
      }
      t = fromWallClock(zone, w.year, w.month, w.day + 1, w.hour, w.minute, w.second);
      w = wall(t);
      // Midnight may not exist on a daylight-saving day; get back to the start of the day.
      if (w.hour !== 0) {
        t += (w.hour > 12 ? 24 - w.hour : -w.hour) * HOUR_MS;
        w = wall(t);
      }
      if (w.day === 1) continue wrap;
    }
    while (!s.hour.values[w.hour]) {
      if (!added) {
        added = true;
        t = fromWallClock(zone, w.year, w.month, w.day, w.hour);
      }
      t += HOUR_MS;
      w = wall(t);
      if (w.hour === 0) continue wrap;
    }
    while (!s.minute.values[w.minute]) {
      if (!added) {
        added = true;
        t -= ((t % 60_000) + 60_000) % 60_000;
      }
      t += 60_000;
      w = wall(t);
      if (w.minute === 0) continue wrap;
    }
    while (!s.second.values[w.second]) {
      if (!added) added = true;
      t += 1000;
      w = wall(t);
      if (w.second === 0) continue wrap;
    }
    return new Date(t);
  }
}

function dayMatches(dom: CronField, dow: CronField, w: { day: number; weekday: number }): boolean {
  const domMatch = dom.values[w.day];
  const dowMatch = dow.values[w.weekday];
  return dom.star || dow.star ? domMatch && dowMatch : domMatch || dowMatch;
}

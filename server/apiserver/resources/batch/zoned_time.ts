/**
 * Wall-clock arithmetic in an IANA time zone on top of `Intl`, with Go's `time.Date` rules for
 * wall times that a daylight-saving change skips or repeats. The cron schedule needs exactly this
 * to compute the same run times as the upstream controller.
 *
 * @module
 */

/** The wall clock of an instant in a zone. `month` is 1..12, `weekday` 0 (Sunday)..6. */
export interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  weekday: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    formatters.set(timeZone, f);
  }
  return f;
}

function floorSecond(ms: number): number {
  return ms - (((ms % 1000) + 1000) % 1000);
}

/** The wall clock of instant `ms` (milliseconds since the epoch) in `timeZone`. */
export function wallClock(ms: number, timeZone: string): WallClock {
  const parts = formatter(timeZone).formatToParts(ms);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const year = get("year");
  const month = get("month");
  const day = get("day");
  const weekday = new Date(Date.UTC(year, month - 1, day)).getUTCDay();
  return {
    year,
    month,
    day,
    hour: get("hour"),
    minute: get("minute"),
    second: get("second"),
    weekday,
  };
}

/** The zone's offset from UTC at instant `ms`, in milliseconds (east positive). */
export function offsetAt(ms: number, timeZone: string): number {
  const w = wallClock(ms, timeZone);
  return utcOf(w.year, w.month, w.day, w.hour, w.minute, w.second) - floorSecond(ms);
}

function utcOf(y: number, mo: number, d: number, h: number, mi: number, s: number): number {
  const date = new Date(0);
  date.setUTCFullYear(y, mo - 1, d);
  date.setUTCHours(h, mi, s, 0);
  return date.getTime();
}

/**
 * The instant of a wall-clock time in `timeZone`, as Go's `time.Date` computes it: fields out of
 * range are normalised (month 13 is January of the next year), and a time that does not exist or
 * exists twice takes the offset Go would pick (the one in effect just before the change for a
 * skipped time, the earlier instant for a repeated one).
 */
export function fromWallClock(
  timeZone: string,
  year: number,
  month: number,
  day: number,
  hour = 0,
  minute = 0,
  second = 0,
): number {
  const asUtc = utcOf(year, month, day, hour, minute, second);
  const guess = offsetAt(asUtc, timeZone);
  return asUtc - offsetAt(asUtc - guess, timeZone);
}

/** True when `Intl` knows `timeZone` as an IANA zone name. */
export function isKnownTimeZone(timeZone: string): boolean {
  if (knownZones().has(timeZone)) return true;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone });
  } catch {
    return false;
  }
  // Aliases such as "UTC" or "US/Eastern" are accepted by Intl but not listed; offsets like
  // "+01:00" are accepted by newer engines yet are not zone names.
  return /^[A-Za-z]/.test(timeZone);
}

let zoneSet: Set<string> | undefined;

function knownZones(): Set<string> {
  zoneSet ??= new Set(Intl.supportedValuesOf("timeZone"));
  return zoneSet;
}

/** The host's own zone, which upstream's controller uses when a CronJob names none. */
export function localTimeZone(): string {
  return new Intl.DateTimeFormat().resolvedOptions().timeZone ?? "UTC";
}

// Expected run times were computed with the cron library upstream's CronJob controller uses.
import assert from "node:assert/strict";
import { cronScheduleError, nextScheduleTime, parseCronSchedule } from "./cron.ts";
import { parseGoDuration } from "./go_duration.ts";
import { fromWallClock, isKnownTimeZone, offsetAt, wallClock } from "./zoned_time.ts";

/** `count` successive runs after `after`, as ISO strings without milliseconds. */
function runs(spec: string, zone: string | undefined, after: string, count: number): string[] {
  const out: string[] = [];
  let t = new Date(after);
  for (let i = 0; i < count; i++) {
    const next = nextScheduleTime(spec, zone, t);
    if (!next) {
      out.push("none");
      break;
    }
    out.push(next.toISOString().replace(".000Z", "Z"));
    t = next;
  }
  return out;
}

Deno.test("nextScheduleTime() steps through minute fields", () => {
  assert.deepStrictEqual(runs("*/15 * * * *", "UTC", "2024-01-01T00:07:00Z", 2), [
    "2024-01-01T00:15:00Z",
    "2024-01-01T00:30:00Z",
  ]);
  assert.deepStrictEqual(runs("* * * * *", "UTC", "2024-01-01T00:00:59Z", 1), [
    "2024-01-01T00:01:00Z",
  ]);
});

Deno.test("nextScheduleTime() is strictly after the given time, also with milliseconds", () => {
  assert.deepStrictEqual(runs("0 * * * *", "UTC", "2024-01-01T01:00:00Z", 1), [
    "2024-01-01T02:00:00Z",
  ]);
  assert.deepStrictEqual(runs("0 * * * *", "UTC", "2024-01-01T00:59:59.500Z", 1), [
    "2024-01-01T01:00:00Z",
  ]);
});

Deno.test("nextScheduleTime() honours the time zone and weekday names", () => {
  // 09:00 in Berlin is 07:00 UTC in summer; 2024-03-29 is a Friday, so Monday comes next.
  assert.deepStrictEqual(runs("0 9 * * mon-fri", "Europe/Berlin", "2024-03-29T10:00:00Z", 2), [
    "2024-04-01T07:00:00Z",
    "2024-04-02T07:00:00Z",
  ]);
  assert.deepStrictEqual(runs("0 */6 * * *", "Asia/Kolkata", "2024-01-01T00:00:00Z", 2), [
    "2024-01-01T00:30:00Z",
    "2024-01-01T06:30:00Z",
  ]);
  assert.deepStrictEqual(runs("@yearly", "Asia/Kolkata", "2024-06-01T00:00:00Z", 1), [
    "2024-12-31T18:30:00Z",
  ]);
});

Deno.test("nextScheduleTime() matches day of month OR day of week when both are restricted", () => {
  assert.deepStrictEqual(runs("0 0 13 * fri", "UTC", "2024-01-01T00:00:00Z", 1), [
    "2024-01-05T00:00:00Z",
  ]);
  assert.deepStrictEqual(runs("0 0 1,15 * 5", "UTC", "2024-02-01T00:00:00Z", 4), [
    "2024-02-02T00:00:00Z",
    "2024-02-09T00:00:00Z",
    "2024-02-15T00:00:00Z",
    "2024-02-16T00:00:00Z",
  ]);
});

Deno.test("nextScheduleTime() skips months without the day and finds leap days", () => {
  assert.deepStrictEqual(runs("0 0 31 * *", "UTC", "2024-01-31T00:00:00Z", 2), [
    "2024-03-31T00:00:00Z",
    "2024-05-31T00:00:00Z",
  ]);
  assert.deepStrictEqual(runs("0 0 29 2 *", "UTC", "2024-03-01T00:00:00Z", 1), [
    "2028-02-29T00:00:00Z",
  ]);
  assert.equal(nextScheduleTime("0 0 30 2 *", "UTC", new Date("2024-01-01T00:00:00Z")), null);
});

Deno.test("nextScheduleTime() skips a run whose wall time a spring-forward change removes", () => {
  // New York skips 02:00-03:00 on 2024-03-10, so the 02:30 run of that day does not happen.
  assert.deepStrictEqual(runs("30 2 * * *", "America/New_York", "2024-03-09T08:00:00Z", 3), [
    "2024-03-11T06:30:00Z",
    "2024-03-12T06:30:00Z",
    "2024-03-13T06:30:00Z",
  ]);
  // Lord Howe moves its clocks by half an hour.
  assert.deepStrictEqual(runs("0 2 * * *", "Australia/Lord_Howe", "2024-10-05T12:00:00Z", 2), [
    "2024-10-06T15:00:00Z",
    "2024-10-07T15:00:00Z",
  ]);
});

Deno.test("nextScheduleTime() runs twice in an hour a fall-back change repeats", () => {
  assert.deepStrictEqual(runs("30 1 * * *", "America/New_York", "2024-11-03T05:00:00Z", 3), [
    "2024-11-03T05:30:00Z",
    "2024-11-03T06:30:00Z",
    "2024-11-04T06:30:00Z",
  ]);
});

Deno.test("nextScheduleTime() copes with a day whose midnight does not exist", () => {
  // São Paulo went from 00:00 to 01:00 on 2018-11-04.
  assert.deepStrictEqual(runs("@daily", "America/Sao_Paulo", "2018-11-03T15:00:00Z", 2), [
    "2018-11-05T02:00:00Z",
    "2018-11-06T02:00:00Z",
  ]);
});

Deno.test("nextScheduleTime() lets a TZ= prefix win over the zone argument", () => {
  assert.deepStrictEqual(
    runs("TZ=Asia/Tokyo 0 9 * * *", "Europe/Berlin", "2024-01-01T00:00:00Z", 1),
    [
      "2024-01-02T00:00:00Z",
    ],
  );
});

Deno.test("nextScheduleTime() handles macros and @every", () => {
  assert.deepStrictEqual(runs("@weekly", "UTC", "2024-01-01T00:00:00Z", 2), [
    "2024-01-07T00:00:00Z",
    "2024-01-14T00:00:00Z",
  ]);
  assert.deepStrictEqual(runs("@every 1h30m", "UTC", "2024-01-01T00:00:00.500Z", 1), [
    "2024-01-01T01:30:00Z",
  ]);
  assert.deepStrictEqual(runs("@every 200ms", "UTC", "2024-01-01T00:00:00Z", 1), [
    "2024-01-01T00:00:01Z",
  ]);
});

Deno.test("nextScheduleTime() uses the host zone when none is given", () => {
  const after = new Date("2024-07-01T12:34:56Z");
  const local = new Intl.DateTimeFormat().resolvedOptions().timeZone;
  assert.deepStrictEqual(
    nextScheduleTime("15 3 * * *", undefined, after),
    nextScheduleTime("15 3 * * *", local, after),
  );
});

Deno.test("parseCronSchedule() reports upstream's errors", () => {
  const cases: [string, string][] = [
    ["", "empty spec string"],
    ["* * * *", "expected exactly 5 fields, found 4: [* * * *]"],
    ["1 2 3 4 5 6", "expected exactly 5 fields, found 6: [1 2 3 4 5 6]"],
    ["0 0 * * 7", "end of range (7) above maximum (6): 7"],
    ["60 * * * *", "end of range (60) above maximum (59): 60"],
    ["* * 0 * *", "beginning of range (0) below minimum (1): 0"],
    ["5-2 * * * *", "beginning of range (5) beyond end of range (2): 5-2"],
    ["1/0 * * * *", "step of range should be a positive number: 1/0"],
    ["1-2-3 * * * *", "too many hyphens: 1-2-3"],
    ["*/5/2 * * * *", "too many slashes: */5/2"],
    [
      "a * * * *",
      'failed to parse int from a: strconv.Atoi: parsing "a": invalid syntax',
    ],
    ["@fortnightly", "unrecognized descriptor: @fortnightly"],
    [
      "@every 1d",
      'failed to parse duration @every 1d: time: unknown unit "d" in duration "1d"',
    ],
    [
      "CRON_TZ=Nowhere/Land 0 9 * * *",
      "provided bad location Nowhere/Land: unknown time zone Nowhere/Land",
    ],
  ];
  for (const [spec, message] of cases) assert.equal(cronScheduleError(spec), message, spec);
});

Deno.test("parseCronSchedule() accepts names, ? and lists", () => {
  for (
    const spec of ["0 0 ? * SUN", "0 0 1 jan,Jul *", "*/5 1-5/2 * MAR-may mon,wed", "@midnight"]
  ) {
    assert.equal(cronScheduleError(spec), undefined, spec);
  }
  const s = parseCronSchedule("0 12 * * 1-5");
  assert.equal(s.kind, "spec");
});

Deno.test("parseGoDuration() reads Go duration strings", () => {
  assert.equal(parseGoDuration("1h30m"), 5_400_000);
  assert.equal(parseGoDuration("1.5s"), 1500);
  assert.equal(parseGoDuration("-2m"), -120_000);
  assert.equal(parseGoDuration("0"), 0);
  assert.throws(() => parseGoDuration("1"), /missing unit in duration "1"/);
  assert.throws(() => parseGoDuration("x"), /invalid duration "x"/);
});

Deno.test("fromWallClock() resolves skipped and repeated wall times as Go does", () => {
  const ny = "America/New_York";
  // 02:30 does not exist on 2024-03-10: Go applies the offset after the change (EDT).
  assert.equal(
    new Date(fromWallClock(ny, 2024, 3, 10, 2, 30)).toISOString(),
    "2024-03-10T06:30:00.000Z",
  );
  // 01:30 happens twice on 2024-11-03: the first one (EDT) is chosen.
  assert.equal(
    new Date(fromWallClock(ny, 2024, 11, 3, 1, 30)).toISOString(),
    "2024-11-03T05:30:00.000Z",
  );
  // Month 13 is January of the next year.
  assert.equal(
    new Date(fromWallClock("UTC", 2024, 13, 1)).toISOString(),
    "2025-01-01T00:00:00.000Z",
  );
  assert.equal(offsetAt(Date.parse("2024-07-01T00:00:00Z"), ny), -4 * 3_600_000);
  assert.deepStrictEqual(wallClock(Date.parse("2024-07-01T00:00:00Z"), ny), {
    year: 2024,
    month: 6,
    day: 30,
    hour: 20,
    minute: 0,
    second: 0,
    weekday: 0,
  });
});

Deno.test("isKnownTimeZone() accepts IANA names and aliases, refuses others", () => {
  assert.ok(isKnownTimeZone("Europe/Berlin"));
  assert.ok(isKnownTimeZone("UTC"));
  assert.ok(!isKnownTimeZone("Nowhere/Land"));
  assert.ok(!isKnownTimeZone("+01:00"));
});

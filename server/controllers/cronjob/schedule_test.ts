import assert from "node:assert/strict";
import type { CronJob } from "../common/types.ts";
import {
  jobName,
  mostRecentScheduleTime,
  rfc3339In,
  scheduleOf,
  untilNextSchedule,
} from "./schedule.ts";

const T = (s: string) => Date.parse(s);

function cronJob(schedule: string, extra: Partial<NonNullable<CronJob["spec"]>> = {}, status = {}) {
  return {
    metadata: { name: "tick", creationTimestamp: "2026-03-01T10:00:30Z" },
    spec: { schedule, timeZone: "UTC", ...extra },
    status,
  } as CronJob;
}

Deno.test("mostRecentScheduleTime() finds the latest unmet time after creation", () => {
  const cj = cronJob("*/5 * * * *");
  const s = scheduleOf(cj);
  assert.deepEqual(mostRecentScheduleTime(cj, T("2026-03-01T10:04:00Z"), s), {
    earliest: T("2026-03-01T10:00:30Z"),
    missed: 0,
  });
  const r = mostRecentScheduleTime(cj, T("2026-03-01T10:21:00Z"), s);
  assert.equal(r.mostRecent, T("2026-03-01T10:20:00Z"));
  assert.equal(r.missed, 4);
});

Deno.test("mostRecentScheduleTime() starts after lastScheduleTime and within the deadline", () => {
  const last = cronJob("*/5 * * * *", {}, { lastScheduleTime: "2026-03-01T10:20:00Z" });
  const s = scheduleOf(last);
  assert.equal(
    mostRecentScheduleTime(last, T("2026-03-01T10:24:59Z"), s).mostRecent,
    undefined,
  );
  const late = cronJob("0 * * * *", { startingDeadlineSeconds: 60 });
  const r = mostRecentScheduleTime(late, T("2026-03-02T10:30:00Z"), scheduleOf(late));
  assert.equal(r.mostRecent, undefined, "the 10:00 run is past the deadline window");
  assert.equal(r.earliest, T("2026-03-02T10:29:00Z"));
});

Deno.test("mostRecentScheduleTime() does not walk decades of missed runs", () => {
  const cj = cronJob("* * * * *");
  const started = performance.now();
  const r = mostRecentScheduleTime(cj, T("2046-03-01T10:00:10Z"), scheduleOf(cj));
  assert.equal(r.mostRecent, T("2046-03-01T10:00:00Z"));
  assert.ok(r.missed > 100);
  assert.ok(performance.now() - started < 1000);
});

Deno.test("schedules follow spec.timeZone", () => {
  const cj = cronJob("0 9 * * *", { timeZone: "Europe/Paris" });
  const r = mostRecentScheduleTime(cj, T("2026-03-02T08:30:00Z"), scheduleOf(cj));
  assert.equal(r.mostRecent, T("2026-03-02T08:00:00Z"));
  assert.equal(rfc3339In(r.mostRecent!, "Europe/Paris"), "2026-03-02T09:00:00+01:00");
  assert.equal(rfc3339In(r.mostRecent!, undefined), "2026-03-02T08:00:00Z");
});

Deno.test("untilNextSchedule() wakes up just after the next run", () => {
  const cj = cronJob("*/5 * * * *", {}, { lastScheduleTime: "2026-03-01T10:20:00Z" });
  assert.equal(untilNextSchedule(cj, T("2026-03-01T10:21:00Z"), scheduleOf(cj)), 4 * 60_000 + 100);
});

Deno.test("jobName() is the cron job's name and the scheduled minute since the epoch", () => {
  assert.equal(jobName(cronJob("* * * * *"), T("2026-03-01T10:20:00Z")), "tick-29539340");
});

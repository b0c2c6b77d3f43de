/**
 * CronJob timing (upstream's cronjob utils): the most recent unmet schedule time between the
 * last run (or creation, or `now − startingDeadlineSeconds`) and now, counting missed runs
 * without walking decades of them; when to look again; and the deterministic name and
 * annotation of the Job for one scheduled time (`<cronjob>-<minutes since the epoch>`).
 *
 * @module
 */
import { nextScheduleTime, parseCronSchedule } from "../../apiserver/resources/batch/mod.ts";
import type { CronSchedule } from "../../apiserver/resources/batch/mod.ts";
import { offsetAt } from "../../apiserver/resources/batch/zoned_time.ts";
import type { CronJob } from "../common/types.ts";
import { timeOf } from "../common/util.ts";

/** How long after a schedule time the controller looks again (upstream's nextScheduleDelta). */
export const NEXT_SCHEDULE_DELTA_MS = 100;

export const SCHEDULED_TIMESTAMP = "batch.kubernetes.io/cronjob-scheduled-timestamp";

/** A CronJob's parsed schedule and zone. */
export interface Schedule {
  cron: CronSchedule;
  timeZone: string | undefined;
  next(after: number): number | undefined;
}

/** Parses `spec.schedule` in `spec.timeZone` (throws the parser's error). */
export function scheduleOf(cj: CronJob): Schedule {
  const cron = parseCronSchedule(cj.spec?.schedule ?? "");
  const timeZone = cj.spec?.timeZone ?? undefined;
  return {
    cron,
    timeZone,
    next: (after) => nextScheduleTime(cron, timeZone, new Date(after))?.getTime(),
  };
}

/** The most recent unmet schedule time, the earliest time considered, and how many were missed. */
export function mostRecentScheduleTime(
  cj: CronJob,
  now: number,
  s: Schedule,
): { earliest: number; mostRecent?: number; missed: number } {
  let earliest = timeOf(cj.status?.lastScheduleTime) ?? timeOf(cj.metadata.creationTimestamp) ??
    now;
  const sds = cj.spec?.startingDeadlineSeconds;
  if (sds !== undefined && sds !== null && earliest < now - sds * 1000) earliest = now - sds * 1000;
  const t1 = s.next(earliest);
  if (t1 === undefined || t1 > now) return { earliest, missed: 0 };
  const t2 = s.next(t1);
  if (t2 === undefined || now < t2) return { earliest, mostRecent: t1, missed: 1 };
  const interval = Math.round((t2 - t1) / 1000);
  if (interval < 1) return { earliest, missed: 0 };
  const missed = Math.floor((now - t1) / 1000 / interval) + 1;
  let mostRecent: number | undefined;
  const from = t1 + (missed - 2) * interval * 1000;
  for (let t = s.next(from); t !== undefined && t <= now; t = s.next(t)) mostRecent = t;
  return { earliest, mostRecent, missed };
}

/** Milliseconds until the next schedule time after the most recent one (plus a small delta). */
export function untilNextSchedule(cj: CronJob, now: number, s: Schedule): number | undefined {
  const { earliest, mostRecent } = mostRecentScheduleTime(cj, now, s);
  const next = s.next(mostRecent ?? Math.max(earliest, now));
  return next === undefined ? undefined : Math.max(0, next - now) + NEXT_SCHEDULE_DELTA_MS;
}

/** `<cronjob>-<scheduled time in minutes since the epoch>`. */
export function jobName(cj: CronJob, scheduled: number): string {
  return `${cj.metadata.name}-${Math.floor(scheduled / 60_000)}`;
}

/** RFC 3339 of `ms` in `timeZone` (UTC when none), as Go's `Format(time.RFC3339)`. */
export function rfc3339In(ms: number, timeZone: string | undefined): string {
  const offset = timeZone ? offsetAt(ms, timeZone) : 0;
  const wall = new Date(ms + offset).toISOString().slice(0, 19);
  if (offset === 0) return `${wall}Z`;
  const sign = offset > 0 ? "+" : "-";
  const m = Math.abs(offset) / 60_000;
  return `${wall}${sign}${String(Math.floor(m / 60)).padStart(2, "0")}:${
    String(m % 60).padStart(2, "0")
  }`;
}

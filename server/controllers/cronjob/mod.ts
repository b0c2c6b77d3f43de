/**
 * The CronJob controller ({@link CronJobController}) and its timing rules (`schedule.ts`).
 *
 * @module
 */
export { CronJobController } from "./cron_job.ts";
export {
  jobName,
  mostRecentScheduleTime,
  rfc3339In,
  SCHEDULED_TIMESTAMP,
  scheduleOf,
  untilNextSchedule,
} from "./schedule.ts";

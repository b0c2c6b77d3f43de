/**
 * The `batch` API group: jobs and cron jobs, plus the cron schedule arithmetic the CronJob
 * controller uses.
 *
 * @module
 */
import type { ResourceDef } from "../../resource.ts";
import { cronJobs } from "./cronjob.ts";
import { jobs } from "./job.ts";

export { cronJobs, jobs };
export { JOB_LABELS } from "./job_labels.ts";
export {
  type CronSchedule,
  cronScheduleError,
  CronSyntaxError,
  nextScheduleTime,
  parseCronSchedule,
} from "./cron.ts";

export const resources: ResourceDef[] = [jobs, cronJobs];

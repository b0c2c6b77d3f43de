/**
 * The Job controller ({@link JobController}: pods, finalizer tracking in `tracking.ts`,
 * failure rules in `failure.ts`, Indexed jobs in `indexed.ts`) and the ttl-after-finished
 * controller ({@link TtlAfterFinishedController}).
 *
 * @module
 */
export { isFinished, JobController, TRACKING_FINALIZER } from "./job.ts";
export { COMPLETION_INDEX, formatIntervals, parseIntervals } from "./indexed.ts";
export { isPodFailed, matchFailurePolicy } from "./failure.ts";
export { expiresAt, TtlAfterFinishedController } from "./ttl_after_finished.ts";

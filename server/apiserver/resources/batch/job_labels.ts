/**
 * The labels the API server puts on a Job's pod template to tie its pods to it. The unprefixed
 * ones are kept for older clients.
 *
 * @module
 */
export const JOB_LABELS = {
  controllerUid: "batch.kubernetes.io/controller-uid",
  jobName: "batch.kubernetes.io/job-name",
  legacyControllerUid: "controller-uid",
  legacyJobName: "job-name",
} as const;

/**
 * {@link CronJobController}: upstream's CronJob controller (v2). For each CronJob it keeps
 * `status.active` in step with the Jobs it owns (`SawCompletedJob`, `MissingJob`), records
 * `lastSuccessfulTime`, and at each unmet schedule time — in `spec.timeZone` — creates the Job
 * `<cronjob>-<minutes since the epoch>` unless suspended, too late for
 * `startingDeadlineSeconds` (`MissSchedule`), or forbidden by `concurrencyPolicy` (Forbid skips
 * while one runs, Replace deletes the running ones first). Finished Jobs beyond the history
 * limits are deleted, oldest first. It wakes up again at the next schedule time.
 *
 * @module
 */
import {
  BY_NAMESPACE,
  CRON_JOBS,
  isAlreadyExists,
  isNotFound,
  JOBS,
  namespaceIndex,
  objectReference,
  type Resource,
  type SharedInformer,
} from "../../../kube/client/mod.ts";
import { deepClone, formatTime } from "../../../kube/meta.ts";
import { isKnownTimeZone } from "../../apiserver/resources/batch/zoned_time.ts";
import { Controller, type ControllerConfig } from "../framework/mod.ts";
import { controllerRef, isControlledBy, newControllerRef } from "../common/owner.ts";
import { errText, writeStatus } from "../common/status.ts";
import type { CronJob, Job } from "../common/types.ts";
import { timeOf } from "../common/util.ts";
import {
  jobName,
  mostRecentScheduleTime,
  rfc3339In,
  type Schedule,
  SCHEDULED_TIMESTAMP,
  scheduleOf,
  untilNextSchedule,
} from "./schedule.ts";

const CJ = CRON_JOBS as Resource<CronJob>;
const J = JOBS as Resource<Job>;

type ActiveRef = NonNullable<NonNullable<CronJob["status"]>["active"]>[number];

function finishedAs(job: Job): "Complete" | "Failed" | undefined {
  for (const c of job.status?.conditions ?? []) {
    if ((c.type === "Complete" || c.type === "Failed") && c.status === "True") return c.type;
  }
  return undefined;
}

function jobRef(job: Job): ActiveRef {
  return {
    kind: "Job",
    namespace: job.metadata.namespace,
    name: job.metadata.name,
    uid: job.metadata.uid,
    apiVersion: "batch/v1",
    resourceVersion: job.metadata.resourceVersion,
  };
}

/** Starts Jobs on schedule. */
export class CronJobController extends Controller {
  readonly #cronJobs: SharedInformer<CronJob>;
  readonly #jobs: SharedInformer<Job>;

  constructor(config: ControllerConfig) {
    super(config);
    const byNs = { [BY_NAMESPACE]: namespaceIndex };
    this.#cronJobs = this.watch(CJ, { indexers: byNs });
    this.#jobs = this.watch(J, {
      indexers: byNs,
      keys: (job) => {
        const ref = controllerRef(job);
        return ref?.kind === "CronJob" ? `${job.metadata.namespace}/${ref.name}` : undefined;
      },
    });
  }

  protected async reconcile(key: string): Promise<void> {
    const cached = this.#cronJobs.store.get(key);
    if (!cached) return;
    const cj = deepClone(cached);
    cj.status ??= {};
    const jobs = this.#jobs.store.byIndex(BY_NAMESPACE, cj.metadata.namespace!)
      .filter((j) => isControlledBy(j, cj.metadata.uid));
    await this.#reconcileActive(cj, jobs);
    let requeue: number | undefined;
    let error: unknown;
    if (!cj.metadata.deletionTimestamp) {
      try {
        requeue = await this.#schedule(cj);
      } catch (err) {
        error = err;
      }
      await this.#cleanupFinished(cj, jobs);
    }
    await writeStatus(this.client, CJ, cached, cj.status, { recompute: true });
    if (error) throw error;
    if (requeue !== undefined) this.queue.addAfter(key, requeue);
  }

  #event(cj: CronJob, type: "Normal" | "Warning", reason: string, message: string): void {
    this.recorder.event(objectReference(CJ, cj), type, reason, message);
  }

  /** Brings `status.active` and `lastSuccessfulTime` in line with the owned Jobs. */
  async #reconcileActive(cj: CronJob, jobs: Job[]): Promise<void> {
    const status = cj.status!;
    const active = status.active ?? [];
    const byUid = new Set(jobs.map((j) => j.metadata.uid));
    for (const j of jobs) {
      const found = active.some((a) => a.uid === j.metadata.uid);
      const finished = finishedAs(j);
      if (!found && !finished) {
        // Ours but not recorded: created just before a crash, or a job someone wants adopted.
        this.#event(
          cj,
          "Warning",
          "UnexpectedJob",
          `Saw a job that the controller did not create or forgot: ${j.metadata.name}`,
        );
      } else if (found && finished) {
        status.active = (status.active ?? []).filter((a) => a.uid !== j.metadata.uid);
        this.#event(
          cj,
          "Normal",
          "SawCompletedJob",
          `Saw completed job: ${j.metadata.name}, condition: ${finished}`,
        );
      }
      if (finished === "Complete" && j.status?.completionTime) {
        const last = timeOf(status.lastSuccessfulTime);
        const done = timeOf(j.status.completionTime)!;
        if (last === undefined || done > last) status.lastSuccessfulTime = j.status.completionTime;
      }
    }
    for (const a of [...(status.active ?? [])]) {
      if (byUid.has(a.uid)) continue;
      try {
        const j = await this.client.get(J, a.name!, { namespace: cj.metadata.namespace });
        if (j.metadata.uid === a.uid) continue;
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
      status.active = (status.active ?? []).filter((x) => x.uid !== a.uid);
      this.#event(cj, "Normal", "MissingJob", `Active job went missing: ${a.name}`);
    }
    if (status.active && !status.active.length) delete status.active;
  }

  /** Starts the Job of the most recent unmet time, if allowed; returns when to look again. */
  async #schedule(cj: CronJob): Promise<number | undefined> {
    if (cj.spec?.suspend) return undefined;
    const tz = cj.spec?.timeZone;
    if (tz && !isKnownTimeZone(tz)) {
      this.#event(
        cj,
        "Warning",
        "UnknownTimeZone",
        `invalid timeZone: "${tz}": unknown time zone ${tz}`,
      );
      return undefined;
    }
    let s: Schedule;
    try {
      s = scheduleOf(cj);
    } catch (err) {
      this.#event(
        cj,
        "Warning",
        "UnparseableSchedule",
        `unparseable schedule: "${cj.spec?.schedule}" : ${errText(err)}`,
      );
      return undefined;
    }
    const now = this.clock.now();
    const { mostRecent, missed } = mostRecentScheduleTime(cj, now, s);
    if (missed > 100) {
      this.#event(
        cj,
        "Warning",
        "TooManyMissedTimes",
        `too many missed start times: ${missed}. Set or decrease .spec.startingDeadlineSeconds or check clock skew`,
      );
    }
    if (mostRecent === undefined) return untilNextSchedule(cj, now, s);
    const sds = cj.spec?.startingDeadlineSeconds;
    if (sds !== undefined && sds !== null && mostRecent + sds * 1000 < now) {
      this.#event(
        cj,
        "Warning",
        "MissSchedule",
        `Missed scheduled time to start a job: ${
          new Date(mostRecent).toUTCString().replace("GMT", "+0000")
        }`,
      );
      return untilNextSchedule(cj, now, s);
    }
    const name = jobName(cj, mostRecent);
    const status = cj.status!;
    if (
      (status.active ?? []).some((a) => a.name === name) ||
      timeOf(status.lastScheduleTime) === mostRecent
    ) return untilNextSchedule(cj, now, s);
    const policy = cj.spec?.concurrencyPolicy ?? "Allow";
    if (policy === "Forbid" && (status.active ?? []).length) {
      this.#event(
        cj,
        "Normal",
        "JobAlreadyActive",
        "Not starting job because prior execution is running and concurrency policy is Forbid",
      );
      return untilNextSchedule(cj, now, s);
    }
    if (policy === "Replace") {
      for (const a of [...(status.active ?? [])]) await this.#deleteJob(cj, a.name!, a.uid);
    }
    let job: Job;
    try {
      job = await this.client.create(J, this.#jobFor(cj, mostRecent, name));
      this.#event(cj, "Normal", "SuccessfulCreate", `Created job ${name}`);
    } catch (err) {
      if (/because it is being terminated/.test(errText(err))) return undefined;
      if (!isAlreadyExists(err)) {
        this.#event(cj, "Warning", "FailedCreate", `Error creating job: ${errText(err)}`);
        throw err;
      }
      job = await this.client.get(J, name, { namespace: cj.metadata.namespace });
      if (!isControlledBy(job, cj.metadata.uid)) return untilNextSchedule(cj, now, s);
    }
    if (!(status.active ?? []).some((a) => a.uid === job.metadata.uid)) {
      status.active = [...(status.active ?? []), jobRef(job)];
    }
    status.lastScheduleTime = formatTime(mostRecent);
    return untilNextSchedule(cj, now, s);
  }

  /** The Job of one scheduled time (`getJobFromTemplate2`). */
  #jobFor(cj: CronJob, scheduled: number, name: string): Job {
    const t = cj.spec?.jobTemplate ?? {};
    return {
      apiVersion: "batch/v1",
      kind: "Job",
      metadata: {
        name,
        namespace: cj.metadata.namespace,
        labels: { ...(t.metadata?.labels ?? {}) },
        annotations: {
          ...(t.metadata?.annotations ?? {}),
          [SCHEDULED_TIMESTAMP]: rfc3339In(scheduled, cj.spec?.timeZone ?? undefined),
        },
        ownerReferences: [newControllerRef(cj, "batch/v1", "CronJob")],
      },
      spec: deepClone(t.spec ?? {}),
    };
  }

  async #deleteJob(cj: CronJob, name: string, uid: string | undefined): Promise<void> {
    try {
      await this.client.delete(J, name, {
        namespace: cj.metadata.namespace,
        propagationPolicy: "Background",
        preconditions: uid ? { uid } : undefined,
      });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    cj.status!.active = (cj.status!.active ?? []).filter((a) => a.uid !== uid);
    if (!cj.status!.active.length) delete cj.status!.active;
    this.#event(cj, "Normal", "SuccessfulDelete", `Deleted job ${name}`);
  }

  /** Deletes the oldest finished Jobs beyond the history limits. */
  async #cleanupFinished(cj: CronJob, jobs: Job[]): Promise<void> {
    const started = (j: Job) => timeOf(j.status?.startTime) ?? Infinity;
    const byStart = (a: Job, b: Job) =>
      started(a) - started(b) || (a.metadata.name! < b.metadata.name! ? -1 : 1);
    const limits: [string, number | undefined][] = [
      ["Complete", cj.spec?.successfulJobsHistoryLimit],
      ["Failed", cj.spec?.failedJobsHistoryLimit],
    ];
    for (const [kind, limit] of limits) {
      if (limit === undefined || limit === null) continue;
      const done = jobs.filter((j) => finishedAs(j) === kind && !j.metadata.deletionTimestamp)
        .sort(byStart);
      for (const j of done.slice(0, Math.max(0, done.length - limit))) {
        await this.#deleteJob(cj, j.metadata.name!, j.metadata.uid);
      }
    }
  }
}

/**
 * {@link JobController}: runs Jobs to completion as upstream's job controller (1.31+ rules):
 *
 * - up to `parallelism` active pods, never more than the completions still needed; Indexed
 *   jobs start each missing index once (`indexed.ts`); suspended jobs have their pods deleted;
 * - pods carry the `batch.kubernetes.io/job-tracking` finalizer; a finished pod is first
 *   recorded in `status.uncountedTerminatedPods`, then its finalizer removed, then counted in
 *   `succeeded`/`failed` — so no pod is counted twice or lost across restarts;
 * - failures: backoffLimit (failed pods, or restarts with OnFailure), the pod failure policy,
 *   activeDeadlineSeconds, and a 10 s…6 min delay before replacements;
 * - terminal conditions: `SuccessCriteriaMet` or `FailureTarget` first, then, once no pod is
 *   left uncounted or terminating, `Complete` (with completionTime) or `Failed`.
 *
 * @module
 */
import {
  BY_NAMESPACE,
  isNotFound,
  JOBS,
  keyOf,
  namespaceIndex,
  objectReference,
  PODS,
  type Resource,
  type SharedInformer,
} from "../../../kube/client/mod.ts";
import { formatTime } from "../../../kube/meta.ts";
import { Controller, type ControllerConfig } from "../framework/mod.ts";
import { Expectations } from "../common/expectations.ts";
import { claim, controllerRef, newControllerRef } from "../common/owner.ts";
import {
  compareForDeletion,
  isPodActive,
  isPodReady,
  isPodTerminating,
  podFromTemplate,
  slowStartBatch,
} from "../common/pods.ts";
import { errText } from "../common/status.ts";
import type { Condition, Job, JobStatus, Pod } from "../common/types.ts";
import { getCondition, ownerKeys, selectorOf, timeOf } from "../common/util.ts";
import {
  type BackoffRecord,
  backoffRemaining,
  isPodFailed,
  matchFailurePolicy,
  pastBackoffLimitOnFailure,
} from "./failure.ts";
import {
  duplicateIndexPods,
  indexOf,
  isIndexed,
  parseIntervals,
  pendingIndexes,
  withIndex,
} from "./indexed.ts";
import { type JobSync, trackAndFinish } from "./tracking.ts";

export const TRACKING_FINALIZER = "batch.kubernetes.io/job-tracking";
/** Creations or deletions per sync at most (upstream's MaxPodCreateDeletePerSync). */
const MAX_PER_SYNC = 500;
const CONTROLLER_NAME = "kubernetes.io/job-controller";

const J = JOBS as Resource<Job>;

/** A finished job: Complete or Failed is True. */
export function isFinished(job: Job): boolean {
  return (job.status?.conditions ?? []).some((c) =>
    (c.type === "Complete" || c.type === "Failed") && c.status === "True"
  );
}

function condition(type: string, reason: string, message: string, now: number): Condition {
  const t = formatTime(now);
  return { type, status: "True", reason, message, lastProbeTime: t, lastTransitionTime: t };
}

/** Runs Jobs. */
export class JobController extends Controller {
  readonly #jobs: SharedInformer<Job>;
  readonly #pods: SharedInformer<Pod>;
  readonly #expectations: Expectations;
  /** Pods whose finalizer removal was asked for, by job key. */
  readonly #removing = new Map<string, Set<string>>();
  readonly #backoff = new Map<string, BackoffRecord>();

  constructor(config: ControllerConfig) {
    super(config);
    this.#expectations = new Expectations(this.clock);
    const byNs = { [BY_NAMESPACE]: namespaceIndex };
    this.#jobs = this.watch(J, { indexers: byNs });
    this.informers.informer(PODS, { indexers: byNs }).addEventHandler({
      add: (p) => this.#observe(p, "add"),
      update: (old, p) => {
        if (p.metadata.deletionTimestamp && !old.metadata.deletionTimestamp) {
          this.#observe(p, "delete");
        }
        if (!p.metadata.finalizers?.includes(TRACKING_FINALIZER)) this.#finalizerGone(p);
      },
      delete: (p) => {
        this.#observe(p, "delete");
        this.#finalizerGone(p);
      },
    });
    this.#pods = this.watch(PODS, {
      indexers: byNs,
      keys: (pod) => ownerKeys(pod, "Job", this.#jobs.store, (j) => selectorOf(j.spec?.selector)),
    });
  }

  #jobKeyOf(pod: Pod): string | undefined {
    const ref = controllerRef(pod);
    return ref?.kind === "Job" ? `${pod.metadata.namespace}/${ref.name}` : undefined;
  }

  #observe(pod: Pod, what: "add" | "delete"): void {
    const key = this.#jobKeyOf(pod);
    if (!key) return;
    if (what === "add") {
      if (!pod.metadata.deletionTimestamp) this.#expectations.creationObserved(key);
    } else this.#expectations.deletionObserved(key, keyOf(pod));
  }

  #finalizerGone(pod: Pod): void {
    const key = this.#jobKeyOf(pod);
    if (key) this.#removing.get(key)?.delete(pod.metadata.uid!);
  }

  protected async reconcile(key: string): Promise<void> {
    const job = this.#jobs.store.get(key);
    if (!job) {
      this.#expectations.delete(key);
      this.#removing.delete(key);
      this.#backoff.delete(key);
      await this.#releaseOrphans(key);
      return;
    }
    const managedBy = job.spec?.managedBy;
    if (managedBy && managedBy !== CONTROLLER_NAME) return;
    if (isFinished(job)) {
      this.#backoff.delete(key);
      await this.#releaseOrphans(key, job);
      return;
    }
    const now = this.clock.now();
    const status: JobStatus = structuredClone(job.status ?? {});
    status.uncountedTerminatedPods ??= {};
    const satisfied = this.#expectations.satisfied(key);
    const pods = await claim(
      this.#pods.store.byIndex(BY_NAMESPACE, job.metadata.namespace!),
      { owner: job, apiVersion: "batch/v1", kind: "Job", selector: selectorOf(job.spec?.selector) },
      {
        client: this.client,
        resource: PODS,
        finalizers: [TRACKING_FINALIZER],
        canAdopt: async () => {
          const fresh = await this.client.get(J, job.metadata.name!, {
            namespace: job.metadata.namespace,
          });
          return fresh.metadata.uid === job.metadata.uid && !fresh.metadata.deletionTimestamp;
        },
      },
    );
    const removing = this.#removing.get(key) ?? new Set<string>();
    const uncountedOk = new Set(status.uncountedTerminatedPods.succeeded ?? []);
    const uncountedFailed = new Set(status.uncountedTerminatedPods.failed ?? []);
    const tracked = (p: Pod) =>
      p.metadata.finalizers?.includes(TRACKING_FINALIZER) && !removing.has(p.metadata.uid!);
    const validIndex = (p: Pod) =>
      !isIndexed(job) || ((indexOf(p) ?? Infinity) < (job.spec?.completions ?? 0));
    const fresh = (p: Pod, set: Set<string>) =>
      tracked(p) && !set.has(p.metadata.uid!) && validIndex(p);
    const newOk = pods.filter((p) => fresh(p, uncountedOk) && p.status?.phase === "Succeeded");
    const newFailed = pods.filter((p) => fresh(p, uncountedFailed) && isPodFailed(p, job));
    const counted = newFailed.filter((p) =>
      !job.spec?.podFailurePolicy || matchFailurePolicy(job, p).count
    );
    const active = pods.filter(isPodActive);
    const sync: JobSync = {
      job,
      status,
      pods,
      active: active.length,
      ready: active.filter(isPodReady).length,
      terminating: pods.filter(isPodTerminating).length,
      succeeded: (status.succeeded ?? 0) + newOk.length + uncountedOk.size,
      failed: (status.failed ?? 0) + counted.length + uncountedFailed.size,
      removing,
      now,
    };
    if (!status.startTime && !job.spec?.suspend) status.startTime = formatTime(now);
    this.#recordBackoff(key, newOk.length, newFailed.length, now);

    const limit = job.spec?.backoffLimit ?? 6;
    sync.finished = getCondition(status.conditions, "SuccessCriteriaMet")?.status === "True"
      ? getCondition(status.conditions, "SuccessCriteriaMet")
      : undefined;
    if (!sync.finished) {
      const target = getCondition(status.conditions, "FailureTarget");
      if (target?.status === "True") sync.finished = target;
      else {
        const msg = pods.filter((p) => isPodFailed(p, job))
          .map((p) => matchFailurePolicy(job, p).failJobMessage).find(Boolean);
        if (msg && job.spec?.podFailurePolicy) {
          sync.finished = condition("FailureTarget", "PodFailurePolicy", msg, now);
        }
      }
    }
    if (!sync.finished) {
      if (sync.failed > limit || pastBackoffLimitOnFailure(job, pods)) {
        sync.finished = condition(
          "FailureTarget",
          "BackoffLimitExceeded",
          "Job has reached the specified backoff limit",
          now,
        );
      } else if (this.#pastDeadline(job, status, now)) {
        sync.finished = condition(
          "FailureTarget",
          "DeadlineExceeded",
          "Job was active longer than specified deadline",
          now,
        );
      } else if (job.spec?.activeDeadlineSeconds !== undefined && !job.spec?.suspend) {
        const started = timeOf(status.startTime) ?? now;
        this.queue.addAfter(key, started + job.spec.activeDeadlineSeconds * 1000 - now + 10);
      }
    }
    if (isIndexed(job)) {
      const completions = job.spec?.completions ?? 0;
      const done = parseIntervals(status.completedIndexes, completions);
      for (const p of pods) {
        const i = indexOf(p);
        if (p.status?.phase === "Succeeded" && i !== undefined && i < completions) done.add(i);
      }
      sync.succeededIndexes = done;
      sync.succeeded = done.size;
    }

    let manageError: unknown;
    if (sync.finished) {
      // Failed (or met its success criteria): every active pod goes.
      const deleted = await this.#deletePods(key, job, active, false).catch((err) => {
        manageError = err;
        return 0;
      });
      if (deleted !== active.length || !satisfied) sync.finished = undefined;
      sync.active -= deleted;
      sync.terminating += deleted;
    } else {
      let managed = false;
      if (satisfied && !job.metadata.deletionTimestamp) {
        managed = true;
        try {
          sync.active = await this.#manage(key, sync, active);
        } catch (err) {
          manageError = err;
        }
      }
      const completions = job.spec?.completions;
      const complete = completions === undefined || completions === null
        ? sync.succeeded > 0 && sync.active === 0
        : sync.succeeded >= completions && sync.active === 0;
      if (complete) {
        sync.finished = condition(
          "SuccessCriteriaMet",
          "CompletionsReached",
          "Reached expected number of succeeded pods",
          now,
        );
      } else if (managed) this.#suspendConditions(job, status, now);
    }
    status.active = sync.active;
    status.ready = sync.ready;
    status.terminating = sync.terminating;
    const written = await trackAndFinish(this.client, this.recorder, sync);
    for (const uid of written.removing) removing.add(uid);
    if (removing.size) this.#removing.set(key, removing);
    if (manageError) throw manageError;
  }

  #pastDeadline(job: Job, status: JobStatus, now: number): boolean {
    const limit = job.spec?.activeDeadlineSeconds;
    const started = timeOf(status.startTime);
    if (limit === undefined || started === undefined || job.spec?.suspend) return false;
    return now - started >= limit * 1000;
  }

  #recordBackoff(key: string, succeeded: number, failed: number, now: number): void {
    if (failed > 0) {
      const r = this.#backoff.get(key) ?? { failures: 0, lastFailureAt: now };
      this.#backoff.set(key, { failures: r.failures + failed, lastFailureAt: now });
    } else if (succeeded > 0) this.#backoff.delete(key);
  }

  /** Pods to start or stop (`manageJob`); returns the active count after. */
  async #manage(key: string, sync: JobSync, active: Pod[]): Promise<number> {
    const { job } = sync;
    if (job.spec?.suspend) {
      return active.length - await this.#deletePods(key, job, active, true);
    }
    const parallelism = job.spec?.parallelism ?? 1;
    const completions = job.spec?.completions;
    let want: number;
    if (completions === undefined || completions === null) {
      want = sync.succeeded > 0 ? active.length : parallelism;
    } else want = Math.max(0, Math.min(completions - sync.succeeded, parallelism));
    const surplus = Math.max(0, active.length - want);
    let victims = isIndexed(job) ? duplicateIndexPods(active, completions ?? 0) : [];
    if (victims.length < surplus) {
      const rest = active.filter((p) => !victims.includes(p)).sort((a, b) =>
        compareForDeletion(a, b)
      );
      victims = [...victims, ...rest.slice(0, surplus - victims.length)];
    }
    if (victims.length) {
      return active.length - await this.#deletePods(key, job, victims.slice(0, MAX_PER_SYNC), true);
    }
    const waitFor = job.spec?.podReplacementPolicy === "Failed" ? sync.terminating : 0;
    let diff = want - waitFor - active.length;
    if (diff <= 0) return active.length;
    const delay = backoffRemaining(this.#backoff.get(key), sync.now);
    if (delay > 0) {
      this.queue.addAfter(key, delay);
      return active.length;
    }
    diff = Math.min(diff, MAX_PER_SYNC);
    const indexes = isIndexed(job)
      ? pendingIndexes(completions ?? 0, sync.succeededIndexes ?? new Set(), active, diff)
      : undefined;
    if (indexes) diff = indexes.length;
    this.#expectations.expectCreations(key, diff);
    const ref = objectReference(J, job);
    const res = await slowStartBatch(diff, async (n) => {
      const pod = podFromTemplate(
        job.spec?.template ?? {},
        job.metadata.namespace!,
        job.metadata.name!,
        newControllerRef(job, "batch/v1", "Job"),
      );
      pod.metadata.finalizers = [
        ...new Set([...(pod.metadata.finalizers ?? []), TRACKING_FINALIZER]),
      ];
      if (indexes) withIndex(pod, job, indexes[n]);
      try {
        const created = await this.client.create(PODS, pod);
        this.recorder.event(
          ref,
          "Normal",
          "SuccessfulCreate",
          `Created pod: ${created.metadata.name}`,
        );
      } catch (err) {
        this.#expectations.creationObserved(key);
        if (/because it is being terminated/.test(errText(err))) return;
        this.recorder.event(ref, "Warning", "FailedCreate", `Error creating: ${errText(err)}`);
        throw err;
      }
    });
    for (let i = 0; i < res.skipped; i++) this.#expectations.creationObserved(key);
    if (res.error) throw res.error;
    return active.length + res.created;
  }

  /**
   * Deletes pods (keeping their finalizers: tracking removes them); with `expect`, as a
   * counted deletion. Returns how many deletions succeeded.
   */
  async #deletePods(key: string, job: Job, pods: Pod[], expect: boolean): Promise<number> {
    if (!pods.length) return 0;
    if (expect) this.#expectations.expectDeletions(key, pods.map(keyOf));
    const ref = objectReference(J, job);
    const results = await Promise.allSettled(pods.map(async (p) => {
      try {
        await this.client.delete(PODS, p.metadata.name!, {
          namespace: p.metadata.namespace,
          preconditions: { uid: p.metadata.uid },
        });
        this.recorder.event(ref, "Normal", "SuccessfulDelete", `Deleted pod: ${p.metadata.name}`);
      } catch (err) {
        if (expect) this.#expectations.deletionObserved(key, keyOf(p));
        if (!isNotFound(err)) throw err;
      }
    }));
    const failed = results.find((r) => r.status === "rejected") as
      | PromiseRejectedResult
      | undefined;
    if (failed) throw failed.reason;
    return pods.length;
  }

  #suspendConditions(job: Job, status: JobStatus, now: number): void {
    const current = getCondition(status.conditions, "Suspended");
    const suspended = job.spec?.suspend === true;
    const ref = objectReference(J, job);
    if (suspended && current?.status !== "True") {
      status.conditions = [
        ...(status.conditions ?? []).filter((c) => c.type !== "Suspended"),
        condition("Suspended", "JobSuspended", "Job suspended", now),
      ];
      this.recorder.event(ref, "Normal", "Suspended", "Job suspended");
    } else if (!suspended && current?.status === "True") {
      const c = condition("Suspended", "JobResumed", "Job resumed", now);
      c.status = "False";
      status.conditions = [...(status.conditions ?? []).filter((c) => c.type !== "Suspended"), c];
      status.startTime = formatTime(now);
      this.recorder.event(ref, "Normal", "Resumed", "Job resumed");
    }
  }

  /** Removes the tracking finalizer from pods whose job is gone or finished. */
  async #releaseOrphans(key: string, job?: Job): Promise<void> {
    const [ns, name] = [key.slice(0, key.indexOf("/")), key.slice(key.indexOf("/") + 1)];
    for (const p of this.#pods.store.byIndex(BY_NAMESPACE, ns)) {
      const ref = controllerRef(p);
      if (ref?.kind !== "Job" || ref.name !== name) continue;
      if (job && ref.uid === job.metadata.uid && isPodActive(p)) continue;
      if (!p.metadata.finalizers?.includes(TRACKING_FINALIZER)) continue;
      await this.client.patch(
        PODS,
        p.metadata.name!,
        {
          metadata: { [`$deleteFromPrimitiveList/finalizers`]: [TRACKING_FINALIZER] },
        },
        "strategic",
        { namespace: ns },
      ).catch((err) => {
        if (!isNotFound(err)) throw err;
      });
    }
  }
}

/**
 * Job status tracking with finalizers (upstream's `trackJobStatusAndRemoveFinalizers`): finished
 * pods are written to `status.uncountedTerminatedPods` (and interim `SuccessCriteriaMet` /
 * `FailureTarget` conditions) before their `batch.kubernetes.io/job-tracking` finalizer is
 * removed; pods whose finalizer is gone move from the uncounted lists to the counters; the
 * terminal `Complete` / `Failed` condition comes once nothing is uncounted or terminating.
 *
 * @module
 */
import {
  type EventRecorder,
  isNotFound,
  JOBS,
  type KubeClient,
  objectReference,
  PODS,
  type Resource,
} from "../../../kube/client/mod.ts";
import { deepEqual, formatTime } from "../../../kube/meta.ts";
import { writeStatus } from "../common/status.ts";
import type { Condition, Job, JobStatus, Pod } from "../common/types.ts";
import { isPodFailed, matchFailurePolicy } from "./failure.ts";
import { formatIntervals, indexOf, isIndexed } from "./indexed.ts";

const J = JOBS as Resource<Job>;
const TRACKING = "batch.kubernetes.io/job-tracking";
/** Uncounted pods at most in status (upstream's MaxUncountedPods). */
const MAX_UNCOUNTED = 500;

/** The state of one sync, as `job.ts` computed it. */
export interface JobSync {
  job: Job;
  /** The status being built (a copy). */
  status: JobStatus;
  pods: Pod[];
  active: number;
  ready: number;
  terminating: number;
  succeeded: number;
  failed: number;
  /** Uids whose finalizer removal is in flight. */
  removing: Set<string>;
  /** The interim or final condition the job reached, if any. */
  finished?: Condition;
  succeededIndexes?: Set<number>;
  now: number;
}

function removeFinalizerPatch() {
  return { metadata: { [`$deleteFromPrimitiveList/finalizers`]: [TRACKING] } };
}

/** Moves uncounted uids whose pod lost its finalizer into the counters. */
function countRemoved(status: JobStatus, withFinalizer: Set<string>): boolean {
  const u = status.uncountedTerminatedPods!;
  let changed = false;
  const keep = (list: string[] | undefined) => (list ?? []).filter((uid) => withFinalizer.has(uid));
  const ok = keep(u.succeeded), failed = keep(u.failed);
  if (ok.length !== (u.succeeded ?? []).length) {
    status.succeeded = (status.succeeded ?? 0) + (u.succeeded!.length - ok.length);
    changed = true;
  }
  if (failed.length !== (u.failed ?? []).length) {
    status.failed = (status.failed ?? 0) + (u.failed!.length - failed.length);
    changed = true;
  }
  u.succeeded = ok;
  u.failed = failed;
  return changed;
}

/** The status as written: empty uncounted lists omitted, as upstream's `omitempty` does. */
function compact(status: JobStatus): JobStatus {
  const u = status.uncountedTerminatedPods ?? {};
  const out: JobStatus = { ...status, uncountedTerminatedPods: {} };
  if (u.succeeded?.length) out.uncountedTerminatedPods!.succeeded = u.succeeded;
  if (u.failed?.length) out.uncountedTerminatedPods!.failed = u.failed;
  return out;
}

/** Writes status, removes finalizers and finishes the job when it can; returns removals. */
export async function trackAndFinish(
  client: KubeClient,
  recorder: EventRecorder,
  s: JobSync,
): Promise<{ removing: string[] }> {
  const { job, status } = s;
  const indexed = isIndexed(job);
  const completions = job.spec?.completions ?? 0;
  const u = status.uncountedTerminatedPods!;
  u.succeeded ??= [];
  u.failed ??= [];
  const before = structuredClone(job.status ?? {});
  const withFinalizer = new Set(
    s.pods.filter((p) =>
      p.metadata.finalizers?.includes(TRACKING) && !s.removing.has(p.metadata.uid!)
    )
      .map((p) => p.metadata.uid!),
  );
  countRemoved(status, withFinalizer);
  const toRelease: Pod[] = [];
  const doneIndexes = new Set<number>();
  const failedCondition = s.finished && s.finished.type !== "SuccessCriteriaMet";
  for (const pod of s.pods) {
    const uid = pod.metadata.uid!;
    if (!withFinalizer.has(uid)) continue;
    const failed = isPodFailed(pod, job);
    const phase = pod.status?.phase;
    if (!(job.metadata.deletionTimestamp || s.finished || phase === "Succeeded" || failed)) {
      continue;
    }
    toRelease.push(pod);
    if (phase === "Succeeded" && !u.failed.includes(uid)) {
      const i = indexOf(pod);
      if (indexed) {
        if (i !== undefined && i < completions) doneIndexes.add(i);
      } else if (!u.succeeded.includes(uid)) u.succeeded.push(uid);
    } else if (failed || failedCondition) {
      const i = indexOf(pod);
      const valid = !indexed || (i !== undefined && i < completions);
      const counts = !job.spec?.podFailurePolicy || matchFailurePolicy(job, pod).count;
      if (valid && counts && !u.failed.includes(uid)) u.failed.push(uid);
    }
    if (doneIndexes.size + u.succeeded.length + u.failed.length >= MAX_UNCOUNTED) break;
  }
  if (indexed) {
    const all = new Set([...(s.succeededIndexes ?? []), ...doneIndexes]);
    status.completedIndexes = formatIntervals(all);
    status.succeeded = all.size;
  }
  let finished = s.finished;
  const addInterim = (c: Condition) => {
    if (!(status.conditions ?? []).some((x) => x.type === c.type && x.status === "True")) {
      status.conditions = [...(status.conditions ?? []), c];
    }
  };
  if (finished?.type === "FailureTarget") {
    addInterim(finished);
    finished = {
      ...finished,
      type: "Failed",
      lastProbeTime: formatTime(s.now),
      lastTransitionTime: formatTime(s.now),
    };
  } else if (finished?.type === "SuccessCriteriaMet") {
    addInterim(finished);
    finished = {
      ...finished,
      type: "Complete",
      lastProbeTime: formatTime(s.now),
      lastTransitionTime: formatTime(s.now),
    };
  }
  // First record the uncounted pods (and interim conditions), then release the pods.
  let current: Job = job;
  if (!deepEqual(before, compact(status))) {
    current = (await writeStatus(client, J, current, compact(status), { recompute: true })) ??
      current;
  }
  const removing: string[] = [];
  const results = await Promise.allSettled(toRelease.map(async (p) => {
    removing.push(p.metadata.uid!);
    try {
      await client.patch(PODS, p.metadata.name!, removeFinalizerPatch(), "strategic", {
        namespace: p.metadata.namespace,
      });
    } catch (err) {
      if (!isNotFound(err)) {
        removing.splice(removing.indexOf(p.metadata.uid!), 1);
        throw err;
      }
    }
    withFinalizer.delete(p.metadata.uid!);
  }));
  let changed = countRemoved(status, withFinalizer);
  const failure = results.find((r) => r.status === "rejected") as PromiseRejectedResult | undefined;
  let done = false;
  if (!failure && finished && !u.succeeded.length && !u.failed.length && s.terminating === 0) {
    const existing = (status.conditions ?? []).find((c) => c.type === finished!.type);
    if (!existing || existing.status !== "True") {
      status.conditions = [
        ...(status.conditions ?? []).filter((c) => c.type !== finished!.type),
        finished,
      ];
      if (finished.type === "Complete") status.completionTime = finished.lastTransitionTime;
      changed = true;
      done = true;
    }
  }
  if (changed) {
    current = (await writeStatus(client, J, current, compact(status), { recompute: true })) ??
      current;
  }
  if (done) {
    const ref = objectReference(J, current);
    if (finished!.type === "Complete") {
      if (job.spec?.completions && (status.succeeded ?? 0) > job.spec.completions) {
        recorder.event(
          ref,
          "Warning",
          "TooManySucceededPods",
          "Too many succeeded pods running after completion count reached",
        );
      }
      recorder.event(ref, "Normal", "Completed", "Job completed");
    } else recorder.event(ref, "Warning", finished!.reason ?? "Failed", finished!.message ?? "");
  }
  if (failure) throw failure.reason;
  return { removing };
}

/**
 * How a Job judges failed pods: which pods count as failed (`isPodFailed`), the pod failure
 * policy's rules (`matchPodFailurePolicy`: FailJob with upstream's message, Ignore, Count,
 * FailIndex), restarts past the backoff limit with `restartPolicy: OnFailure`, and the delay
 * before a replacement after failures (10 s doubling to 6 min).
 *
 * @module
 */
import type { ContainerStatus } from "../../../kube/client/mod.ts";
import type { Job, Pod, PodFailurePolicyRule } from "../common/types.ts";

export const POD_FAILURE_BACKOFF_MS = 10_000;
export const MAX_POD_FAILURE_BACKOFF_MS = 6 * 60_000;

/**
 * Failed for the Job: phase Failed, or (with pod replacement on TerminatingOrFailed and no
 * failure policy) deleted before succeeding.
 */
export function isPodFailed(pod: Pod, job: Job): boolean {
  const phase = pod.status?.phase;
  if (phase === "Failed") return true;
  if (job.spec?.podReplacementPolicy === "Failed" || job.spec?.podFailurePolicy) return false;
  return !!pod.metadata.deletionTimestamp && phase !== "Succeeded";
}

/** What the failure policy says about a failed pod. */
export interface PolicyMatch {
  /** Set when a FailJob rule matched. */
  failJobMessage?: string;
  /** Counts against backoffLimit (false for Ignore). */
  count: boolean;
  action?: string;
}

function terminatedMatch(
  statuses: readonly ContainerStatus[] | undefined,
  rule: NonNullable<PodFailurePolicyRule["onExitCodes"]>,
): ContainerStatus | undefined {
  for (const s of statuses ?? []) {
    const term = (s.state as { terminated?: { exitCode?: number } } | undefined)?.terminated;
    if (!term || term.exitCode === undefined || term.exitCode === 0) continue;
    if (rule.containerName && rule.containerName !== s.name) continue;
    const inValues = rule.values.includes(term.exitCode);
    if (rule.operator === "In" ? inValues : rule.operator === "NotIn" ? !inValues : false) return s;
  }
  return undefined;
}

/** The first rule matching a failed pod (`matchPodFailurePolicy`). */
export function matchFailurePolicy(job: Job, pod: Pod): PolicyMatch {
  const rules = job.spec?.podFailurePolicy?.rules ?? [];
  for (const [index, rule] of rules.entries()) {
    let what: string | undefined;
    if (rule.onExitCodes) {
      const s = terminatedMatch(pod.status?.containerStatuses, rule.onExitCodes) ??
        terminatedMatch(
          pod.status?.initContainerStatuses as ContainerStatus[] | undefined,
          rule.onExitCodes,
        );
      if (!s) continue;
      const code = (s.state as { terminated: { exitCode: number } }).terminated.exitCode;
      what =
        `Container ${s.name} for pod ${pod.metadata.namespace}/${pod.metadata.name} failed with exit code ${code}`;
    } else if (rule.onPodConditions) {
      const c = pod.status?.conditions?.find((c) =>
        rule.onPodConditions!.some((p) => p.type === c.type && (p.status ?? "True") === c.status)
      );
      if (!c) continue;
      what = `Pod ${pod.metadata.namespace}/${pod.metadata.name} has condition ${c.type}`;
    } else continue;
    switch (rule.action) {
      case "Ignore":
        return { count: false, action: "Ignore" };
      case "Count":
        return { count: true, action: "Count" };
      case "FailIndex":
        return { count: true, action: "FailIndex" };
      case "FailJob":
        return {
          count: true,
          action: "FailJob",
          failJobMessage: `${what} matching FailJob rule at index ${index}`,
        };
    }
  }
  return { count: true };
}

/** Container restarts of running pods reached the limit, with `restartPolicy: OnFailure`. */
export function pastBackoffLimitOnFailure(job: Job, pods: readonly Pod[]): boolean {
  if (job.spec?.template?.spec?.restartPolicy !== "OnFailure") return false;
  let restarts = 0;
  for (const p of pods) {
    const phase = p.status?.phase;
    if (phase !== "Running" && phase !== "Pending") continue;
    for (
      const s of [
        ...(p.status?.initContainerStatuses as ContainerStatus[] ?? []),
        ...(p.status?.containerStatuses ?? []),
      ]
    ) {
      restarts += s.restartCount ?? 0;
    }
  }
  const limit = job.spec?.backoffLimit ?? 6;
  return limit === 0 ? restarts > 0 : restarts >= limit;
}

/** Failures since the last success, and when the last one was seen. */
export interface BackoffRecord {
  failures: number;
  lastFailureAt: number;
}

/** Milliseconds to wait before creating pods again (0 when none). */
export function backoffRemaining(r: BackoffRecord | undefined, now: number): number {
  if (!r || r.failures === 0) return 0;
  const delay = Math.min(
    POD_FAILURE_BACKOFF_MS * 2 ** (r.failures - 1),
    MAX_POD_FAILURE_BACKOFF_MS,
  );
  return Math.max(0, r.lastFailureAt + delay - now);
}

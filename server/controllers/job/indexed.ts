/**
 * Indexed Jobs: the completion index of a pod (annotation and label
 * `batch.kubernetes.io/job-completion-index`), the interval text of `status.completedIndexes`
 * (`1,3-5`), which indexes to start next, and the pod fields an index sets (hostname
 * `<job>-<index>`, generateName `<job>-<index>-`, `JOB_COMPLETION_INDEX`).
 *
 * @module
 */
import type { Container } from "../../../kube/client/mod.ts";
import type { Job, Pod } from "../common/types.ts";

export const COMPLETION_INDEX = "batch.kubernetes.io/job-completion-index";

export function isIndexed(job: Job): boolean {
  return job.spec?.completionMode === "Indexed";
}

/** The pod's completion index, or undefined when absent or malformed. */
export function indexOf(pod: Pod): number | undefined {
  const v = pod.metadata.annotations?.[COMPLETION_INDEX] ?? pod.metadata.labels?.[COMPLETION_INDEX];
  if (v === undefined || !/^(0|[1-9]\d*)$/.test(v)) return undefined;
  return Number(v);
}

/** Parses `1,3-5` (indexes ≥ `completions` are dropped). */
export function parseIntervals(text: string | undefined, completions: number): Set<number> {
  const out = new Set<number>();
  for (const part of (text ?? "").split(",")) {
    if (!part) continue;
    const [a, b] = part.split("-").map(Number);
    const end = b === undefined ? a : b;
    if (!Number.isInteger(a) || !Number.isInteger(end)) continue;
    for (let i = a; i <= end && i < completions; i++) out.add(i);
  }
  return out;
}

/** Formats indexes as intervals: `0-2,5`. */
export function formatIntervals(indexes: Iterable<number>): string {
  const sorted = [...new Set(indexes)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
    parts.push(i === j ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(",");
}

/** The `count` lowest indexes neither succeeded nor held by an active pod. */
export function pendingIndexes(
  completions: number,
  succeeded: Set<number>,
  active: readonly Pod[],
  count: number,
): number[] {
  const taken = new Set(active.map(indexOf).filter((i): i is number => i !== undefined));
  const out: number[] = [];
  for (let i = 0; i < completions && out.length < count; i++) {
    if (!succeeded.has(i) && !taken.has(i)) out.push(i);
  }
  return out;
}

/** Stamps index `i` on a pod about to be created for `job`. */
export function withIndex(pod: Pod, job: Job, i: number): void {
  pod.metadata.annotations = { ...pod.metadata.annotations, [COMPLETION_INDEX]: String(i) };
  pod.metadata.labels = { ...pod.metadata.labels, [COMPLETION_INDEX]: String(i) };
  pod.metadata.generateName = `${job.metadata.name}-${i}-`;
  pod.spec!.hostname = `${job.metadata.name}-${i}`;
  const env = {
    name: "JOB_COMPLETION_INDEX",
    valueFrom: { fieldRef: { fieldPath: `metadata.annotations['${COMPLETION_INDEX}']` } },
  };
  const add = (c: Container) => {
    const list = (c.env as { name: string }[] | undefined) ?? [];
    if (!list.some((e) => e.name === env.name)) c.env = [...list, env];
  };
  pod.spec!.containers.forEach(add);
  pod.spec!.initContainers?.forEach(add);
}

/** Active pods sharing an index (all but one of each) or with no valid one: to delete. */
export function duplicateIndexPods(active: readonly Pod[], completions: number): Pod[] {
  const seen = new Set<number>();
  const out: Pod[] = [];
  for (const p of active) {
    const i = indexOf(p);
    if (i === undefined || i >= completions || seen.has(i)) out.push(p);
    else seen.add(i);
  }
  return out;
}

/**
 * Pod helpers every workload controller shares: the readiness and availability rules
 * (`IsPodReady`, `IsPodAvailable` with minReadySeconds), which pods count as active, a pod built
 * from a template, the order in which surplus pods are deleted (upstream's `ActivePods` ranking:
 * unscheduled, pending, not ready, cheap to delete, doubled up on a node, ready for less time,
 * restarted more, newer — first), and slow-start batched creation.
 *
 * @module
 */
import { deepClone } from "../../../kube/meta.ts";
import type { OwnerReference } from "../../../kube/meta.ts";
import type { Pod, PodTemplate } from "./types.ts";

/** Annotation ranking pods for deletion: lower cost goes first. */
export const POD_DELETION_COST = "controller.kubernetes.io/pod-deletion-cost";

function readyCondition(pod: Pod) {
  return pod.status?.conditions?.find((c) => c.type === "Ready");
}

/** The Ready condition is True. */
export function isPodReady(pod: Pod): boolean {
  return readyCondition(pod)?.status === "True";
}

/** Ready for at least `minReadySeconds` at `now` (ms). */
export function isPodAvailable(pod: Pod, minReadySeconds: number, now: number): boolean {
  if (!isPodReady(pod)) return false;
  if (!minReadySeconds) return true;
  const since = Date.parse(readyCondition(pod)?.lastTransitionTime ?? "");
  return Number.isFinite(since) && since + minReadySeconds * 1000 < now;
}

/** Milliseconds until a ready pod becomes available (0 when it is, or is not ready at all). */
export function msUntilAvailable(pod: Pod, minReadySeconds: number, now: number): number {
  if (!minReadySeconds || !isPodReady(pod)) return 0;
  const since = Date.parse(readyCondition(pod)?.lastTransitionTime ?? "");
  if (!Number.isFinite(since)) return 0;
  return Math.max(0, since + minReadySeconds * 1000 - now + 1);
}

/** Not finished and not being deleted (`FilterActivePods`). */
export function isPodActive(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase !== "Succeeded" && phase !== "Failed" && !pod.metadata.deletionTimestamp;
}

/** Being deleted and not finished: still holding its place (`CountTerminatingPods`). */
export function isPodTerminating(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return !!pod.metadata.deletionTimestamp && phase !== "Succeeded" && phase !== "Failed";
}

/** `<name>-`, the generateName of pods a controller creates (`getPodsPrefix`). */
export function podNamePrefix(ownerName: string): string {
  const prefix = `${ownerName}-`;
  return prefix.length <= 243 ? prefix : ownerName.slice(0, 242) + "-";
}

/** A pod (not yet created) from a template, controlled by `ref` (`GetPodFromTemplate`). */
export function podFromTemplate(
  template: PodTemplate,
  namespace: string,
  ownerName: string,
  ref: OwnerReference | undefined,
): Pod {
  const meta = template.metadata ?? {};
  const pod: Pod = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      namespace,
      generateName: podNamePrefix(ownerName),
      labels: { ...(meta.labels ?? {}) },
    },
    spec: deepClone(template.spec ?? { containers: [] }),
  };
  if (meta.annotations && Object.keys(meta.annotations).length) {
    pod.metadata.annotations = { ...meta.annotations };
  }
  if (meta.finalizers?.length) pod.metadata.finalizers = [...meta.finalizers];
  if (ref) pod.metadata.ownerReferences = [ref];
  return pod;
}

const PHASE_ORDER: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };

function deletionCost(pod: Pod): number {
  const v = Number(pod.metadata.annotations?.[POD_DELETION_COST]);
  return Number.isInteger(v) ? v : 0;
}

function readySince(pod: Pod): number {
  const t = Date.parse(readyCondition(pod)?.lastTransitionTime ?? "");
  return Number.isFinite(t) ? t : Infinity;
}

function created(pod: Pod): number {
  const t = Date.parse(pod.metadata.creationTimestamp ?? "");
  return Number.isFinite(t) ? t : Infinity;
}

function maxRestarts(pod: Pod): number {
  let max = 0;
  for (const s of pod.status?.containerStatuses ?? []) max = Math.max(max, s.restartCount ?? 0);
  return max;
}

/**
 * Compares two pods for deletion: negative when `a` should go before `b`. `rank` counts related
 * pods on the same node (doubled-up pods go first).
 */
export function compareForDeletion(a: Pod, b: Pod, rank?: (p: Pod) => number): number {
  const na = a.spec?.nodeName ?? "", nb = b.spec?.nodeName ?? "";
  if (na !== nb && (!na || !nb)) return na ? 1 : -1;
  const pa = PHASE_ORDER[a.status?.phase ?? "Pending"] ?? 0;
  const pb = PHASE_ORDER[b.status?.phase ?? "Pending"] ?? 0;
  if (pa !== pb) return pa - pb;
  const ra = isPodReady(a), rb = isPodReady(b);
  if (ra !== rb) return ra ? 1 : -1;
  const ca = deletionCost(a), cb = deletionCost(b);
  if (ca !== cb) return ca - cb;
  if (rank) {
    const ka = rank(a), kb = rank(b);
    if (ka !== kb) return kb - ka;
  }
  if (ra && rb) {
    const ta = readySince(a), tb = readySince(b);
    if (ta !== tb) return tb < ta ? -1 : 1;
  }
  const ma = maxRestarts(a), mb = maxRestarts(b);
  if (ma !== mb) return mb - ma;
  const ta = created(a), tb = created(b);
  if (ta !== tb) return tb < ta ? -1 : 1;
  return 0;
}

/**
 * Runs `create` `count` times in slow-start batches (1, 2, 4, …): a batch with a failure stops
 * the rest. Returns how many succeeded, how many were never tried and the first error.
 */
export async function slowStartBatch(
  count: number,
  create: (i: number) => Promise<void>,
): Promise<{ created: number; skipped: number; error?: Error }> {
  let done = 0, created = 0, size = Math.min(1, count);
  let error: Error | undefined;
  while (done < count) {
    const batch = Array.from({ length: size }, (_, k) => done + k);
    const results = await Promise.allSettled(batch.map((i) => create(i)));
    done += size;
    for (const r of results) {
      if (r.status === "fulfilled") created++;
      else error ??= r.reason as Error;
    }
    if (error) break;
    size = Math.min(size * 2, count - done);
  }
  return { created, skipped: count - done, error };
}

/**
 * {@link FitError}: why no node fits a pod, worded as upstream's scheduler words it, e.g.
 * `0/3 nodes are available: 1 Insufficient cpu, 2 node(s) had untolerated taint
 * {node-role.kubernetes.io/control-plane: }. preemption: 0/3 nodes are available: 1 No
 * preemption victims found for incoming pod, 2 Preemption is not helpful for scheduling.`
 *
 * @module
 */
import type { Status } from "./framework.ts";

/** No node fits; `statuses` has a Status per rejected node. */
export class FitError extends Error {
  override name = "FitError";

  constructor(
    readonly numAllNodes: number,
    readonly statuses: ReadonlyMap<string, Status>,
    /** A PreFilter rejection (all nodes at once). */
    readonly preFilterMsg = "",
    /** Added by preemption: `preemption: …`. */
    public postFilterMsg = "",
    /** The reasons of nodes absent from `statuses`. */
    readonly absentReasons: readonly string[] = [],
  ) {
    super();
  }

  override get message(): string {
    return fitMessage(this);
  }
}

/** `"<count> <reason>"` for each reason, sorted as strings (upstream's histogram). */
function histogram(
  statuses: ReadonlyMap<string, Status>,
  absent: number,
  absentReasons: readonly string[],
): string[] {
  const counts = new Map<string, number>();
  for (const s of statuses.values()) {
    for (const r of s.reasons) counts.set(r, (counts.get(r) ?? 0) + 1);
  }
  if (absent > 0) { for (const r of absentReasons) counts.set(r, (counts.get(r) ?? 0) + absent); }
  return [...counts].map(([r, n]) => `${n} ${r}`).sort();
}

function fitMessage(e: FitError): string {
  let msg = `0/${e.numAllNodes} nodes are available:`;
  if (e.preFilterMsg) msg += ` ${e.preFilterMsg}.`;
  else {
    const reasons = histogram(e.statuses, e.numAllNodes - e.statuses.size, e.absentReasons);
    if (reasons.length) msg += ` ${reasons.join(", ")}.`;
  }
  if (e.postFilterMsg) msg += ` ${e.postFilterMsg}`;
  return msg;
}

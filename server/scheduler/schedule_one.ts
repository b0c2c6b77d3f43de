/**
 * One scheduling decision: run the filters over every node (with pods nominated to a node
 * counted as if there), score the feasible ones, and pick the best (ties at random). Reads only
 * the scheduler cache, synchronously, so a decision sees one consistent state.
 *
 * @module
 */
import { FitError } from "./fit_error.ts";
import type { Cycle, Plugin, Status } from "./framework.ts";
import type { NodeInfo } from "./node_info.ts";

/** The node chosen, and how many were feasible. */
export interface ScheduleResult {
  node: string;
  feasible: number;
}

/** There are no nodes at all. */
export class NoNodesError extends Error {
  override name = "NoNodesError";
  constructor() {
    super("no nodes available to schedule pods");
  }
}

/** Runs the filters on one node; the first rejection wins. */
export function runFilters(
  plugins: readonly Plugin[],
  cycle: Cycle,
  node: NodeInfo,
): Status | null {
  for (const p of plugins) {
    if (!p.filter) continue;
    const s = p.filter(cycle, node);
    if (s) return s;
  }
  return null;
}

/**
 * Runs the filters with the pods nominated to `node` at this pod's priority or above counted as
 * placed there, so that a preemptor's room is not taken by lower or equal pods.
 */
export function runFiltersWithNominated(
  plugins: readonly Plugin[],
  cycle: Cycle,
  node: NodeInfo,
): Status | null {
  const nominated = cycle.cache.nominatedOn(node.name);
  if (nominated?.size) {
    const pod = cycle.pod;
    const extra = [...nominated.values()].filter((p) =>
      p.key !== pod.key && p.priority >= pod.priority
    );
    if (extra.length) {
      const view = node.clone();
      const c = cycle.clone();
      for (const p of extra) {
        view.addPod(p);
        for (const pl of plugins) pl.addPod?.(c, p, view);
      }
      const s = runFilters(plugins, c, view);
      if (s) return s;
    }
  }
  return runFilters(plugins, cycle, node);
}

/** Runs the preFilters; a rejection becomes a FitError for every node. */
function preFilter(plugins: readonly Plugin[], cycle: Cycle, total: number): FitError | null {
  for (const p of plugins) {
    const s = p.preFilter?.(cycle);
    if (s) {
      const statuses = new Map<string, Status>();
      for (const n of cycle.cache.nodeList()) statuses.set(n.name, s);
      return new FitError(total, statuses, s.reasons.join(", "));
    }
  }
  return null;
}

/**
 * Picks a node for the pod of `cycle` (which keeps the plugins' state for preemption), or throws a {@link FitError} naming why none fits. */
export function schedulePod(plugins: readonly Plugin[], cycle: Cycle): ScheduleResult {
  const nodes = cycle.cache.nodeList();
  if (nodes.length === 0) throw new NoNodesError();
  const pre = preFilter(plugins, cycle, nodes.length);
  if (pre) throw pre;
  const feasible: NodeInfo[] = [];
  const statuses = new Map<string, Status>();
  for (const node of nodes) {
    const s = runFiltersWithNominated(plugins, cycle, node);
    if (s) statuses.set(node.name, s);
    else feasible.push(node);
  }
  if (feasible.length === 0) throw new FitError(nodes.length, statuses);
  if (feasible.length === 1) return { node: feasible[0].name, feasible: 1 };
  const totals = prioritize(plugins, cycle, feasible);
  return { node: selectHost(feasible, totals), feasible: feasible.length };
}

/** Weighted sum of every scoring plugin's normalized scores, per feasible node. */
export function prioritize(
  plugins: readonly Plugin[],
  cycle: Cycle,
  nodes: readonly NodeInfo[],
): number[] {
  const totals = new Array<number>(nodes.length).fill(0);
  const scores = new Array<number>(nodes.length);
  for (const p of plugins) {
    if (!p.weight || !p.score) continue;
    p.preScore?.(cycle, nodes);
    for (let i = 0; i < nodes.length; i++) scores[i] = p.score(cycle, nodes[i]);
    p.normalize?.(cycle, scores, nodes);
    for (let i = 0; i < nodes.length; i++) totals[i] += scores[i] * p.weight;
  }
  return totals;
}

/** The highest total; ties broken uniformly at random. */
export function selectHost(nodes: readonly NodeInfo[], totals: readonly number[]): string {
  let best = 0;
  let ties = 1;
  for (let i = 1; i < nodes.length; i++) {
    if (totals[i] > totals[best]) {
      best = i;
      ties = 1;
    } else if (totals[i] === totals[best]) {
      ties++;
      if (Math.random() * ties < 1) best = i;
    }
  }
  return nodes[best].name;
}

/**
 * Preemption (upstream's DefaultPreemption): when no node fits a pod, find nodes where evicting
 * pods of lower priority would make it fit, keep as few victims as possible (re-admitting the
 * most important ones that can stay), and pick the node whose victims matter least. The caller
 * deletes the victims and nominates the node.
 *
 * @module
 */
import { FitError } from "./fit_error.ts";
import type { Cycle, Plugin, Status } from "./framework.ts";
import { unresolvable } from "./framework.ts";
import type { NodeInfo } from "./node_info.ts";
import type { PodInfo } from "./pod_info.ts";
import { runFiltersWithNominated } from "./schedule_one.ts";

/** The chosen node and the pods to evict there. */
export interface Candidate {
  node: string;
  victims: PodInfo[];
}

/** The outcome: a candidate, or the `preemption: …` message explaining why there is none. */
export type PreemptionOutcome = { candidate: Candidate } | { message: string };

const NOT_HELPFUL = "Preemption is not helpful for scheduling";

/** Higher priority first, then the pod that started earlier. */
function moreImportant(a: PodInfo, b: PodInfo): number {
  return b.priority - a.priority || a.startTime - b.startTime;
}

/** The victims on `node` that make room for the pod, or the status saying there are none. */
function selectVictims(
  plugins: readonly Plugin[],
  base: Cycle,
  original: NodeInfo,
): PodInfo[] | Status {
  const pod = base.pod;
  const node = original.clone();
  const cycle = base.clone();
  const potential = [...node.pods.values()].filter((p) => p.priority < pod.priority);
  if (potential.length === 0) {
    return unresolvable("DefaultPreemption", "No preemption victims found for incoming pod");
  }
  const remove = (p: PodInfo) => {
    node.removePod(p.key);
    for (const pl of plugins) pl.removePod?.(cycle, p, node);
  };
  const add = (p: PodInfo) => {
    node.addPod(p);
    for (const pl of plugins) pl.addPod?.(cycle, p, node);
  };
  for (const p of potential) remove(p);
  const fits = () => runFiltersWithNominated(plugins, cycle, node);
  const status = fits();
  if (status) return status;
  const victims: PodInfo[] = [];
  for (const p of potential.sort(moreImportant)) {
    add(p);
    if (fits()) {
      remove(p);
      victims.push(p);
    }
  }
  return victims;
}

/** Picks among candidates as upstream does, criterion by criterion. */
function pick(candidates: Candidate[]): Candidate {
  const by = (list: Candidate[], key: (c: Candidate) => number) => {
    const best = Math.min(...list.map(key));
    return list.filter((c) => key(c) === best);
  };
  let list = candidates;
  // Lowest highest-priority victim, then lowest sum of priorities, then fewest victims.
  list = by(list, (c) => Math.max(...c.victims.map((v) => v.priority)));
  if (list.length > 1) {
    list = by(list, (c) => c.victims.reduce((s, v) => s + v.priority + 2 ** 31, 0));
  }
  if (list.length > 1) list = by(list, (c) => c.victims.length);
  if (list.length > 1) {
    // The latest start among each node's highest-priority victims: prefer evicting young pods.
    list = by(list, (c) => {
      const top = Math.max(...c.victims.map((v) => v.priority));
      return -Math.max(...c.victims.filter((v) => v.priority === top).map((v) => v.startTime));
    });
  }
  return list[0];
}

/**
 * Finds the node to preempt on for the pod that `fit` rejected. `cycle` is a fresh cycle of the
 * pod (its preFilter already run).
 */
export function preempt(
  plugins: readonly Plugin[],
  cycle: Cycle,
  fit: FitError,
): PreemptionOutcome {
  const pod = cycle.pod;
  if (pod.pod.spec?.preemptionPolicy === "Never") {
    return { message: "preemption: not eligible due to preemptionPolicy=Never." };
  }
  const nominated = pod.pod.status?.nominatedNodeName;
  if (nominated) {
    const node = cycle.cache.node(nominated);
    const terminating = node &&
      [...node.pods.values()].some((p) => p.terminating && p.priority < pod.priority);
    if (terminating) {
      return {
        message: "preemption: not eligible due to a terminating pod on the nominated node.",
      };
    }
  }
  const statuses = new Map<string, Status>();
  const candidates: Candidate[] = [];
  for (const node of cycle.cache.nodeList()) {
    const s = fit.statuses.get(node.name);
    if (!s || s.code !== "Unschedulable") continue;
    const result = selectVictims(plugins, cycle, node);
    if (Array.isArray(result)) {
      if (result.length) candidates.push({ node: node.name, victims: result });
    } else statuses.set(node.name, result);
  }
  if (candidates.length === 0) {
    const err = new FitError(fit.numAllNodes, statuses, "", "", [NOT_HELPFUL]);
    return { message: `preemption: ${err.message}` };
  }
  return { candidate: pick(candidates) };
}

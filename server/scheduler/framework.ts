/**
 * The plugin interface of the scheduler, after upstream's scheduling framework: a plugin may
 * precompute per-pod state (`preFilter`), reject nodes (`filter`), keep its state current when
 * preemption removes or adds pods (`removePod`/`addPod`), and score feasible nodes (`preScore`,
 * `score`, `normalize`, times `weight`). A filter answers with a {@link Status} whose reasons
 * feed the `FailedScheduling` message.
 *
 * @module
 */
import type { SchedulerCache } from "./cache.ts";
import type { NodeInfo } from "./node_info.ts";
import type { PodInfo } from "./pod_info.ts";

/** The best score of one plugin for one node. */
export const MAX_NODE_SCORE = 100;

/**
 * Why a node was rejected. `Unschedulable`: preemption might help; `UnschedulableAndUnresolvable`:
 * it would not.
 */
export interface Status {
  code: "Unschedulable" | "UnschedulableAndUnresolvable" | "Error";
  reasons: string[];
  plugin: string;
}

export function unschedulable(plugin: string, ...reasons: string[]): Status {
  return { code: "Unschedulable", reasons, plugin };
}

export function unresolvable(plugin: string, ...reasons: string[]): Status {
  return { code: "UnschedulableAndUnresolvable", reasons, plugin };
}

/** State a plugin keeps for one scheduling attempt; cloned for preemption's what-ifs. */
export interface PluginState {
  clone(): PluginState;
}

/** One scheduling attempt of one pod. */
export class Cycle {
  readonly #state = new Map<string, PluginState>();
  constructor(readonly pod: PodInfo, readonly cache: SchedulerCache) {}

  read<T extends PluginState>(plugin: string): T | undefined {
    return this.#state.get(plugin) as T | undefined;
  }

  write(plugin: string, state: PluginState): void {
    this.#state.set(plugin, state);
  }

  /** A copy whose plugin states can change independently. */
  clone(): Cycle {
    const c = new Cycle(this.pod, this.cache);
    for (const [k, v] of this.#state) c.#state.set(k, v.clone());
    return c;
  }
}

/** A scheduling plugin; every hook is optional. */
export interface Plugin {
  readonly name: string;
  /** Precomputes state for the pod; a Status rejects every node at once. */
  preFilter?(cycle: Cycle): Status | null;
  /** Rejects `node` for the pod, or passes it (null). */
  filter?(cycle: Cycle, node: NodeInfo): Status | null;
  /** Keeps preFilter state right when `pod` is added to `node` (nominated pods, preemption). */
  addPod?(cycle: Cycle, pod: PodInfo, node: NodeInfo): void;
  /** Keeps preFilter state right when `pod` is removed from `node` (preemption victims). */
  removePod?(cycle: Cycle, pod: PodInfo, node: NodeInfo): void;
  /** Scoring weight; plugins without one do not score. */
  readonly weight?: number;
  /** Precomputes scoring state over the feasible nodes. */
  preScore?(cycle: Cycle, nodes: readonly NodeInfo[]): void;
  score?(cycle: Cycle, node: NodeInfo): number;
  /** Maps raw scores (index-aligned with `nodes`) to 0…100 in place. */
  normalize?(cycle: Cycle, scores: number[], nodes: readonly NodeInfo[]): void;
}

/**
 * Scales scores to 0…100 by the largest (upstream's `DefaultNormalizeScore`); `reverse` makes
 * the smallest raw score best. All-zero scores stay 0 (or become 100 when reversed).
 */
export function defaultNormalize(scores: number[], reverse: boolean): void {
  let max = 0;
  for (const s of scores) if (s > max) max = s;
  if (max === 0) {
    if (reverse) scores.fill(MAX_NODE_SCORE);
    return;
  }
  for (let i = 0; i < scores.length; i++) {
    const s = Math.trunc((MAX_NODE_SCORE * scores[i]) / max);
    scores[i] = reverse ? MAX_NODE_SCORE - s : s;
  }
}

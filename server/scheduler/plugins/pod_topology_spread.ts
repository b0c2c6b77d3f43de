/**
 * PodTopologySpread: `DoNotSchedule` constraints reject a node when placing the pod there would
 * make its domain exceed the least-loaded domain by more than `maxSkew`; `ScheduleAnyway`
 * constraints score nodes in less crowded domains higher. Matching pods are counted per domain
 * among the nodes the constraint's node inclusion policies admit.
 *
 * @module
 */
import {
  type Cycle,
  MAX_NODE_SCORE,
  type Plugin,
  type PluginState,
  unresolvable,
  unschedulable,
} from "../framework.ts";
import type { NodeInfo } from "../node_info.ts";
import type { PodInfo, SpreadConstraint } from "../pod_info.ts";
import { firstUntolerated } from "../taints.ts";

const NAME = "PodTopologySpread";
const HOSTNAME = "kubernetes.io/hostname";
const HARD_EFFECTS = ["NoSchedule", "NoExecute"];

/** Whether `node` counts for the constraints (has every key, passes the inclusion policies). */
function counts(cycle: Cycle, constraints: readonly SpreadConstraint[], node: NodeInfo): boolean {
  for (const c of constraints) {
    if (node.labels[c.topologyKey] === undefined) return false;
  }
  const pod = cycle.pod;
  for (const c of constraints) {
    if (
      c.honorNodeAffinity && pod.requiredNodeMatch && !pod.requiredNodeMatch(node.labels, node.name)
    ) {
      return false;
    }
    if (c.honorTaints && firstUntolerated(node.taints, pod.tolerations, HARD_EFFECTS)) return false;
  }
  return true;
}

function matchingOn(cycle: Cycle, c: SpreadConstraint, node: NodeInfo): number {
  let n = 0;
  const ns = cycle.pod.namespace;
  for (const p of node.pods.values()) {
    if (p.namespace === ns && !p.terminating && c.selector.matches(p.labels)) n++;
  }
  return n;
}

class FilterState implements PluginState {
  constructor(
    readonly constraints: SpreadConstraint[],
    /** Per constraint: domain value → matching pods. */
    readonly domains: Map<string, number>[],
    /** Nodes that count, by name. */
    readonly eligible: Set<string>,
  ) {}

  clone(): FilterState {
    return new FilterState(this.constraints, this.domains.map((d) => new Map(d)), this.eligible);
  }
}

function adjust(cycle: Cycle, pod: PodInfo, node: NodeInfo, d: number): void {
  const s = cycle.read<FilterState>(NAME);
  if (!s || !s.eligible.has(node.name) || pod.namespace !== cycle.pod.namespace) return;
  s.constraints.forEach((c, i) => {
    if (!c.selector.matches(pod.labels)) return;
    const v = node.labels[c.topologyKey];
    s.domains[i].set(v, (s.domains[i].get(v) ?? 0) + d);
  });
}

class ScoreState implements PluginState {
  constructor(
    readonly constraints: SpreadConstraint[],
    readonly domains: Map<string, number>[],
    readonly weights: number[],
    readonly ignored: Set<string>,
  ) {}
  clone(): ScoreState {
    return this;
  }
}

/** Spreads pods across topology domains. */
export const podTopologySpread: Plugin = {
  name: NAME,
  weight: 2,

  preFilter(cycle) {
    const hard = cycle.pod.spread.filter((c) => c.hard);
    if (hard.length === 0) return null;
    const domains = hard.map(() => new Map<string, number>());
    const eligible = new Set<string>();
    for (const node of cycle.cache.nodeList()) {
      if (!counts(cycle, hard, node)) continue;
      eligible.add(node.name);
      hard.forEach((c, i) => {
        const v = node.labels[c.topologyKey];
        domains[i].set(v, (domains[i].get(v) ?? 0) + matchingOn(cycle, c, node));
      });
    }
    cycle.write(NAME, new FilterState(hard, domains, eligible));
    return null;
  },

  addPod: (cycle, pod, node) => adjust(cycle, pod, node, 1),
  removePod: (cycle, pod, node) => adjust(cycle, pod, node, -1),

  filter(cycle, node) {
    const s = cycle.read<FilterState>(NAME);
    if (!s) return null;
    const pod = cycle.pod;
    for (let i = 0; i < s.constraints.length; i++) {
      const c = s.constraints[i];
      const v = node.labels[c.topologyKey];
      if (v === undefined) {
        return unresolvable(
          NAME,
          "node(s) didn't match pod topology spread constraints (missing required label)",
        );
      }
      const d = s.domains[i];
      let min = Infinity;
      for (const n of d.values()) if (n < min) min = n;
      if (d.size < c.minDomains || min === Infinity) min = 0;
      const self = c.selector.matches(pod.labels) ? 1 : 0;
      const skew = (d.get(v) ?? 0) + self - min;
      if (skew > c.maxSkew) {
        return unschedulable(NAME, "node(s) didn't match pod topology spread constraints");
      }
    }
    return null;
  },

  preScore(cycle, nodes) {
    const soft = cycle.pod.spread.filter((c) => !c.hard);
    if (soft.length === 0) return;
    const ignored = new Set<string>();
    const seen = soft.map(() => new Set<string>());
    for (const node of nodes) {
      if (soft.some((c) => node.labels[c.topologyKey] === undefined)) {
        ignored.add(node.name);
        continue;
      }
      soft.forEach((c, i) => seen[i].add(node.labels[c.topologyKey]));
    }
    const domains = soft.map(() => new Map<string, number>());
    for (const node of cycle.cache.nodeList()) {
      if (!counts(cycle, soft, node)) continue;
      soft.forEach((c, i) => {
        if (c.topologyKey === HOSTNAME) return;
        const v = node.labels[c.topologyKey];
        if (!seen[i].has(v)) return;
        domains[i].set(v, (domains[i].get(v) ?? 0) + matchingOn(cycle, c, node));
      });
    }
    const weights = seen.map((s) => Math.log(s.size + 2));
    cycle.write(`${NAME}/score`, new ScoreState(soft, domains, weights, ignored));
  },

  score(cycle, node) {
    const s = cycle.read<ScoreState>(`${NAME}/score`);
    if (!s || s.ignored.has(node.name)) return 0;
    let score = 0;
    s.constraints.forEach((c, i) => {
      const v = node.labels[c.topologyKey];
      const cnt = c.topologyKey === HOSTNAME
        ? matchingOn(cycle, c, node)
        : s.domains[i].get(v) ?? 0;
      score += cnt * s.weights[i] + (c.maxSkew - 1);
    });
    return Math.round(score);
  },

  normalize(cycle, scores, nodes) {
    const s = cycle.read<ScoreState>(`${NAME}/score`);
    if (!s) return;
    let min = Infinity;
    let max = 0;
    nodes.forEach((n, i) => {
      if (s.ignored.has(n.name)) return;
      min = Math.min(min, scores[i]);
      max = Math.max(max, scores[i]);
    });
    nodes.forEach((n, i) => {
      if (s.ignored.has(n.name)) scores[i] = 0;
      else if (max === 0) scores[i] = MAX_NODE_SCORE;
      else scores[i] = Math.trunc((MAX_NODE_SCORE * (max + min - scores[i])) / max);
    });
  },
};

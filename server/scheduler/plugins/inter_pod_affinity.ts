/**
 * InterPodAffinity: required pod affinity and anti-affinity of the incoming pod, required
 * anti-affinity of the pods already placed (symmetry), and preferred terms of both as a score.
 * Counts are kept per topology pair (`key`, `value`), so each node is checked with map lookups.
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
import { type AffinityTerm, type PodInfo, termMatches } from "../pod_info.ts";

const NAME = "InterPodAffinity";

/** Counts by topology key, then value. */
class PairCounts {
  readonly m = new Map<string, Map<string, number>>();

  add(key: string, value: string, d: number): void {
    let byValue = this.m.get(key);
    if (!byValue) this.m.set(key, byValue = new Map());
    const n = (byValue.get(value) ?? 0) + d;
    if (n === 0) byValue.delete(value);
    else byValue.set(value, n);
    if (byValue.size === 0) this.m.delete(key);
  }

  get(key: string, value: string): number {
    return this.m.get(key)?.get(value) ?? 0;
  }

  get empty(): boolean {
    return this.m.size === 0;
  }

  clone(): PairCounts {
    const c = new PairCounts();
    for (const [k, v] of this.m) c.m.set(k, new Map(v));
    return c;
  }
}

class FilterState implements PluginState {
  constructor(
    /** Pairs where a placed pod's required anti-affinity forbids the incoming pod. */
    readonly existingAnti = new PairCounts(),
    /** Pairs holding pods that match all of the incoming pod's affinity terms. */
    readonly affinity = new PairCounts(),
    /** Pairs holding pods that match one of the incoming pod's anti-affinity terms. */
    readonly anti = new PairCounts(),
  ) {}

  clone(): FilterState {
    return new FilterState(this.existingAnti.clone(), this.affinity.clone(), this.anti.clone());
  }
}

function nsLabels(cycle: Cycle) {
  return (ns: string) => cycle.cache.namespaceLabels(ns);
}

function matchesAll(terms: readonly AffinityTerm[], p: PodInfo, cycle: Cycle): boolean {
  for (const t of terms) if (!termMatches(t, p, nsLabels(cycle))) return false;
  return terms.length > 0;
}

/** Adds (d = 1) or removes (d = -1) what `other` on `node` contributes to `state`. */
function account(cycle: Cycle, state: FilterState, other: PodInfo, node: NodeInfo, d: number) {
  const pod = cycle.pod;
  const labels = node.labels;
  const ns = nsLabels(cycle);
  for (const t of other.requiredAntiAffinity) {
    const v = labels[t.topologyKey];
    if (v !== undefined && termMatches(t, pod, ns)) state.existingAnti.add(t.topologyKey, v, d);
  }
  if (pod.requiredAffinity.length && matchesAll(pod.requiredAffinity, other, cycle)) {
    for (const t of pod.requiredAffinity) {
      const v = labels[t.topologyKey];
      if (v !== undefined) state.affinity.add(t.topologyKey, v, d);
    }
  }
  for (const t of pod.requiredAntiAffinity) {
    const v = labels[t.topologyKey];
    if (v !== undefined && termMatches(t, other, ns)) state.anti.add(t.topologyKey, v, d);
  }
}

function hit(counts: PairCounts, labels: Readonly<Record<string, string>>): boolean {
  for (const [key, byValue] of counts.m) {
    const v = labels[key];
    if (v !== undefined && (byValue.get(v) ?? 0) > 0) return true;
  }
  return false;
}

class ScoreState implements PluginState {
  constructor(readonly scores = new PairCounts()) {}
  clone(): ScoreState {
    return new ScoreState(this.scores.clone());
  }
}

/** Pod affinity and anti-affinity, required (filter) and preferred (score). */
export const interPodAffinity: Plugin = {
  name: NAME,
  weight: 2,

  preFilter(cycle) {
    const pod = cycle.pod;
    const needed = pod.requiredAffinity.length > 0 || pod.requiredAntiAffinity.length > 0 ||
      cycle.cache.podsWithRequiredAntiAffinity > 0;
    if (!needed) return null;
    const state = new FilterState();
    const walkAll = pod.requiredAffinity.length > 0 || pod.requiredAntiAffinity.length > 0;
    for (const node of cycle.cache.nodeList()) {
      const pods = walkAll ? node.pods.values() : node.withRequiredAntiAffinity.values();
      for (const other of pods) {
        if (other.key !== pod.key) account(cycle, state, other, node, 1);
      }
    }
    cycle.write(NAME, state);
    return null;
  },

  addPod(cycle, pod, node) {
    const s = cycle.read<FilterState>(NAME);
    if (s) account(cycle, s, pod, node, 1);
  },

  removePod(cycle, pod, node) {
    const s = cycle.read<FilterState>(NAME);
    if (s) account(cycle, s, pod, node, -1);
  },

  filter(cycle, node) {
    const s = cycle.read<FilterState>(NAME);
    if (!s) return null;
    const labels = node.labels;
    const pod = cycle.pod;
    if (pod.requiredAffinity.length) {
      let ok = true;
      for (const t of pod.requiredAffinity) {
        const v = labels[t.topologyKey];
        if (v === undefined || s.affinity.get(t.topologyKey, v) <= 0) {
          ok = false;
          break;
        }
      }
      // The first pod of a group that selects itself may go anywhere its terms can be met.
      if (!ok) {
        const first = s.affinity.empty && matchesAll(pod.requiredAffinity, pod, cycle) &&
          pod.requiredAffinity.every((t) => labels[t.topologyKey] !== undefined);
        if (!first) return unresolvable(NAME, "node(s) didn't match pod affinity rules");
      }
    }
    for (const t of pod.requiredAntiAffinity) {
      const v = labels[t.topologyKey];
      if (v !== undefined && s.anti.get(t.topologyKey, v) > 0) {
        return unschedulable(NAME, "node(s) didn't match pod anti-affinity rules");
      }
    }
    if (!s.existingAnti.empty && hit(s.existingAnti, labels)) {
      return unschedulable(NAME, "node(s) didn't satisfy existing pods anti-affinity rules");
    }
    return null;
  },

  preScore(cycle) {
    const pod = cycle.pod;
    const own = pod.preferredAffinity.length + pod.preferredAntiAffinity.length > 0;
    if (!own && cycle.cache.podsWithAffinity === 0) return;
    const state = new ScoreState();
    const ns = nsLabels(cycle);
    for (const node of cycle.cache.nodeList()) {
      const labels = node.labels;
      const add = (t: AffinityTerm, w: number) => {
        const v = labels[t.topologyKey];
        if (v !== undefined) state.scores.add(t.topologyKey, v, w);
      };
      const pods = own ? node.pods.values() : node.withAffinity.values();
      for (const other of pods) {
        if (other.key === pod.key) continue;
        for (const t of pod.preferredAffinity) if (termMatches(t, other, ns)) add(t, t.weight);
        for (const t of pod.preferredAntiAffinity) if (termMatches(t, other, ns)) add(t, -t.weight);
        for (const t of other.requiredAffinity) if (termMatches(t, pod, ns)) add(t, 1);
        for (const t of other.preferredAffinity) if (termMatches(t, pod, ns)) add(t, t.weight);
        for (const t of other.preferredAntiAffinity) {
          if (termMatches(t, pod, ns)) add(t, -t.weight);
        }
      }
    }
    cycle.write(`${NAME}/score`, state);
  },

  score(cycle, node) {
    const s = cycle.read<ScoreState>(`${NAME}/score`);
    if (!s) return 0;
    let total = 0;
    for (const [key, byValue] of s.scores.m) {
      const v = node.labels[key];
      if (v !== undefined) total += byValue.get(v) ?? 0;
    }
    return total;
  },

  normalize(cycle, scores) {
    if (!cycle.read(`${NAME}/score`)) return;
    let min = Infinity;
    let max = -Infinity;
    for (const s of scores) {
      if (s > max) max = s;
      if (s < min) min = s;
    }
    const diff = max - min;
    for (let i = 0; i < scores.length; i++) {
      scores[i] = diff > 0 ? Math.trunc((MAX_NODE_SCORE * (scores[i] - min)) / diff) : 0;
    }
  },
};

/**
 * The node-local filters and scores: NodeName, NodeUnschedulable, TaintToleration (filter on
 * NoSchedule/NoExecute, score on PreferNoSchedule), NodeAffinity (nodeSelector and required
 * terms; preferred terms as score) and NodePorts.
 *
 * @module
 */
import {
  type Cycle,
  defaultNormalize,
  type Plugin,
  type Status,
  unresolvable,
  unschedulable,
} from "../framework.ts";
import type { NodeInfo } from "../node_info.ts";
import { firstUntolerated, tolerated } from "../taints.ts";

/** `spec.nodeName`, when a pod names its node, must be this node. */
export const nodeName: Plugin = {
  name: "NodeName",
  filter(cycle, node) {
    const want = cycle.pod.pod.spec?.nodeName;
    return want && want !== node.name
      ? unresolvable(this.name, "node(s) didn't match the requested node name")
      : null;
  },
};

const UNSCHEDULABLE_TAINT = { key: "node.kubernetes.io/unschedulable", effect: "NoSchedule" };

/** Cordoned nodes take only pods tolerating `node.kubernetes.io/unschedulable:NoSchedule`. */
export const nodeUnschedulable: Plugin = {
  name: "NodeUnschedulable",
  filter(cycle, node) {
    if (!node.unschedulable) return null;
    if (tolerated(cycle.pod.tolerations, UNSCHEDULABLE_TAINT)) return null;
    return unresolvable(this.name, "node(s) were unschedulable");
  },
};

const HARD_EFFECTS = ["NoSchedule", "NoExecute"];

/** Counts the PreferNoSchedule taints of `node` the pod does not tolerate. */
function intolerablePreferNoSchedule(cycle: Cycle, node: NodeInfo): number {
  let n = 0;
  const tolerations = cycle.pod.tolerations.filter((t) =>
    !t.effect || t.effect === "PreferNoSchedule"
  );
  for (const taint of node.taints) {
    if (taint.effect === "PreferNoSchedule" && !tolerated(tolerations, taint)) n++;
  }
  return n;
}

/** Untolerated NoSchedule/NoExecute taints reject; PreferNoSchedule ones lower the score. */
export const taintToleration: Plugin = {
  name: "TaintToleration",
  weight: 3,
  filter(cycle, node): Status | null {
    const taint = firstUntolerated(node.taints, cycle.pod.tolerations, HARD_EFFECTS);
    if (!taint) return null;
    return unresolvable(
      this.name,
      `node(s) had untolerated taint {${taint.key}: ${taint.value ?? ""}}`,
    );
  },
  score: intolerablePreferNoSchedule,
  normalize: (_c, scores) => defaultNormalize(scores, true),
};

/** nodeSelector and required node affinity must match; preferred terms add their weights. */
export const nodeAffinity: Plugin = {
  name: "NodeAffinity",
  weight: 2,
  filter(cycle, node) {
    const match = cycle.pod.requiredNodeMatch;
    if (!match || match(node.labels, node.name)) return null;
    return unresolvable(this.name, "node(s) didn't match Pod's node affinity/selector");
  },
  score(cycle, node) {
    let s = 0;
    for (const t of cycle.pod.preferredNodeTerms) {
      if (t.match(node.labels, node.name)) s += t.weight;
    }
    return s;
  },
  normalize: (_c, scores) => defaultNormalize(scores, false),
};

/** Host ports the pod asks for must be free on the node (0.0.0.0 clashes with any address). */
export const nodePorts: Plugin = {
  name: "NodePorts",
  filter(cycle, node) {
    for (const p of cycle.pod.hostPorts) {
      if (node.ports.conflicts(p)) {
        return unschedulable(
          this.name,
          "node(s) didn't have free ports for the requested pod ports",
        );
      }
    }
    return null;
  },
};

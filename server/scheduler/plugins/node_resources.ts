/**
 * NodeResourcesFit (requests against allocatable minus what the node's pods request; scored
 * least-allocated on cpu and memory) and NodeResourcesBalancedAllocation (prefers nodes whose
 * cpu and memory fractions stay close).
 *
 * @module
 */
import { MAX_NODE_SCORE, type Plugin, unschedulable } from "../framework.ts";
import type { NodeInfo } from "../node_info.ts";
import type { PodInfo } from "../pod_info.ts";

/** The reasons `pod` does not fit `node`'s free resources, in upstream's order and words. */
export function insufficient(pod: PodInfo, node: NodeInfo): string[] {
  const out: string[] = [];
  const req = pod.requests;
  const alloc = node.allocatable;
  const used = node.requested;
  if (node.pods.size + 1 > alloc.pods) out.push("Too many pods");
  if (
    req.milliCPU === 0 && req.memory === 0 && req.ephemeralStorage === 0 && req.scalar.size === 0
  ) {
    return out;
  }
  if (req.milliCPU > 0 && req.milliCPU > alloc.milliCPU - used.milliCPU) {
    out.push("Insufficient cpu");
  }
  if (req.memory > 0 && req.memory > alloc.memory - used.memory) out.push("Insufficient memory");
  if (
    req.ephemeralStorage > 0 &&
    req.ephemeralStorage > alloc.ephemeralStorage - used.ephemeralStorage
  ) out.push("Insufficient ephemeral-storage");
  for (const [name, q] of req.scalar) {
    if (q === 0) continue;
    if (q > (alloc.scalar.get(name) ?? 0) - (used.scalar.get(name) ?? 0)) {
      out.push(`Insufficient ${name}`);
    }
  }
  return out;
}

function leastAllocated(requested: number, capacity: number): number {
  if (capacity === 0 || requested > capacity) return 0;
  return Math.trunc(((capacity - requested) * MAX_NODE_SCORE) / capacity);
}

/** Requests must fit; nodes with more cpu and memory left score higher. */
export const nodeResourcesFit: Plugin = {
  name: "NodeResourcesFit",
  weight: 1,
  filter(cycle, node) {
    const reasons = insufficient(cycle.pod, node);
    return reasons.length ? unschedulable(this.name, ...reasons) : null;
  },
  score(cycle, node) {
    const pod = cycle.pod.nonZero;
    const cpu = leastAllocated(node.nonZero.milliCPU + pod.milliCPU, node.allocatable.milliCPU);
    const mem = leastAllocated(node.nonZero.memory + pod.memory, node.allocatable.memory);
    return Math.trunc((cpu + mem) / 2);
  },
};

/** Nodes where cpu and memory would be used in similar proportion score higher. */
export const balancedAllocation: Plugin = {
  name: "NodeResourcesBalancedAllocation",
  weight: 1,
  score(cycle, node) {
    const req = cycle.pod.requests;
    const fractions: number[] = [];
    const add = (requested: number, capacity: number) => {
      if (capacity === 0) return;
      fractions.push(Math.min(1, requested / capacity));
    };
    add(node.requested.milliCPU + req.milliCPU, node.allocatable.milliCPU);
    add(node.requested.memory + req.memory, node.allocatable.memory);
    const std = fractions.length === 2 ? Math.abs(fractions[0] - fractions[1]) / 2 : 0;
    return Math.trunc((1 - std) * MAX_NODE_SCORE);
  },
};

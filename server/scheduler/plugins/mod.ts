/**
 * The default profile: the filters in upstream's order (VolumeBinding after the resources) (a node's reasons come from the first
 * filter that rejects it) and the scores with upstream's default weights (TaintToleration 3,
 * NodeAffinity 2, PodTopologySpread 2, InterPodAffinity 2, NodeResourcesFit 1,
 * NodeResourcesBalancedAllocation 1).
 *
 * @module
 */
import type { Plugin } from "../framework.ts";
import { interPodAffinity } from "./inter_pod_affinity.ts";
import {
  nodeAffinity,
  nodeName,
  nodePorts,
  nodeUnschedulable,
  taintToleration,
} from "./node_basics.ts";
import { balancedAllocation, insufficient, nodeResourcesFit } from "./node_resources.ts";
import { podTopologySpread } from "./pod_topology_spread.ts";
import { volumeBinding, volumesToBind } from "./volume_binding.ts";

export {
  balancedAllocation,
  insufficient,
  interPodAffinity,
  nodeAffinity,
  nodeName,
  nodePorts,
  nodeResourcesFit,
  nodeUnschedulable,
  podTopologySpread,
  taintToleration,
  volumeBinding,
  volumesToBind,
};

/** Every plugin of the default profile, filters in order. */
export const DEFAULT_PLUGINS: readonly Plugin[] = [
  nodeUnschedulable,
  nodeName,
  taintToleration,
  nodeAffinity,
  nodePorts,
  nodeResourcesFit,
  volumeBinding,
  podTopologySpread,
  interPodAffinity,
  balancedAllocation,
];

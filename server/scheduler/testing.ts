/**
 * Builders for scheduler unit tests: nodes, pods and a cache holding them.
 *
 * @module
 */
import type {
  Affinity,
  Node,
  Pod,
  Taint,
  Toleration,
  TopologySpreadConstraint,
} from "../../kube/client/mod.ts";
import { SchedulerCache } from "./cache.ts";
import { Cycle, type Plugin } from "./framework.ts";
import { type PodInfo, podInfo } from "./pod_info.ts";
import { DEFAULT_PLUGINS } from "./plugins/mod.ts";
import { schedulePod } from "./schedule_one.ts";
import { FitError } from "./fit_error.ts";
import { preempt } from "./preemption.ts";

/** A node with allocatable resources, labels (hostname added) and taints. */
export function node(
  name: string,
  o: {
    cpu?: string;
    memory?: string;
    pods?: string;
    labels?: Record<string, string>;
    taints?: Taint[];
    unschedulable?: boolean;
    extra?: Record<string, string>;
  } = {},
): Node {
  const alloc = { cpu: o.cpu ?? "4", memory: o.memory ?? "8Gi", pods: o.pods ?? "110", ...o.extra };
  return {
    metadata: { name, labels: { "kubernetes.io/hostname": name, ...o.labels } },
    spec: { taints: o.taints, unschedulable: o.unschedulable },
    status: { allocatable: alloc, capacity: alloc },
  };
}

/** A pod with one container and the given scheduling inputs. */
export function pod(
  name: string,
  o: {
    namespace?: string;
    cpu?: string;
    memory?: string;
    extra?: Record<string, string>;
    labels?: Record<string, string>;
    nodeSelector?: Record<string, string>;
    affinity?: Affinity;
    tolerations?: Toleration[];
    hostPort?: number;
    hostIP?: string;
    priority?: number;
    preemptionPolicy?: string;
    spread?: TopologySpreadConstraint[];
    startTime?: string;
    nominatedNodeName?: string;
  } = {},
): Pod {
  const requests: Record<string, string> = { ...o.extra };
  if (o.cpu) requests.cpu = o.cpu;
  if (o.memory) requests.memory = o.memory;
  return {
    metadata: {
      name,
      namespace: o.namespace ?? "default",
      uid: `uid-${name}`,
      labels: o.labels,
      creationTimestamp: "2026-01-01T00:00:00Z",
    },
    spec: {
      containers: [{
        name: "c",
        image: "i",
        resources: { requests },
        ports: o.hostPort
          ? [{ containerPort: 80, hostPort: o.hostPort, hostIP: o.hostIP }]
          : undefined,
      }],
      nodeSelector: o.nodeSelector,
      affinity: o.affinity,
      tolerations: o.tolerations,
      priority: o.priority ?? 0,
      preemptionPolicy: o.preemptionPolicy,
      topologySpreadConstraints: o.spread,
    },
    status: { startTime: o.startTime, nominatedNodeName: o.nominatedNodeName },
  };
}

/** A cache with `nodes`, and `placed` pods bound to the named nodes. */
export function cacheWith(nodes: Node[], placed: [Pod, string][] = []): SchedulerCache {
  const cache = new SchedulerCache();
  for (const n of nodes) cache.setNode(n);
  for (const [p, n] of placed) cache.addPod(podInfo(p), n);
  return cache;
}

/** The node the default plugins pick for `p`; throws the FitError when none fits. */
export function place(
  cache: SchedulerCache,
  p: Pod,
  plugins: readonly Plugin[] = DEFAULT_PLUGINS,
): string {
  return schedulePod(plugins, new Cycle(podInfo(p), cache)).node;
}

/** Places `p` and records it on the chosen node, as a successful binding would. */
export function placeAndBind(cache: SchedulerCache, p: Pod): string {
  const n = place(cache, p);
  cache.addPod(podInfo(p), n);
  return n;
}

/**
 * The `FailedScheduling` message for `p`, preemption's part included (as the scheduler writes
 * it), or where it was placed, or which victims preemption picked.
 */
export function failure(
  cache: SchedulerCache,
  p: Pod,
  plugins: readonly Plugin[] = DEFAULT_PLUGINS,
): string {
  const cycle = new Cycle(podInfo(p), cache);
  try {
    return `placed on ${schedulePod(plugins, cycle).node}`;
  } catch (err) {
    if (!(err instanceof FitError)) return (err as Error).message;
    const outcome = preempt(plugins, cycle, err);
    if ("candidate" in outcome) {
      const { node, victims } = outcome.candidate;
      return `preempt on ${node}: ${victims.map((v) => v.name).sort().join(", ")}`;
    }
    err.postFilterMsg = outcome.message;
    return err.message;
  }
}

export type { PodInfo };

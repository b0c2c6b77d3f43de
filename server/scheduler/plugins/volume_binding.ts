/**
 * VolumeBinding: a pod's PersistentVolumeClaims must exist; a bound claim's volume must be
 * reachable from the node (its node affinity); an unbound claim must wait for its first consumer
 * (`WaitForFirstConsumer`) and be provisionable there (the class's allowed topologies, or an
 * available local volume for `kubernetes.io/no-provisioner`). The scheduler then binds those
 * claims to the chosen node (see {@link volumesToBind}) before it binds the pod.
 *
 * @module
 */
import type {
  PersistentVolume,
  PersistentVolumeClaim,
  StorageClass,
} from "../../../kube/client/mod.ts";
import { quantityFromJSON } from "../../../kube/quantity.ts";
import type { SchedulerCache } from "../cache.ts";
import { type Cycle, type Plugin, type PluginState, unresolvable } from "../framework.ts";
import type { NodeInfo } from "../node_info.ts";
import { compileTerms } from "../node_selector.ts";
import type { PodInfo } from "../pod_info.ts";

const NAME = "VolumeBinding";
const NO_PROVISIONER = "kubernetes.io/no-provisioner";

export const ERR_NODE_CONFLICT = "node(s) had volume node affinity conflict";
export const ERR_BIND_CONFLICT = "node(s) didn't find available persistent volumes to bind";
export const ERR_PV_NOT_EXIST =
  "node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s)";

/** An unbound claim waiting for its first consumer, with its class. */
export interface DelayedClaim {
  claim: PersistentVolumeClaim;
  storageClass: StorageClass;
}

class State implements PluginState {
  constructor(
    readonly bound: { claim: PersistentVolumeClaim; volume?: PersistentVolume }[],
    readonly delayed: DelayedClaim[],
  ) {}
  clone(): State {
    return this;
  }
}

function volumeFits(pv: PersistentVolume, node: NodeInfo): boolean {
  const terms = pv.spec?.nodeAffinity?.required?.nodeSelectorTerms;
  return !terms || compileTerms(terms)(node.labels, node.name);
}

function bytes(q: string | number | undefined): number {
  if (q === undefined) return 0;
  try {
    return quantityFromJSON(q).value();
  } catch {
    return 0;
  }
}

/** An available volume of the claim's class, big enough, that the node can reach. */
export function matchingVolume(
  cache: SchedulerCache,
  d: DelayedClaim,
  node: NodeInfo,
): PersistentVolume | undefined {
  const want = bytes(d.claim.spec?.resources?.requests?.storage);
  const modes = d.claim.spec?.accessModes ?? [];
  for (const pv of cache.volumes.values()) {
    const ref = pv.spec?.claimRef;
    if (
      ref && !(ref.namespace === d.claim.metadata.namespace && ref.name === d.claim.metadata.name)
    ) {
      continue;
    }
    if ((pv.spec?.storageClassName ?? "") !== d.storageClass.metadata.name) continue;
    if (pv.status?.phase && pv.status.phase !== "Available" && !ref) continue;
    if (bytes(pv.spec?.capacity?.storage) < want) continue;
    if (!modes.every((m) => pv.spec?.accessModes?.includes(m))) continue;
    if (volumeFits(pv, node)) return pv;
  }
  return undefined;
}

function topologyAllows(sc: StorageClass, node: NodeInfo): boolean {
  const terms = sc.allowedTopologies;
  if (!terms?.length) return true;
  return terms.some((t) =>
    (t.matchLabelExpressions ?? []).every((e) => e.values.includes(node.labels[e.key] ?? "\0"))
  );
}

/** Claims of the pod's volumes that must be bound to `node` before the pod (PreBind). */
export function volumesToBind(cycle: Cycle): DelayedClaim[] {
  return cycle.read<State>(NAME)?.delayed ?? [];
}

/** The claim key of each of a pod's claims. */
function claimKey(pod: PodInfo, name: string): string {
  return `${pod.namespace}/${name}`;
}

/** Persistent volume claims: existence, binding mode, reachability from the node. */
export const volumeBinding: Plugin = {
  name: NAME,

  preFilter(cycle) {
    const pod = cycle.pod;
    if (pod.claims.length === 0) return null;
    const cache = cycle.cache;
    const bound: State["bound"] = [];
    const delayed: DelayedClaim[] = [];
    for (const name of pod.claims) {
      const claim = cache.claims.get(claimKey(pod, name));
      if (!claim) return unresolvable(NAME, `persistentvolumeclaim "${name}" not found`);
      if (claim.metadata.deletionTimestamp) {
        return unresolvable(NAME, `persistentvolumeclaim "${name}" is being deleted`);
      }
      const volumeName = claim.spec?.volumeName;
      if (volumeName) {
        bound.push({ claim, volume: cache.volumes.get(volumeName) });
        continue;
      }
      const storageClass = cache.storageClasses.get(claim.spec?.storageClassName ?? "");
      if (storageClass?.volumeBindingMode !== "WaitForFirstConsumer") {
        return unresolvable(NAME, "pod has unbound immediate PersistentVolumeClaims");
      }
      delayed.push({ claim, storageClass });
    }
    cycle.write(NAME, new State(bound, delayed));
    return null;
  },

  filter(cycle, node) {
    const s = cycle.read<State>(NAME);
    if (!s) return null;
    const reasons: string[] = [];
    let conflict = false;
    let missing = false;
    for (const b of s.bound) {
      if (!b.volume) missing = true;
      else if (!volumeFits(b.volume, node)) conflict = true;
    }
    let unbindable = false;
    for (const d of s.delayed) {
      const ok = d.storageClass.provisioner === NO_PROVISIONER
        ? matchingVolume(cycle.cache, d, node) !== undefined
        : topologyAllows(d.storageClass, node);
      if (!ok) unbindable = true;
    }
    if (conflict) reasons.push(ERR_NODE_CONFLICT);
    if (unbindable) reasons.push(ERR_BIND_CONFLICT);
    if (missing) reasons.push(ERR_PV_NOT_EXIST);
    return reasons.length ? unresolvable(NAME, ...reasons) : null;
  },
};

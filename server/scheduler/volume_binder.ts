/**
 * The PreBind half of VolumeBinding: before a pod with claims that wait for their first consumer
 * is bound, each claim is tied to the chosen node — a dynamically provisioned claim gets the
 * `volume.kubernetes.io/selected-node` annotation its provisioner waits for, a claim for a local
 * volume gets that volume's `claimRef` — and the scheduler waits until every claim is bound.
 *
 * @module
 */
import {
  type Clock,
  type KubeClient,
  PERSISTENT_VOLUME_CLAIMS,
  PERSISTENT_VOLUMES,
} from "../../kube/client/mod.ts";
import type { SchedulerCache } from "./cache.ts";
import { type DelayedClaim, matchingVolume } from "./plugins/volume_binding.ts";

/** The annotation a provisioner reads to create a volume where the pod will run. */
export const SELECTED_NODE = "volume.kubernetes.io/selected-node";
const NO_PROVISIONER = "kubernetes.io/no-provisioner";

/** Options of {@linkcode bindVolumes}. */
export interface BindVolumesOptions {
  client: KubeClient;
  cache: SchedulerCache;
  clock: Clock;
  node: string;
  claims: DelayedClaim[];
  timeoutMs: number;
}

/** Ties every claim to `node`, then resolves once the cache shows them all bound. */
export async function bindVolumes(o: BindVolumesOptions): Promise<void> {
  const nodeInfo = o.cache.node(o.node);
  if (!nodeInfo) throw new Error(`binding volumes: node "${o.node}" is gone`);
  for (const { claim, storageClass } of o.claims) {
    const ns = claim.metadata.namespace ?? "";
    const name = claim.metadata.name ?? "";
    if (storageClass.provisioner === NO_PROVISIONER) {
      const pv = matchingVolume(o.cache, { claim, storageClass }, nodeInfo);
      if (!pv) throw new Error(`binding volumes: no volume left for claim ${ns}/${name}`);
      if (pv.spec?.claimRef) continue;
      const claimRef = {
        apiVersion: "v1",
        kind: "PersistentVolumeClaim",
        namespace: ns,
        name,
        uid: claim.metadata.uid,
      };
      await o.client.patch(PERSISTENT_VOLUMES, pv.metadata.name!, { spec: { claimRef } }, "merge");
    } else if (claim.metadata.annotations?.[SELECTED_NODE] !== o.node) {
      await o.client.patch(
        PERSISTENT_VOLUME_CLAIMS,
        name,
        { metadata: { annotations: { [SELECTED_NODE]: o.node } } },
        "merge",
        { namespace: ns },
      );
    }
  }
  const deadline = o.clock.now() + o.timeoutMs;
  const bound = () =>
    o.claims.every(({ claim }) =>
      !!o.cache.claims.get(`${claim.metadata.namespace}/${claim.metadata.name}`)?.spec?.volumeName
    );
  while (!bound()) {
    if (o.clock.now() >= deadline) {
      throw new Error("binding volumes: timed out waiting for the condition");
    }
    await o.clock.sleep(200);
  }
}

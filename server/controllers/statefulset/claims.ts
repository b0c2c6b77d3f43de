/**
 * A StatefulSet's stable storage: one PersistentVolumeClaim `<template>-<set>-<ordinal>` per
 * volumeClaimTemplate and pod, labelled with the set's selector, created before its pod; the
 * pod's volumes pointing at them; and the retention policy (`whenDeleted: Delete` makes the set
 * own its claims, `whenScaled: Delete` hands a condemned pod's claims to the pod).
 *
 * @module
 */
import {
  type Cache,
  isAlreadyExists,
  isNotFound,
  type KubeClient,
  type KubeObject,
  PERSISTENT_VOLUME_CLAIMS,
  type Volume,
} from "../../../kube/client/mod.ts";
import { deepClone } from "../../../kube/meta.ts";
import { errText } from "../common/status.ts";
import type { Pod, StatefulSet } from "../common/types.ts";

const PVCS = PERSISTENT_VOLUME_CLAIMS;

/** The claim of `template` for the pod at `ordinal`. */
export function claimName(set: StatefulSet, template: KubeObject, ordinal: number): string {
  return `${template.metadata.name}-${set.metadata.name}-${ordinal}`;
}

/** The claims' volumes first, then the template's other volumes (`updateStorage`). */
export function claimVolumes(
  set: StatefulSet,
  ord: number,
  current: Volume[] | undefined,
): Volume[] {
  const templates = set.spec?.volumeClaimTemplates ?? [];
  const names = new Set(templates.map((t) => t.metadata.name));
  return [
    ...templates.map((t) => ({
      name: t.metadata.name ?? "",
      persistentVolumeClaim: { claimName: claimName(set, t, ord) },
    })),
    ...(current ?? []).filter((v) => !names.has(v.name)),
  ];
}

/** Creates and hands over claims for one controller. */
export class Claims {
  constructor(
    readonly client: KubeClient,
    readonly cache: Cache<KubeObject>,
    readonly event: (
      set: StatefulSet,
      type: "Normal" | "Warning",
      reason: string,
      msg: string,
    ) => void,
  ) {}

  /** Creates the pod's missing claims (`createPersistentVolumeClaims`). */
  async create(set: StatefulSet, ord: number, podName: string): Promise<void> {
    const ns = set.metadata.namespace!;
    for (const t of set.spec?.volumeClaimTemplates ?? []) {
      const name = claimName(set, t, ord);
      if (this.cache.getByName(name, ns)) continue;
      try {
        await this.client.create(PVCS, this.#claim(set, t, name));
        this.event(
          set,
          "Normal",
          "SuccessfulCreate",
          `create Claim ${name} Pod ${podName} in StatefulSet ${set.metadata.name} success`,
        );
      } catch (err) {
        if (isAlreadyExists(err)) continue;
        this.event(
          set,
          "Warning",
          "FailedCreate",
          `create Claim ${name} for Pod ${podName} in StatefulSet ${set.metadata.name} failed error: ${
            errText(err)
          }`,
        );
        throw err;
      }
    }
  }

  #claim(set: StatefulSet, t: KubeObject, name: string): KubeObject {
    const meta = deepClone(t.metadata);
    delete meta.uid;
    delete meta.resourceVersion;
    const claim: KubeObject = {
      apiVersion: "v1",
      kind: "PersistentVolumeClaim",
      metadata: {
        ...meta,
        name,
        namespace: set.metadata.namespace,
        labels: {
          ...(t.metadata.labels ?? {}),
          ...((set.spec?.selector?.matchLabels as Record<string, string> | undefined) ?? {}),
        },
      },
      spec: deepClone(t.spec),
    };
    if (set.spec?.persistentVolumeClaimRetentionPolicy?.whenDeleted === "Delete") {
      claim.metadata.ownerReferences = [{
        apiVersion: "apps/v1",
        kind: "StatefulSet",
        name: set.metadata.name!,
        uid: set.metadata.uid!,
      }];
    }
    return claim;
  }

  /** With `whenScaled: Delete`, a condemned pod's claims become its dependents. */
  async releaseOnScaleDown(set: StatefulSet, pod: Pod, ord: number): Promise<void> {
    if (set.spec?.persistentVolumeClaimRetentionPolicy?.whenScaled !== "Delete") return;
    for (const t of set.spec?.volumeClaimTemplates ?? []) {
      const owner = {
        apiVersion: "v1",
        kind: "Pod",
        name: pod.metadata.name,
        uid: pod.metadata.uid,
      };
      try {
        await this.client.patch(
          PVCS,
          claimName(set, t, ord),
          { metadata: { ownerReferences: [owner] } },
          "strategic",
          { namespace: set.metadata.namespace },
        );
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
  }
}

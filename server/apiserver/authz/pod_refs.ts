/**
 * The API objects a pod or a persistent volume refers to, as upstream's `VisitPodSecretNames`,
 * `VisitPodConfigmapNames` and `VisitPVSecretNames` find them: what a kubelet running the pod
 * needs to read. The Node authorizer grants nodes exactly these; NodeRestriction refuses mirror
 * pods that name any of them.
 *
 * @module
 */
import { isJsonObject } from "../../../kube/meta.ts";

type Obj = Record<string, unknown>;

function obj(v: unknown): Obj | undefined {
  return isJsonObject(v) ? v : undefined;
}

function objs(v: unknown): Obj[] {
  return Array.isArray(v) ? v.filter(isJsonObject) : [];
}

function str(v: unknown): string {
  return typeof v === "string" ? v : "";
}

/** What one pod refers to, by name in the pod's namespace. */
export interface PodRefs {
  secrets: Set<string>;
  configmaps: Set<string>;
  persistentvolumeclaims: Set<string>;
  serviceaccounts: Set<string>;
  resourceclaims: Set<string>;
}

/** Volume sources whose `secretRef` (`{name}`) holds credentials the kubelet reads. */
const SECRET_REF_VOLUMES = [
  "cephfs",
  "cinder",
  "flexVolume",
  "rbd",
  "scaleIO",
  "iscsi",
  "storageos",
];

function containersOf(spec: Obj): Obj[] {
  return [
    ...objs(spec.initContainers),
    ...objs(spec.containers),
    ...objs(spec.ephemeralContainers),
  ];
}

/** The pod's references (none but its node for a mirror pod, which may not grant anything). */
export function podRefs(pod: Obj): PodRefs {
  const refs: PodRefs = {
    secrets: new Set(),
    configmaps: new Set(),
    persistentvolumeclaims: new Set(),
    serviceaccounts: new Set(),
    resourceclaims: new Set(),
  };
  const spec = obj(pod.spec) ?? {};
  const add = (set: Set<string>, name: string) => name && set.add(name);
  add(refs.serviceaccounts, str(spec.serviceAccountName));
  for (const s of objs(spec.imagePullSecrets)) add(refs.secrets, str(s.name));
  for (const c of containersOf(spec)) {
    for (const e of objs(c.envFrom)) {
      add(refs.secrets, str(obj(e.secretRef)?.name));
      add(refs.configmaps, str(obj(e.configMapRef)?.name));
    }
    for (const e of objs(c.env)) {
      const from = obj(e.valueFrom);
      add(refs.secrets, str(obj(from?.secretKeyRef)?.name));
      add(refs.configmaps, str(obj(from?.configMapKeyRef)?.name));
    }
  }
  const podName = str(obj(pod.metadata)?.name);
  for (const v of objs(spec.volumes)) {
    add(refs.secrets, str(obj(v.secret)?.secretName));
    add(refs.secrets, str(obj(v.azureFile)?.secretName));
    add(refs.secrets, str(obj(obj(v.csi)?.nodePublishSecretRef)?.name));
    for (const kind of SECRET_REF_VOLUMES) {
      add(refs.secrets, str(obj(obj(v[kind])?.secretRef)?.name));
    }
    add(refs.configmaps, str(obj(v.configMap)?.name));
    for (const src of objs(obj(v.projected)?.sources)) {
      add(refs.secrets, str(obj(src.secret)?.name));
      add(refs.configmaps, str(obj(src.configMap)?.name));
    }
    add(refs.persistentvolumeclaims, str(obj(v.persistentVolumeClaim)?.claimName));
    // A generic ephemeral volume's claim is named after the pod and the volume.
    if (obj(v.ephemeral) && podName) {
      add(refs.persistentvolumeclaims, `${podName}-${str(v.name)}`);
    }
  }
  // Claims made from a template are named in the status once the controller created them.
  const generated = new Map<string, string>();
  for (const s of objs(obj(pod.status)?.resourceClaimStatuses)) {
    generated.set(str(s.name), str(s.resourceClaimName));
  }
  for (const c of objs(spec.resourceClaims)) {
    add(refs.resourceclaims, str(c.resourceClaimName) || generated.get(str(c.name)) || "");
  }
  return refs;
}

/** `namespace/name` of each secret a persistent volume gives the kubelet. */
export function pvSecrets(pv: Obj): string[] {
  const spec = obj(pv.spec) ?? {};
  const claimNs = str(obj(spec.claimRef)?.namespace);
  const out = new Set<string>();
  const add = (ref: Obj | undefined, ns = str(ref?.namespace) || claimNs) => {
    const name = str(ref?.name);
    if (name && ns) out.add(`${ns}/${name}`);
  };
  const azure = obj(spec.azureFile);
  if (azure) {
    add({ name: azure.secretName }, str(azure.secretNamespace) || claimNs);
  }
  for (const kind of SECRET_REF_VOLUMES) add(obj(obj(spec[kind])?.secretRef));
  const csi = obj(spec.csi);
  for (const key of ["nodePublishSecretRef", "nodeStageSecretRef", "nodeExpandSecretRef"]) {
    add(obj(csi?.[key]));
  }
  return [...out];
}

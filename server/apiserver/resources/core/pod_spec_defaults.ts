/**
 * Upstream's defaulting of a PodSpec (`SetDefaults_PodSpec`, `SetDefaults_Container`, probes,
 * volumes), shared by pods and every workload template. Pod-only defaults (requests from limits,
 * enableServiceLinks, host ports) live in the pod resource.
 *
 * @module
 */
import { canonicalizeResourceList } from "./quantity.ts";
import { arr, child, type Obj, obj, objs, setDefault, str } from "./util.ts";

const VOLUME_SOURCES = [
  "hostPath",
  "emptyDir",
  "gcePersistentDisk",
  "awsElasticBlockStore",
  "gitRepo",
  "secret",
  "nfs",
  "iscsi",
  "glusterfs",
  "persistentVolumeClaim",
  "rbd",
  "flexVolume",
  "cinder",
  "cephfs",
  "flocker",
  "downwardAPI",
  "fc",
  "azureFile",
  "configMap",
  "vsphereVolume",
  "quobyte",
  "azureDisk",
  "photonPersistentDisk",
  "projected",
  "portworxVolume",
  "scaleIO",
  "storageos",
  "csi",
  "ephemeral",
  "image",
] as const;

/** Every volume source field of `Volume`, in upstream's order. */
export const VOLUME_SOURCE_FIELDS: readonly string[] = VOLUME_SOURCES;

/** The default file mode of secret, configMap, downwardAPI and projected volumes (0644). */
const DEFAULT_MODE = 420;

/** Applies upstream's PodSpec defaults in place. */
export function defaultPodSpec(spec: Record<string, unknown>): void {
  setDefault(spec, "dnsPolicy", "ClusterFirst");
  setDefault(spec, "restartPolicy", "Always");
  if (!obj(spec.securityContext)) spec.securityContext = {};
  if (typeof spec.terminationGracePeriodSeconds !== "number") {
    spec.terminationGracePeriodSeconds = 30;
  }
  setDefault(spec, "schedulerName", "default-scheduler");
  // v1 keeps the deprecated `serviceAccount` as an alias of `serviceAccountName`.
  if (!str(spec.serviceAccountName) && str(spec.serviceAccount)) {
    spec.serviceAccountName = spec.serviceAccount;
  }
  if (str(spec.serviceAccountName)) spec.serviceAccount = spec.serviceAccountName;
  for (const c of objs(spec.initContainers)) defaultContainer(c);
  for (const c of objs(spec.containers)) defaultContainer(c);
  for (const c of objs(spec.ephemeralContainers)) defaultContainer(c);
  for (const v of objs(spec.volumes)) defaultVolume(v);
}

/** Applies the PodSpec defaults to `template.spec` (creating it when absent). */
export function defaultPodTemplateSpec(template: Record<string, unknown>): void {
  defaultPodSpec(child(template, "spec"));
}

/** `Always` for `:latest` or no tag (and no digest), else `IfNotPresent`, as upstream. */
export function defaultPullPolicy(image: string): "Always" | "IfNotPresent" {
  const at = image.indexOf("@");
  const named = at >= 0 ? image.slice(0, at) : image;
  const last = named.slice(named.lastIndexOf("/") + 1);
  const colon = last.indexOf(":");
  const tag = colon >= 0 ? last.slice(colon + 1) : "";
  if (tag === "" && at >= 0) return "IfNotPresent";
  return tag === "" || tag === "latest" ? "Always" : "IfNotPresent";
}

function defaultContainer(c: Obj): void {
  setDefault(c, "imagePullPolicy", defaultPullPolicy(str(c.image)));
  setDefault(c, "terminationMessagePath", "/dev/termination-log");
  setDefault(c, "terminationMessagePolicy", "File");
  for (const p of objs(c.ports)) setDefault(p, "protocol", "TCP");
  const resources = obj(c.resources);
  canonicalizeResourceList(resources?.limits);
  canonicalizeResourceList(resources?.requests);
  for (const key of ["livenessProbe", "readinessProbe", "startupProbe"]) {
    const probe = obj(c[key]);
    if (probe) defaultProbe(probe);
  }
  const lifecycle = obj(c.lifecycle);
  for (const key of ["postStart", "preStop"]) {
    const handler = obj(lifecycle?.[key]);
    if (handler) defaultHandler(handler);
  }
  for (const e of objs(c.env)) {
    const fieldRef = obj(obj(e.valueFrom)?.fieldRef);
    if (fieldRef) setDefault(fieldRef, "apiVersion", "v1");
  }
}

function defaultProbe(p: Obj): void {
  for (const [key, value] of PROBE_DEFAULTS) {
    if (typeof p[key] !== "number" || p[key] === 0) p[key] = value;
  }
  defaultHandler(p);
}

const PROBE_DEFAULTS: [string, number][] = [
  ["timeoutSeconds", 1],
  ["periodSeconds", 10],
  ["successThreshold", 1],
  ["failureThreshold", 3],
];

function defaultHandler(h: Obj): void {
  const httpGet = obj(h.httpGet);
  if (httpGet) {
    setDefault(httpGet, "path", "/");
    setDefault(httpGet, "scheme", "HTTP");
  }
}

function defaultVolume(v: Obj): void {
  if (!VOLUME_SOURCES.some((k) => v[k] !== undefined && v[k] !== null)) v.emptyDir = {};
  for (const key of ["secret", "configMap", "downwardAPI", "projected"]) {
    const src = obj(v[key]);
    if (src && typeof src.defaultMode !== "number") src.defaultMode = DEFAULT_MODE;
  }
  const hostPath = obj(v.hostPath);
  if (hostPath && hostPath.type === undefined) hostPath.type = "";
  defaultFieldRefs(obj(v.downwardAPI));
  for (const s of objs(obj(v.projected)?.sources)) {
    const token = obj(s.serviceAccountToken);
    if (token && typeof token.expirationSeconds !== "number") token.expirationSeconds = 3600;
    defaultFieldRefs(obj(s.downwardAPI));
  }
  const claimSpec = obj(obj(obj(v.ephemeral)?.volumeClaimTemplate)?.spec);
  if (claimSpec) setDefault(claimSpec, "volumeMode", "Filesystem");
}

function defaultFieldRefs(src: Obj | undefined): void {
  for (const item of arr(src?.items)) {
    const fieldRef = obj(obj(item)?.fieldRef);
    if (fieldRef) setDefault(fieldRef, "apiVersion", "v1");
  }
}

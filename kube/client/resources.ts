/**
 * Resource descriptors: group, version, plural and scope of a resource, typed with the object
 * they return, plus the descriptors of the built-in resources the project's components use.
 *
 * @module
 */
import type { KubeObject } from "../meta.ts";
import type {
  CoreEvent,
  Lease,
  Node,
  PersistentVolume,
  PersistentVolumeClaim,
  Pod,
  PriorityClass,
  StorageClass,
} from "./types.ts";

/** One API resource; `T` is the object type its endpoints return. */
export interface Resource<T extends KubeObject = KubeObject> {
  /** `""` for the core group. */
  readonly group: string;
  readonly version: string;
  /** The plural, e.g. `pods`. */
  readonly resource: string;
  readonly kind: string;
  readonly namespaced: boolean;
  /** Carries `T` for type inference only; never set. */
  readonly __type?: T;
}

/** A descriptor. */
export function resource<T extends KubeObject = KubeObject>(
  group: string,
  version: string,
  plural: string,
  kind: string,
  namespaced: boolean,
): Resource<T> {
  return { group, version, resource: plural, kind, namespaced };
}

/** `apiVersion` of a resource's objects: `v1`, `apps/v1`. */
export function apiVersionOf(res: Resource): string {
  return res.group ? `${res.group}/${res.version}` : res.version;
}

/**
 * The URL path of a resource's collection, one object, or one object's subresource. A namespace
 * given for a cluster-scoped resource is ignored; none for a namespaced one means all namespaces.
 */
export function resourcePath(
  res: Resource,
  namespace?: string,
  name?: string,
  subresource?: string,
): string {
  let p = res.group ? `/apis/${res.group}/${res.version}` : `/api/${res.version}`;
  if (res.namespaced && namespace) p += `/namespaces/${encodeURIComponent(namespace)}`;
  p += `/${res.resource}`;
  if (name !== undefined) {
    if (name === "") throw new Error(`Cannot address ${res.resource}: the name is empty`);
    p += `/${encodeURIComponent(name)}`;
    if (subresource) p += `/${subresource}`;
  }
  return p;
}

export const PODS: Resource<Pod> = resource("", "v1", "pods", "Pod", true);
export const NODES: Resource<Node> = resource("", "v1", "nodes", "Node", false);
export const NAMESPACES = resource("", "v1", "namespaces", "Namespace", false);
export const EVENTS: Resource<CoreEvent> = resource("", "v1", "events", "Event", true);
export const CONFIGMAPS = resource("", "v1", "configmaps", "ConfigMap", true);
export const SECRETS = resource("", "v1", "secrets", "Secret", true);
export const SERVICES = resource("", "v1", "services", "Service", true);
export const ENDPOINTS = resource("", "v1", "endpoints", "Endpoints", true);
export const SERVICE_ACCOUNTS = resource("", "v1", "serviceaccounts", "ServiceAccount", true);
export const PERSISTENT_VOLUME_CLAIMS: Resource<PersistentVolumeClaim> = resource(
  "",
  "v1",
  "persistentvolumeclaims",
  "PersistentVolumeClaim",
  true,
);
export const PERSISTENT_VOLUMES: Resource<PersistentVolume> = resource(
  "",
  "v1",
  "persistentvolumes",
  "PersistentVolume",
  false,
);
export const REPLICATION_CONTROLLERS = resource(
  "",
  "v1",
  "replicationcontrollers",
  "ReplicationController",
  true,
);
export const RESOURCE_QUOTAS = resource("", "v1", "resourcequotas", "ResourceQuota", true);
export const LIMIT_RANGES = resource("", "v1", "limitranges", "LimitRange", true);
export const DEPLOYMENTS = resource("apps", "v1", "deployments", "Deployment", true);
export const REPLICA_SETS = resource("apps", "v1", "replicasets", "ReplicaSet", true);
export const STATEFUL_SETS = resource("apps", "v1", "statefulsets", "StatefulSet", true);
export const DAEMON_SETS = resource("apps", "v1", "daemonsets", "DaemonSet", true);
export const CONTROLLER_REVISIONS = resource(
  "apps",
  "v1",
  "controllerrevisions",
  "ControllerRevision",
  true,
);
export const JOBS = resource("batch", "v1", "jobs", "Job", true);
export const CRON_JOBS = resource("batch", "v1", "cronjobs", "CronJob", true);
export const LEASES: Resource<Lease> = resource(
  "coordination.k8s.io",
  "v1",
  "leases",
  "Lease",
  true,
);
export const ENDPOINT_SLICES = resource(
  "discovery.k8s.io",
  "v1",
  "endpointslices",
  "EndpointSlice",
  true,
);
export const PRIORITY_CLASSES: Resource<PriorityClass> = resource(
  "scheduling.k8s.io",
  "v1",
  "priorityclasses",
  "PriorityClass",
  false,
);
export const POD_DISRUPTION_BUDGETS = resource(
  "policy",
  "v1",
  "poddisruptionbudgets",
  "PodDisruptionBudget",
  true,
);
export const STORAGE_CLASSES: Resource<StorageClass> = resource(
  "storage.k8s.io",
  "v1",
  "storageclasses",
  "StorageClass",
  false,
);

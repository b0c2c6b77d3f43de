/**
 * Strategic merge patch metadata for built-in types, as data. Each entry lists, per JSON field,
 * the field's type (for lists: the element type) and upstream's `patchStrategy` and
 * `patchMergeKey` struct tags. Fields without tags and without tagged descendants are left out:
 * maps merge key by key and lists are replaced, which is what no tag means.
 *
 * Source: the Go struct tags of k8s.io/api and k8s.io/apimachinery (`metav1.ObjectMeta`).
 *
 * @module
 */

/** Upstream's `patchStrategy` tag values. */
export type PatchStrategy = "merge" | "replace" | "retainKeys" | "merge,retainKeys";

/** How one field is patched. */
export interface FieldPatchMeta {
  /** Type name of the value, or of each element for a list. */
  readonly type?: string;
  readonly strategy?: PatchStrategy;
  /** For lists of objects merged by a key. */
  readonly mergeKey?: string;
}

/** The patch metadata of one type: JSON field name to metadata. */
export type TypePatchMeta = Readonly<Record<string, FieldPatchMeta>>;

const META = "io.k8s.apimachinery.pkg.apis.meta.v1.";
const CORE = "io.k8s.api.core.v1.";
const APPS = "io.k8s.api.apps.v1.";
const BATCH = "io.k8s.api.batch.v1.";
const ADMISSION = "io.k8s.api.admissionregistration.v1.";
const POLICY = "io.k8s.api.policy.v1.";
const STORAGE = "io.k8s.api.storage.v1.";
const NETWORKING = "io.k8s.api.networking.v1.";
const FLOWCONTROL = "io.k8s.api.flowcontrol.v1.";
const RBAC = "io.k8s.api.rbac.v1.";
const APIEXTENSIONS = "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.";
const APIREGISTRATION = "io.k8s.kube-aggregator.pkg.apis.apiregistration.v1.";

/** `metav1.ObjectMeta`. */
export const OBJECT_META = `${META}ObjectMeta`;
const POD_TEMPLATE_SPEC = `${CORE}PodTemplateSpec`;

const METADATA: FieldPatchMeta = { type: OBJECT_META };
const CONDITIONS: FieldPatchMeta = { strategy: "merge", mergeKey: "type" };
const STATUS_WITH_CONDITIONS: TypePatchMeta = { conditions: CONDITIONS };
const SPEC_WITH_TEMPLATE: TypePatchMeta = { template: { type: POD_TEMPLATE_SPEC } };
const CONTAINER: TypePatchMeta = {
  ports: { strategy: "merge", mergeKey: "containerPort" },
  env: { strategy: "merge", mergeKey: "name" },
  volumeMounts: { strategy: "merge", mergeKey: "mountPath" },
  volumeDevices: { strategy: "merge", mergeKey: "devicePath" },
};
const WEBHOOK: TypePatchMeta = { matchConditions: { strategy: "merge", mergeKey: "name" } };

/** A kind whose root type links `metadata`, and `spec`/`status` when given. */
function root(spec?: string, status?: string): TypePatchMeta {
  const fields: Record<string, FieldPatchMeta> = { metadata: METADATA };
  if (spec) fields.spec = { type: spec };
  if (status) fields.status = { type: status };
  return fields;
}

/** Kinds with nothing to merge below `metadata`. */
const METADATA_ONLY_TYPES = [
  ...["ConfigMap", "Secret", "Endpoints", "Event", "LimitRange", "ResourceQuota"].map((k) =>
    CORE + k
  ),
  ...["PersistentVolume", "Binding"].map((k) => CORE + k),
  `${APPS}ControllerRevision`,
  "io.k8s.api.autoscaling.v1.HorizontalPodAutoscaler",
  "io.k8s.api.autoscaling.v1.Scale",
  ...["Ingress", "IngressClass", "NetworkPolicy", "IPAddress"].map((k) => NETWORKING + k),
  `${POLICY}Eviction`,
  ...["Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding"].map((k) => RBAC + k),
  ...["StorageClass", "CSIDriver", "VolumeAttachment", "CSIStorageCapacity"].map((k) =>
    STORAGE + k
  ),
  "io.k8s.api.coordination.v1.Lease",
  "io.k8s.api.discovery.v1.EndpointSlice",
  "io.k8s.api.events.v1.Event",
  "io.k8s.api.scheduling.v1.PriorityClass",
  "io.k8s.api.node.v1.RuntimeClass",
  "io.k8s.api.certificates.v1.CertificateSigningRequest",
  `${ADMISSION}ValidatingAdmissionPolicyBinding`,
  `${APIEXTENSIONS}CustomResourceDefinition`,
];

/** Patch metadata by type name. */
export const PATCH_META: Readonly<Record<string, TypePatchMeta>> = {
  ...Object.fromEntries(METADATA_ONLY_TYPES.map((t) => [t, root()])),
  [OBJECT_META]: {
    finalizers: { strategy: "merge" },
    ownerReferences: { strategy: "merge", mergeKey: "uid" },
  },

  // core/v1
  [`${CORE}Pod`]: root(`${CORE}PodSpec`, `${CORE}PodStatus`),
  [`${CORE}PodSpec`]: {
    volumes: { strategy: "merge,retainKeys", mergeKey: "name" },
    initContainers: { type: `${CORE}Container`, strategy: "merge", mergeKey: "name" },
    containers: { type: `${CORE}Container`, strategy: "merge", mergeKey: "name" },
    ephemeralContainers: { type: `${CORE}EphemeralContainer`, strategy: "merge", mergeKey: "name" },
    imagePullSecrets: { strategy: "merge", mergeKey: "name" },
    hostAliases: { strategy: "merge", mergeKey: "ip" },
    topologySpreadConstraints: { strategy: "merge", mergeKey: "topologyKey" },
    schedulingGates: { strategy: "merge", mergeKey: "name" },
    resourceClaims: { strategy: "merge,retainKeys", mergeKey: "name" },
  },
  [`${CORE}Container`]: CONTAINER,
  [`${CORE}EphemeralContainer`]: CONTAINER,
  [`${CORE}PodStatus`]: {
    conditions: CONDITIONS,
    hostIPs: { strategy: "merge", mergeKey: "ip" },
    podIPs: { strategy: "merge", mergeKey: "ip" },
    resourceClaimStatuses: { strategy: "merge,retainKeys", mergeKey: "name" },
  },
  [POD_TEMPLATE_SPEC]: { metadata: METADATA, spec: { type: `${CORE}PodSpec` } },
  [`${CORE}PodTemplate`]: { metadata: METADATA, template: { type: POD_TEMPLATE_SPEC } },
  [`${CORE}ReplicationController`]: root(
    `${CORE}ReplicationControllerSpec`,
    `${CORE}ReplicationControllerStatus`,
  ),
  [`${CORE}ReplicationControllerSpec`]: SPEC_WITH_TEMPLATE,
  [`${CORE}ReplicationControllerStatus`]: STATUS_WITH_CONDITIONS,
  [`${CORE}Service`]: root(`${CORE}ServiceSpec`, `${CORE}ServiceStatus`),
  [`${CORE}ServiceSpec`]: { ports: { strategy: "merge", mergeKey: "port" } },
  [`${CORE}ServiceStatus`]: STATUS_WITH_CONDITIONS,
  [`${CORE}Node`]: root(`${CORE}NodeSpec`, `${CORE}NodeStatus`),
  [`${CORE}NodeSpec`]: { podCIDRs: { strategy: "merge" } },
  [`${CORE}NodeStatus`]: {
    conditions: CONDITIONS,
    addresses: { strategy: "merge", mergeKey: "type" },
  },
  [`${CORE}Namespace`]: root(undefined, `${CORE}NamespaceStatus`),
  [`${CORE}NamespaceStatus`]: STATUS_WITH_CONDITIONS,
  [`${CORE}PersistentVolumeClaim`]: root(undefined, `${CORE}PersistentVolumeClaimStatus`),
  [`${CORE}PersistentVolumeClaimStatus`]: STATUS_WITH_CONDITIONS,
  [`${CORE}ServiceAccount`]: {
    metadata: METADATA,
    secrets: { strategy: "merge", mergeKey: "name" },
  },
  [`${CORE}ComponentStatus`]: { metadata: METADATA, conditions: CONDITIONS },

  // apps/v1
  [`${APPS}Deployment`]: root(`${APPS}DeploymentSpec`, `${APPS}DeploymentStatus`),
  [`${APPS}DeploymentSpec`]: {
    template: { type: POD_TEMPLATE_SPEC },
    strategy: { strategy: "retainKeys" },
  },
  [`${APPS}DeploymentStatus`]: STATUS_WITH_CONDITIONS,
  [`${APPS}ReplicaSet`]: root(`${APPS}ReplicaSetSpec`, `${APPS}ReplicaSetStatus`),
  [`${APPS}ReplicaSetSpec`]: SPEC_WITH_TEMPLATE,
  [`${APPS}ReplicaSetStatus`]: STATUS_WITH_CONDITIONS,
  [`${APPS}StatefulSet`]: root(`${APPS}StatefulSetSpec`, `${APPS}StatefulSetStatus`),
  [`${APPS}StatefulSetSpec`]: SPEC_WITH_TEMPLATE,
  [`${APPS}StatefulSetStatus`]: STATUS_WITH_CONDITIONS,
  [`${APPS}DaemonSet`]: root(`${APPS}DaemonSetSpec`, `${APPS}DaemonSetStatus`),
  [`${APPS}DaemonSetSpec`]: SPEC_WITH_TEMPLATE,
  [`${APPS}DaemonSetStatus`]: STATUS_WITH_CONDITIONS,

  // batch/v1
  [`${BATCH}Job`]: root(`${BATCH}JobSpec`, `${BATCH}JobStatus`),
  [`${BATCH}JobSpec`]: SPEC_WITH_TEMPLATE,
  [`${BATCH}JobStatus`]: STATUS_WITH_CONDITIONS,
  [`${BATCH}CronJob`]: root(`${BATCH}CronJobSpec`),
  [`${BATCH}CronJobSpec`]: { jobTemplate: { type: `${BATCH}JobTemplateSpec` } },
  [`${BATCH}JobTemplateSpec`]: { metadata: METADATA, spec: { type: `${BATCH}JobSpec` } },

  // autoscaling/v2, networking.k8s.io/v1, policy/v1, storage.k8s.io/v1
  ["io.k8s.api.autoscaling.v2.HorizontalPodAutoscaler"]: root(
    undefined,
    "io.k8s.api.autoscaling.v2.HorizontalPodAutoscalerStatus",
  ),
  ["io.k8s.api.autoscaling.v2.HorizontalPodAutoscalerStatus"]: STATUS_WITH_CONDITIONS,
  [`${NETWORKING}ServiceCIDR`]: root(undefined, `${NETWORKING}ServiceCIDRStatus`),
  [`${NETWORKING}ServiceCIDRStatus`]: STATUS_WITH_CONDITIONS,
  [`${POLICY}PodDisruptionBudget`]: root(
    `${POLICY}PodDisruptionBudgetSpec`,
    `${POLICY}PodDisruptionBudgetStatus`,
  ),
  [`${POLICY}PodDisruptionBudgetSpec`]: { selector: { strategy: "replace" } },
  [`${POLICY}PodDisruptionBudgetStatus`]: STATUS_WITH_CONDITIONS,
  [`${STORAGE}CSINode`]: root(`${STORAGE}CSINodeSpec`),
  [`${STORAGE}CSINodeSpec`]: { drivers: { strategy: "merge", mergeKey: "name" } },

  // admissionregistration.k8s.io/v1
  [`${ADMISSION}ValidatingWebhookConfiguration`]: {
    metadata: METADATA,
    webhooks: { type: `${ADMISSION}ValidatingWebhook`, strategy: "merge", mergeKey: "name" },
  },
  [`${ADMISSION}ValidatingWebhook`]: WEBHOOK,
  [`${ADMISSION}MutatingWebhookConfiguration`]: {
    metadata: METADATA,
    webhooks: { type: `${ADMISSION}MutatingWebhook`, strategy: "merge", mergeKey: "name" },
  },
  [`${ADMISSION}MutatingWebhook`]: WEBHOOK,
  [`${ADMISSION}ValidatingAdmissionPolicy`]: root(`${ADMISSION}ValidatingAdmissionPolicySpec`),
  [`${ADMISSION}ValidatingAdmissionPolicySpec`]: {
    matchConditions: { strategy: "merge", mergeKey: "name" },
    variables: { strategy: "merge", mergeKey: "name" },
  },

  // apiregistration.k8s.io/v1, flowcontrol.apiserver.k8s.io/v1
  [`${APIREGISTRATION}APIService`]: root(undefined, `${APIREGISTRATION}APIServiceStatus`),
  [`${APIREGISTRATION}APIServiceStatus`]: STATUS_WITH_CONDITIONS,
  [`${FLOWCONTROL}FlowSchema`]: root(undefined, `${FLOWCONTROL}FlowSchemaStatus`),
  [`${FLOWCONTROL}FlowSchemaStatus`]: STATUS_WITH_CONDITIONS,
  [`${FLOWCONTROL}PriorityLevelConfiguration`]: root(
    undefined,
    `${FLOWCONTROL}PriorityLevelConfigurationStatus`,
  ),
  [`${FLOWCONTROL}PriorityLevelConfigurationStatus`]: STATUS_WITH_CONDITIONS,
};

/** Package of each API group's types; the core group is `""`. */
const GROUP_PACKAGES: Readonly<Record<string, string>> = {
  "": CORE,
  apps: APPS,
  batch: BATCH,
  "admissionregistration.k8s.io": ADMISSION,
  "apiextensions.k8s.io": APIEXTENSIONS,
  "apiregistration.k8s.io": APIREGISTRATION,
  "certificates.k8s.io": "io.k8s.api.certificates.v1.",
  "coordination.k8s.io": "io.k8s.api.coordination.v1.",
  "discovery.k8s.io": "io.k8s.api.discovery.v1.",
  "events.k8s.io": "io.k8s.api.events.v1.",
  "flowcontrol.apiserver.k8s.io": FLOWCONTROL,
  "networking.k8s.io": NETWORKING,
  "node.k8s.io": "io.k8s.api.node.v1.",
  policy: POLICY,
  "rbac.authorization.k8s.io": RBAC,
  "scheduling.k8s.io": "io.k8s.api.scheduling.v1.",
  "storage.k8s.io": STORAGE,
};

/**
 * The root type name of a built-in kind keyed `apiVersion/kind` (`v1/Pod`, `apps/v1/Deployment`,
 * `autoscaling/v2/HorizontalPodAutoscaler`), or undefined for kinds without strategic merge
 * patch support (custom resources).
 */
export function kindType(kindKey: string): string | undefined {
  const parts = kindKey.split("/");
  if (parts.length !== 2 && parts.length !== 3) return undefined;
  const [group, version, kind] = parts.length === 2 ? ["", ...parts] : parts;
  let pkg = Object.hasOwn(GROUP_PACKAGES, group) ? GROUP_PACKAGES[group] : undefined;
  if (pkg === undefined) {
    if (group !== "autoscaling") return undefined;
    pkg = `io.k8s.api.autoscaling.${version}.`;
  } else if (version !== "v1") {
    return undefined;
  }
  const type = pkg + kind;
  return Object.hasOwn(PATCH_META, type) ? type : undefined;
}

/** The patch metadata of `field` in `type`, if the field has any. */
export function lookupField(type: string | undefined, field: string): FieldPatchMeta | undefined {
  if (type === undefined || !Object.hasOwn(PATCH_META, type)) return undefined;
  const fields = PATCH_META[type];
  return Object.hasOwn(fields, field) ? fields[field] : undefined;
}

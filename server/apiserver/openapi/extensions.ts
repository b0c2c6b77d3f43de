/**
 * The Kubernetes OpenAPI extensions the type registry does not carry, as data: list types and
 * map types (from upstream's `+listType`, `+listMapKey`, `+mapType` markers), and the patch
 * strategy and merge key read from the strategic-merge metadata in `kube/patch/patch_meta.ts`.
 *
 * A list property gets `x-kubernetes-list-type` from {@link LIST_TYPES} when declared there, else
 * from its patch strategy: merged by a key is `map` keyed by it, merged without a key is `set`.
 *
 * @module
 */
import { lookupField } from "../../../kube/patch/patch_meta.ts";

/** `x-kubernetes-list-type` and, for `map`, `x-kubernetes-list-map-keys`. */
export interface ListType {
  type: "atomic" | "set" | "map";
  keys?: string[];
}

const CORE = "io.k8s.api.core.v1.";

const map = (...keys: string[]): ListType => ({ type: "map", keys });
const SET: ListType = { type: "set" };
const ATOMIC: ListType = { type: "atomic" };

/** List types that differ from what the patch strategy implies, by `definition.property`. */
export const LIST_TYPES: Readonly<Record<string, ListType>> = {
  [`${CORE}Container.ports`]: map("containerPort", "protocol"),
  [`${CORE}EphemeralContainer.ports`]: map("containerPort", "protocol"),
  [`${CORE}ServiceSpec.ports`]: map("port", "protocol"),
  [`${CORE}PodSpec.topologySpreadConstraints`]: map("topologyKey", "whenUnsatisfiable"),
  [`${CORE}PodStatus.hostIPs`]: ATOMIC,
  [`${CORE}ResourceRequirements.claims`]: map("name"),
  [`${CORE}ContainerStatus.allocatedResourcesStatus`]: map("name"),
  [`${CORE}ContainerStatus.volumeMounts`]: map("mountPath"),
  [`${CORE}ResourceStatus.resources`]: map("resourceID"),
  [`${CORE}NodeAllocatableResourceClaimStatus.containers`]: SET,
  [`${CORE}ContainerRestartRuleOnExitCodes.values`]: SET,
  [`${CORE}ServiceAccount.imagePullSecrets`]: ATOMIC,
  [`${CORE}NamespaceSpec.finalizers`]: ATOMIC,
};

/** Structs that are replaced as a whole by server-side apply (`x-kubernetes-map-type`). */
const ATOMIC_STRUCTS = [
  "io.k8s.api.admissionregistration.v1.MatchResources",
  "io.k8s.api.admissionregistration.v1.NamedRuleWithOperations",
  "io.k8s.api.admissionregistration.v1.ParamKind",
  "io.k8s.api.admissionregistration.v1.ParamRef",
  "io.k8s.api.admissionregistration.v1.Variable",
  "io.k8s.api.autoscaling.v1.CrossVersionObjectReference",
  ...[
    "ConfigMapKeySelector",
    "EndpointAddress",
    "EndpointPort",
    "FileKeySelector",
    "LocalObjectReference",
    "NodeSelector",
    "NodeSelectorTerm",
    "ObjectFieldSelector",
    "ObjectReference",
    "ResourceFieldSelector",
    "ScopeSelector",
    "SecretKeySelector",
    "SecretReference",
    "TopologySelectorTerm",
    "TypedLocalObjectReference",
  ].map((k) => CORE + k),
  "io.k8s.api.discovery.v1.EndpointPort",
  "io.k8s.api.networking.v1.ServiceBackendPort",
  "io.k8s.api.rbac.v1.RoleRef",
  "io.k8s.api.rbac.v1.Subject",
  "io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector",
  "io.k8s.apimachinery.pkg.apis.meta.v1.OwnerReference",
];

/** `x-kubernetes-map-type` of definitions and of single properties (`definition.property`). */
export const MAP_TYPES: Readonly<Record<string, "atomic" | "granular">> = {
  ...Object.fromEntries(ATOMIC_STRUCTS.map((d) => [d, "atomic" as const])),
  [`${CORE}PersistentVolumeClaimStatus.allocatedResourceStatuses`]: "granular",
  [`${CORE}PersistentVolumeSpec.claimRef`]: "granular",
  [`${CORE}PodSpec.nodeSelector`]: "atomic",
  [`${CORE}ReplicationControllerSpec.selector`]: "atomic",
  [`${CORE}ServiceSpec.selector`]: "atomic",
};

/** The extensions of one property of a definition, in upstream's key order. */
export function propertyExtensions(
  definition: string,
  property: string,
  isList: boolean,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const key = `${definition}.${property}`;
  const patch = lookupField(definition, property);
  const listType = Object.hasOwn(LIST_TYPES, key)
    ? LIST_TYPES[key]
    : isList && patch?.strategy?.includes("merge")
    ? (patch.mergeKey ? map(patch.mergeKey) : SET)
    : undefined;
  if (listType?.keys) out["x-kubernetes-list-map-keys"] = listType.keys;
  if (listType) out["x-kubernetes-list-type"] = listType.type;
  if (Object.hasOwn(MAP_TYPES, key)) out["x-kubernetes-map-type"] = MAP_TYPES[key];
  if (patch?.mergeKey) out["x-kubernetes-patch-merge-key"] = patch.mergeKey;
  if (patch?.strategy) out["x-kubernetes-patch-strategy"] = patch.strategy;
  return out;
}

/** `x-kubernetes-map-type` of a definition, if declared. */
export function definitionMapType(definition: string): string | undefined {
  return Object.hasOwn(MAP_TYPES, definition) ? MAP_TYPES[definition] : undefined;
}

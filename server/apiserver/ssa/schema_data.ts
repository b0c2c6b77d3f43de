/**
 * What server-side apply needs to know about built-in types beyond their strategic-merge tags
 * (`kube/patch/patch_meta.ts`): list maps keyed by more than the patch merge key, key defaults,
 * and atomic structs and maps (`+structType=atomic`, `+mapType=atomic`). Source: the
 * `+listType`, `+listMapKey`, `+structType`, `+mapType` and `+default` markers of k8s.io/api.
 *
 * Not covered yet: lists marked `+listType=map` without a patch strategy, and atomic structs
 * deeper than the fields listed here (affinity terms, volume sources); those are handled as
 * granular structs and atomic lists. The OpenAPI models will replace this table when they carry
 * the `x-kubernetes-*` extensions.
 *
 * @module
 */

/** How one field of a struct type merges under server-side apply. */
export interface FieldSpec {
  /** The struct type of the value, or of each item of a list. */
  readonly type?: string;
  readonly list?: "atomic" | "set" | "map";
  /** List-map keys, in declaration order. */
  readonly keys?: readonly string[];
  /** Values used for key fields an item leaves out. */
  readonly keyDefaults?: Readonly<Record<string, unknown>>;
  /** The value (a struct or map) is replaced as a whole. */
  readonly atomic?: boolean;
  /** Each list item is replaced as a whole. */
  readonly itemAtomic?: boolean;
}

const META = "io.k8s.apimachinery.pkg.apis.meta.v1.";
const CORE = "io.k8s.api.core.v1.";
const APPS = "io.k8s.api.apps.v1.";
const BATCH = "io.k8s.api.batch.v1.";
const TCP = { protocol: "TCP" };

const ATOMIC: FieldSpec = { atomic: true };
const SELECTOR = { selector: ATOMIC };
const CONTAINER: Record<string, FieldSpec> = {
  ports: { list: "map", keys: ["containerPort", "protocol"], keyDefaults: TCP },
  env: { type: `${CORE}EnvVar` },
  resources: { type: `${CORE}ResourceRequirements` },
};

/** Additions to the patch metadata, by type name then JSON field name. */
export const SSA_FIELDS: Readonly<Record<string, Readonly<Record<string, FieldSpec>>>> = {
  [`${META}ObjectMeta`]: { ownerReferences: { itemAtomic: true } },
  [`${CORE}PodSpec`]: {
    nodeSelector: ATOMIC,
    imagePullSecrets: { itemAtomic: true },
    topologySpreadConstraints: { list: "map", keys: ["topologyKey", "whenUnsatisfiable"] },
  },
  [`${CORE}Container`]: CONTAINER,
  [`${CORE}EphemeralContainer`]: CONTAINER,
  [`${CORE}EnvVar`]: { valueFrom: { type: `${CORE}EnvVarSource` } },
  [`${CORE}EnvVarSource`]: {
    configMapKeyRef: ATOMIC,
    secretKeyRef: ATOMIC,
    fieldRef: ATOMIC,
    resourceFieldRef: ATOMIC,
  },
  [`${CORE}ResourceRequirements`]: { claims: { list: "map", keys: ["name"] } },
  [`${CORE}ServiceSpec`]: {
    ports: { list: "map", keys: ["port", "protocol"], keyDefaults: TCP },
    selector: ATOMIC,
  },
  [`${CORE}ServiceAccount`]: { secrets: { itemAtomic: true } },
  [`${APPS}DeploymentSpec`]: SELECTOR,
  [`${APPS}ReplicaSetSpec`]: SELECTOR,
  [`${APPS}StatefulSetSpec`]: SELECTOR,
  [`${APPS}DaemonSetSpec`]: SELECTOR,
  [`${BATCH}JobSpec`]: SELECTOR,
  ["io.k8s.api.policy.v1.PodDisruptionBudgetSpec"]: SELECTOR,
};

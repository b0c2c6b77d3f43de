/**
 * The bootstrap RBAC policy as objects: the default cluster roles (with `admin`, `edit` and
 * `view` aggregated from labelled roles), the `system:controller:*` roles, K3s's roles, the
 * kube-system and kube-public roles, and their default bindings. Every object carries
 * `rbac.authorization.kubernetes.io/autoupdate: "true"` and `kubernetes.io/bootstrapping:
 * rbac-defaults`; {@link reconcileBootstrapPolicy} keeps them in place at every start.
 *
 * `system:node` is bound to no one: the Node authorizer grants kubelets their access.
 *
 * @module
 */
import type { KubeObject } from "../../../kube/meta.ts";
import { CONTROLLER_ROLES, NAMESPACED_ROLES } from "./bootstrap_policy_controllers.ts";
import { CLUSTER_ROLES, K3S_CLUSTER_ROLES, type RoleSpec } from "./bootstrap_policy_roles.ts";
import { RBAC_GROUP, type Subject } from "./rbac_rules.ts";

export const AUTOUPDATE_ANNOTATION = "rbac.authorization.kubernetes.io/autoupdate";
export const BOOTSTRAPPING_LABEL = "kubernetes.io/bootstrapping";
const API_VERSION = `${RBAC_GROUP}/v1`;

export interface BootstrapPolicy {
  clusterRoles: KubeObject[];
  clusterRoleBindings: KubeObject[];
  roles: KubeObject[];
  roleBindings: KubeObject[];
}

function user(name: string): Subject {
  return { kind: "User", apiGroup: RBAC_GROUP, name };
}

function group(name: string): Subject {
  return { kind: "Group", apiGroup: RBAC_GROUP, name };
}

function serviceAccount(namespace: string, name: string): Subject {
  return { kind: "ServiceAccount", name, namespace };
}

/** Cluster role bindings: [binding name, cluster role, subjects]. */
const CLUSTER_BINDINGS: [string, string, Subject[]][] = [
  ["cluster-admin", "cluster-admin", [group("system:masters")]],
  ["system:monitoring", "system:monitoring", [group("system:monitoring")]],
  ["system:discovery", "system:discovery", [group("system:authenticated")]],
  ["system:basic-user", "system:basic-user", [group("system:authenticated")]],
  ["system:public-info-viewer", "system:public-info-viewer", [
    group("system:authenticated"),
    group("system:unauthenticated"),
  ]],
  ["system:node-proxier", "system:node-proxier", [user("system:kube-proxy")]],
  ["system:kube-controller-manager", "system:kube-controller-manager", [
    user("system:kube-controller-manager"),
  ]],
  ["system:kube-dns", "system:kube-dns", [serviceAccount("kube-system", "kube-dns")]],
  ["system:kube-scheduler", "system:kube-scheduler", [user("system:kube-scheduler")]],
  ["system:volume-scheduler", "system:volume-scheduler", [user("system:kube-scheduler")]],
  ["system:node", "system:node", []],
  ["system:service-account-issuer-discovery", "system:service-account-issuer-discovery", [
    group("system:serviceaccounts"),
  ]],
  // K3s's own.
  ["kube-apiserver-kubelet-admin", "system:kubelet-api-admin", [user("kube-apiserver")]],
  ["system:k3s-controller", "system:k3s-controller", [user("system:k3s-controller")]],
  ["k3s-cloud-controller-manager", "k3s-cloud-controller-manager", [
    user("k3s-cloud-controller-manager"),
  ]],
];

/** Role bindings: [namespace, binding name, role, subjects]. */
const ROLE_BINDINGS: [string, string, string, Subject[]][] = [
  [
    "kube-system",
    "system::extension-apiserver-authentication-reader",
    "extension-apiserver-authentication-reader",
    [
      user("system:kube-controller-manager"),
      user("system:kube-scheduler"),
    ],
  ],
  [
    "kube-system",
    "system::leader-locking-kube-controller-manager",
    "system::leader-locking-kube-controller-manager",
    [
      user("system:kube-controller-manager"),
      serviceAccount("kube-system", "kube-controller-manager"),
      serviceAccount("kube-system", "leader-election-controller"),
    ],
  ],
  [
    "kube-system",
    "system::leader-locking-kube-scheduler",
    "system::leader-locking-kube-scheduler",
    [
      user("system:kube-scheduler"),
      serviceAccount("kube-system", "kube-scheduler"),
    ],
  ],
  ["kube-system", "system:controller:bootstrap-signer", "system:controller:bootstrap-signer", [
    serviceAccount("kube-system", "bootstrap-signer"),
  ]],
  ["kube-system", "system:controller:cloud-provider", "system:controller:cloud-provider", [
    serviceAccount("kube-system", "cloud-provider"),
  ]],
  ["kube-system", "system:controller:token-cleaner", "system:controller:token-cleaner", [
    serviceAccount("kube-system", "token-cleaner"),
  ]],
  ["kube-public", "system:controller:bootstrap-signer", "system:controller:bootstrap-signer", [
    serviceAccount("kube-system", "bootstrap-signer"),
  ]],
];

function metadata(name: string, namespace?: string, labels: Record<string, string> = {}) {
  return {
    name,
    ...(namespace ? { namespace } : {}),
    labels: { ...labels, [BOOTSTRAPPING_LABEL]: "rbac-defaults" },
    annotations: { [AUTOUPDATE_ANNOTATION]: "true" },
  };
}

function clusterRole(spec: RoleSpec): KubeObject {
  const obj: KubeObject = {
    apiVersion: API_VERSION,
    kind: "ClusterRole",
    metadata: metadata(spec.name, undefined, spec.labels),
  };
  if (spec.aggregateLabel) {
    obj.aggregationRule = {
      clusterRoleSelectors: [{ matchLabels: { [spec.aggregateLabel]: "true" } }],
    };
  } else obj.rules = structuredClone(spec.rules ?? []);
  return obj;
}

function binding(
  kind: "ClusterRoleBinding" | "RoleBinding",
  name: string,
  namespace: string | undefined,
  roleKind: "ClusterRole" | "Role",
  role: string,
  subjects: Subject[],
): KubeObject {
  const obj: KubeObject = {
    apiVersion: API_VERSION,
    kind,
    metadata: metadata(name, namespace),
    roleRef: { apiGroup: RBAC_GROUP, kind: roleKind, name: role },
  };
  if (subjects.length) obj.subjects = structuredClone(subjects);
  return obj;
}

/** The whole bootstrap policy, freshly built (callers may change the objects). */
export function bootstrapPolicy(): BootstrapPolicy {
  const controllers = Object.entries(CONTROLLER_ROLES);
  return {
    clusterRoles: [
      ...[...CLUSTER_ROLES, ...K3S_CLUSTER_ROLES].map(clusterRole),
      ...controllers.map(([name, rules]) =>
        clusterRole({ name: `system:controller:${name}`, rules })
      ),
    ],
    clusterRoleBindings: [
      ...CLUSTER_BINDINGS.map(([name, role, subjects]) =>
        binding("ClusterRoleBinding", name, undefined, "ClusterRole", role, subjects)
      ),
      ...controllers.map(([name]) =>
        binding(
          "ClusterRoleBinding",
          `system:controller:${name}`,
          undefined,
          "ClusterRole",
          `system:controller:${name}`,
          [serviceAccount("kube-system", name)],
        )
      ),
    ],
    roles: NAMESPACED_ROLES.map((r) => ({
      apiVersion: API_VERSION,
      kind: "Role",
      metadata: metadata(r.name, r.namespace),
      rules: structuredClone(r.rules),
    })),
    roleBindings: ROLE_BINDINGS.map(([ns, name, role, subjects]) =>
      binding("RoleBinding", name, ns, "Role", role, subjects)
    ),
  };
}

/**
 * The bootstrap cluster roles every cluster starts with (upstream's `ClusterRoles()`), plus
 * K3s's own. Data only; {@link bootstrapPolicy} turns them into objects.
 *
 * @module
 */
import { core, events, READ, READ_WRITE, rule, urls, WRITE } from "./bootstrap_policy_rules.ts";
import type { PolicyRule } from "./rbac_rules.ts";

/** A cluster role of the bootstrap policy. */
export interface RoleSpec {
  name: string;
  rules?: PolicyRule[];
  labels?: Record<string, string>;
  /** Aggregates the rules of cluster roles with this label set to "true". */
  aggregateLabel?: string;
}

export const AGGREGATE_TO_ADMIN = "rbac.authorization.k8s.io/aggregate-to-admin";
export const AGGREGATE_TO_EDIT = "rbac.authorization.k8s.io/aggregate-to-edit";
export const AGGREGATE_TO_VIEW = "rbac.authorization.k8s.io/aggregate-to-view";

const AUTHN = "authentication.k8s.io";
const AUTHZ = "authorization.k8s.io";
const CERTS = "certificates.k8s.io";
const COORD = "coordination.k8s.io";
const STORAGE = "storage.k8s.io";
const APPS_EXT = ["apps", "extensions"];

function approver(signer: string): PolicyRule[] {
  return [rule(["approve"], [CERTS], ["signers"], [signer])];
}

/** The kubelet's rules (system:node); the Node authorizer narrows them per node. */
export const NODE_RULES: PolicyRule[] = [
  rule(["create"], [AUTHN], ["tokenreviews"]),
  rule(["create"], [AUTHZ], ["subjectaccessreviews", "localsubjectaccessreviews"]),
  core(READ, ["services"]),
  core(["create", "get", "list", "watch"], ["nodes"]),
  core(["update", "patch"], ["nodes/status"]),
  core(["update", "patch"], ["nodes"]),
  core(["create", "update", "patch"], ["events"]),
  core(READ, ["pods"]),
  core(["create", "delete"], ["pods"]),
  core(["update", "patch"], ["pods/status"]),
  core(["create"], ["pods/eviction"]),
  core(READ, ["secrets", "configmaps"]),
  core(["get"], ["persistentvolumeclaims", "persistentvolumes"]),
  core(["get"], ["endpoints"]),
  rule(["create", "get", "list", "watch"], [CERTS], ["certificatesigningrequests"]),
  rule(["get", "create", "update", "patch", "delete"], [COORD], ["leases"]),
  rule(["get"], [STORAGE], ["volumeattachments"]),
  core(["create"], ["serviceaccounts/token"]),
  core(["get", "update", "patch"], ["persistentvolumeclaims/status"]),
  rule(READ, [STORAGE], ["csidrivers"]),
  rule(["get", "create", "update", "patch", "delete"], [STORAGE], ["csinodes"]),
  rule(READ, ["node.k8s.io"], ["runtimeclasses"]),
];

export const CLUSTER_ROLES: RoleSpec[] = [
  {
    name: "cluster-admin",
    rules: [rule(["*"], ["*"], ["*"]), urls(["*"], ["*"])],
  },
  {
    name: "system:discovery",
    rules: [urls(["get"], [
      "/livez",
      "/readyz",
      "/healthz",
      "/version",
      "/version/",
      "/openapi",
      "/openapi/*",
      "/api",
      "/api/*",
      "/apis",
      "/apis/*",
    ])],
  },
  {
    name: "system:monitoring",
    rules: [urls(["get"], [
      "/metrics",
      "/metrics/slis",
      "/livez",
      "/readyz",
      "/healthz",
      "/livez/*",
      "/readyz/*",
      "/healthz/*",
    ])],
  },
  {
    name: "system:basic-user",
    rules: [
      rule(["create"], [AUTHZ], ["selfsubjectaccessreviews", "selfsubjectrulesreviews"]),
      rule(["create"], [AUTHN], ["selfsubjectreviews"]),
    ],
  },
  {
    name: "system:public-info-viewer",
    rules: [urls(["get"], ["/livez", "/readyz", "/healthz", "/version", "/version/"])],
  },
  { name: "admin", aggregateLabel: AGGREGATE_TO_ADMIN },
  { name: "edit", aggregateLabel: AGGREGATE_TO_EDIT, labels: { [AGGREGATE_TO_ADMIN]: "true" } },
  { name: "view", aggregateLabel: AGGREGATE_TO_VIEW, labels: { [AGGREGATE_TO_EDIT]: "true" } },
  {
    name: "system:aggregate-to-admin",
    labels: { [AGGREGATE_TO_ADMIN]: "true" },
    rules: [
      rule(["create"], [AUTHZ], ["localsubjectaccessreviews"]),
      rule(READ_WRITE, ["rbac.authorization.k8s.io"], ["roles", "rolebindings"]),
    ],
  },
  {
    name: "system:aggregate-to-edit",
    labels: { [AGGREGATE_TO_EDIT]: "true" },
    rules: [
      core(READ, [
        "pods/attach",
        "pods/proxy",
        "pods/exec",
        "pods/portforward",
        "secrets",
        "services/proxy",
      ]),
      core(["impersonate"], ["serviceaccounts"]),
      core(WRITE, ["pods", "pods/attach", "pods/proxy", "pods/exec", "pods/portforward"]),
      core(["create"], ["pods/eviction"]),
      core(WRITE, [
        "replicationcontrollers",
        "replicationcontrollers/scale",
        "serviceaccounts",
        "services",
        "services/proxy",
        "persistentvolumeclaims",
        "configmaps",
        "secrets",
        "events",
      ]),
      core(["create"], ["serviceaccounts/token"]),
      rule(WRITE, ["apps"], [
        "statefulsets",
        "statefulsets/scale",
        "daemonsets",
        "deployments",
        "deployments/scale",
        "deployments/rollback",
        "replicasets",
        "replicasets/scale",
      ]),
      rule(WRITE, ["autoscaling"], ["horizontalpodautoscalers"]),
      rule(WRITE, ["batch"], ["jobs", "cronjobs"]),
      rule(WRITE, ["extensions"], [
        "daemonsets",
        "deployments",
        "deployments/scale",
        "deployments/rollback",
        "ingresses",
        "replicasets",
        "replicasets/scale",
        "replicationcontrollers/scale",
        "networkpolicies",
      ]),
      rule(WRITE, ["policy"], ["poddisruptionbudgets"]),
      rule(WRITE, ["networking.k8s.io"], ["networkpolicies", "ingresses"]),
      rule(READ_WRITE, [COORD], ["leases"]),
    ],
  },
  {
    name: "system:aggregate-to-view",
    labels: { [AGGREGATE_TO_VIEW]: "true" },
    rules: [
      core(READ, [
        "pods",
        "replicationcontrollers",
        "replicationcontrollers/scale",
        "serviceaccounts",
        "services",
        "services/status",
        "endpoints",
        "persistentvolumeclaims",
        "persistentvolumeclaims/status",
        "configmaps",
      ]),
      core(READ, [
        "limitranges",
        "resourcequotas",
        "bindings",
        "events",
        "pods/status",
        "resourcequotas/status",
        "namespaces/status",
        "replicationcontrollers/status",
        "pods/log",
      ]),
      core(READ, ["namespaces"]),
      rule(READ, ["discovery.k8s.io"], ["endpointslices"]),
      rule(READ, ["apps"], [
        "controllerrevisions",
        "statefulsets",
        "statefulsets/status",
        "statefulsets/scale",
        "daemonsets",
        "daemonsets/status",
        "deployments",
        "deployments/status",
        "deployments/scale",
        "replicasets",
        "replicasets/status",
        "replicasets/scale",
      ]),
      rule(READ, ["autoscaling"], ["horizontalpodautoscalers", "horizontalpodautoscalers/status"]),
      rule(READ, ["batch"], ["jobs", "cronjobs", "cronjobs/status", "jobs/status"]),
      rule(READ, ["extensions"], [
        "daemonsets",
        "daemonsets/status",
        "deployments",
        "deployments/scale",
        "deployments/status",
        "ingresses",
        "ingresses/status",
        "replicasets",
        "replicasets/scale",
        "replicasets/status",
        "replicationcontrollers/scale",
        "networkpolicies",
      ]),
      rule(READ, ["policy"], ["poddisruptionbudgets", "poddisruptionbudgets/status"]),
      rule(READ, ["networking.k8s.io"], ["ingresses", "ingresses/status", "networkpolicies"]),
    ],
  },
  {
    name: "system:heapster",
    rules: [
      core(READ, ["events", "pods", "nodes", "namespaces"]),
      rule(READ, ["extensions"], ["deployments"]),
    ],
  },
  { name: "system:node", rules: NODE_RULES },
  {
    name: "system:node-problem-detector",
    rules: [core(["get"], ["nodes"]), core(["patch"], ["nodes/status"]), events()],
  },
  {
    name: "system:kubelet-api-admin",
    rules: [
      core(READ, ["nodes"]),
      core(["proxy"], ["nodes"]),
      core(["*"], ["nodes/proxy", "nodes/metrics", "nodes/stats", "nodes/log"]),
    ],
  },
  {
    name: "system:node-bootstrapper",
    rules: [rule(["create", "get", "list", "watch"], [CERTS], ["certificatesigningrequests"])],
  },
  {
    name: "system:auth-delegator",
    rules: [
      rule(["create"], [AUTHN], ["tokenreviews"]),
      rule(["create"], [AUTHZ], ["subjectaccessreviews"]),
    ],
  },
  { name: "system:kube-aggregator", rules: [core(READ, ["services", "endpoints"])] },
  {
    name: "system:kube-controller-manager",
    rules: [
      events(),
      rule(["create"], [COORD], ["leases"]),
      rule(["get", "update"], [COORD], ["leases"], ["kube-controller-manager"]),
      core(["create"], ["secrets", "serviceaccounts"]),
      core(["delete"], ["secrets"]),
      core(["get"], ["namespaces", "secrets", "serviceaccounts", "configmaps"]),
      core(["update"], ["secrets", "serviceaccounts"]),
      rule(["create"], [AUTHN], ["tokenreviews"]),
      rule(["create"], [AUTHZ], ["subjectaccessreviews"]),
      rule(["list", "watch"], ["*"], ["*"]),
      core(["create"], ["serviceaccounts/token"]),
    ],
  },
  {
    name: "system:kube-dns",
    rules: [core(["list", "watch"], ["endpoints", "services"])],
  },
  {
    name: "system:persistent-volume-provisioner",
    rules: [
      core(["get", "list", "watch", "create", "delete"], ["persistentvolumes"]),
      core(["get", "list", "watch", "update"], ["persistentvolumeclaims"]),
      rule(READ, [STORAGE], ["storageclasses"]),
      core(["watch"], ["events"]),
      events(),
    ],
  },
  {
    name: "system:certificates.k8s.io:kube-apiserver-client-approver",
    rules: approver("kubernetes.io/kube-apiserver-client"),
  },
  {
    name: "system:certificates.k8s.io:kube-apiserver-client-kubelet-approver",
    rules: approver("kubernetes.io/kube-apiserver-client-kubelet"),
  },
  {
    name: "system:certificates.k8s.io:kubelet-serving-approver",
    rules: approver("kubernetes.io/kubelet-serving"),
  },
  {
    name: "system:certificates.k8s.io:legacy-unknown-approver",
    rules: approver("kubernetes.io/legacy-unknown"),
  },
  {
    name: "system:certificates.k8s.io:certificatesigningrequests:nodeclient",
    rules: [rule(["create"], [CERTS], ["certificatesigningrequests/nodeclient"])],
  },
  {
    name: "system:certificates.k8s.io:certificatesigningrequests:selfnodeclient",
    rules: [rule(["create"], [CERTS], ["certificatesigningrequests/selfnodeclient"])],
  },
  {
    name: "system:kube-scheduler",
    rules: [
      events(),
      rule(["create"], [COORD], ["leases"]),
      rule(["get", "update"], [COORD], ["leases"], ["kube-scheduler"]),
      core(READ, ["nodes"]),
      core(["get", "list", "watch", "delete"], ["pods"]),
      core(["create"], ["pods/binding", "bindings"]),
      core(["patch", "update"], ["pods/status"]),
      core(READ, ["replicationcontrollers", "services"]),
      rule(READ, APPS_EXT, ["replicasets"]),
      rule(READ, ["apps"], ["statefulsets"]),
      rule(READ, ["policy"], ["poddisruptionbudgets"]),
      core(READ, ["persistentvolumeclaims", "persistentvolumes"]),
      rule(["create"], [AUTHN], ["tokenreviews"]),
      rule(["create"], [AUTHZ], ["subjectaccessreviews"]),
      rule(READ, [STORAGE], ["csinodes"]),
      core(READ, ["namespaces"]),
      rule(READ, [STORAGE], ["csidrivers"]),
      rule(READ, [STORAGE], ["csistoragecapacities"]),
    ],
  },
  {
    name: "system:volume-scheduler",
    rules: [
      core(["get", "list", "watch", "patch", "update"], ["persistentvolumes"]),
      rule(READ, [STORAGE], ["storageclasses"]),
      core(["get", "list", "watch", "patch", "update"], ["persistentvolumeclaims"]),
    ],
  },
  {
    name: "system:node-proxier",
    rules: [
      core(["list", "watch"], ["services", "endpoints"]),
      core(READ, ["nodes"]),
      events(),
      rule(["list", "watch"], ["discovery.k8s.io"], ["endpointslices"]),
    ],
  },
  {
    name: "system:service-account-issuer-discovery",
    rules: [urls(["get"], ["/.well-known/openid-configuration", "/openid/v1/jwks"])],
  },
];

/** K3s's own cluster roles (`manifests/rolebindings.yaml` and `ccm.yaml` in K3s). */
export const K3S_CLUSTER_ROLES: RoleSpec[] = [
  {
    name: "system:k3s-controller",
    rules: [
      core(["get"], ["nodes"]),
      core(["list", "watch"], ["namespaces"]),
      rule(["list", "watch"], ["networking.k8s.io"], ["networkpolicies"]),
      core(["list", "get", "watch"], ["endpoints", "pods"]),
    ],
  },
  {
    name: "k3s-cloud-controller-manager",
    rules: [
      rule(["get", "create", "update"], [COORD], ["leases"]),
      core(["create", "patch", "update"], ["events"]),
      core(["*"], ["nodes"]),
      core(["patch"], ["nodes/status"]),
      core(["list", "patch", "update", "watch"], ["services"]),
      core(["create"], ["serviceaccounts"]),
      core(["get", "list", "update", "watch"], ["persistentvolumes"]),
      core(["create", "get", "list", "watch", "update"], ["endpoints"]),
    ],
  },
];

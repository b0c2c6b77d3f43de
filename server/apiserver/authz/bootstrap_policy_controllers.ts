/**
 * The `system:controller:*` cluster roles, one per controller Kubernetes runs, each bound to the
 * controller's service account in kube-system (upstream's controller policy), and the
 * namespaced roles of kube-system and kube-public. Data only.
 *
 * @module
 */
import { core, events, READ, rule } from "./bootstrap_policy_rules.ts";
import type { PolicyRule } from "./rbac_rules.ts";

const APPS_EXT = ["apps", "extensions"];
const STORAGE = "storage.k8s.io";
const CERTS = "certificates.k8s.io";
const RESOURCE = "resource.k8s.io";
const NETWORKING = "networking.k8s.io";

/** Controller name (the service account in kube-system) to its rules. */
export const CONTROLLER_ROLES: Record<string, PolicyRule[]> = {
  "attachdetach-controller": [
    core(["list", "watch"], ["persistentvolumes", "persistentvolumeclaims"]),
    core(READ, ["nodes"]),
    core(["patch", "update"], ["nodes/status"]),
    core(["list", "watch"], ["pods"]),
    events(),
    rule(["get", "create", "delete", "list", "watch"], [STORAGE], ["volumeattachments"]),
    rule(READ, [STORAGE], ["csidrivers"]),
    rule(READ, [STORAGE], ["csinodes"]),
  ],
  "certificate-controller": [
    rule(["get", "list", "watch", "delete"], [CERTS], ["certificatesigningrequests"]),
    rule(["update"], [CERTS], [
      "certificatesigningrequests/status",
      "certificatesigningrequests/approval",
    ]),
    rule(["approve"], [CERTS], ["signers"], ["kubernetes.io/kube-apiserver-client-kubelet"]),
    rule(["sign"], [CERTS], ["signers"], [
      "kubernetes.io/legacy-unknown",
      "kubernetes.io/kube-apiserver-client",
      "kubernetes.io/kube-apiserver-client-kubelet",
      "kubernetes.io/kubelet-serving",
    ]),
    rule(["create"], ["authorization.k8s.io"], ["subjectaccessreviews"]),
    events(),
  ],
  "clusterrole-aggregation-controller": [
    rule(["escalate", "get", "list", "watch", "update", "patch"], ["rbac.authorization.k8s.io"], [
      "clusterroles",
    ]),
  ],
  "cronjob-controller": [
    rule(["get", "list", "watch", "update"], ["batch"], ["cronjobs"]),
    rule(["get", "list", "watch", "create", "update", "delete", "patch"], ["batch"], ["jobs"]),
    rule(["update"], ["batch"], ["cronjobs/status"]),
    rule(["update"], ["batch"], ["cronjobs/finalizers"]),
    core(["list", "watch", "delete"], ["pods"]),
    events(),
  ],
  "daemon-set-controller": [
    rule(READ, APPS_EXT, ["daemonsets"]),
    rule(["update"], APPS_EXT, ["daemonsets/status"]),
    rule(["update"], APPS_EXT, ["daemonsets/finalizers"]),
    core(["list", "watch"], ["nodes"]),
    core(["list", "watch", "create", "delete", "patch"], ["pods"]),
    core(["create"], ["pods/binding"]),
    rule(["get", "list", "watch", "create", "delete", "update", "patch"], ["apps"], [
      "controllerrevisions",
    ]),
    events(),
  ],
  "deployment-controller": [
    rule(["get", "list", "watch", "update"], APPS_EXT, ["deployments"]),
    rule(["update"], APPS_EXT, ["deployments/status"]),
    rule(["update"], APPS_EXT, ["deployments/finalizers"]),
    rule(["get", "list", "watch", "create", "update", "patch", "delete"], APPS_EXT, [
      "replicasets",
    ]),
    core(["get", "list", "watch", "update"], ["pods"]),
    events(),
  ],
  "device-taint-eviction-controller": [
    core(["get", "list", "watch", "delete"], ["pods"]),
    core(["update", "patch"], ["pods/status"]),
    rule(READ, [RESOURCE], ["resourceclaims"]),
    rule(READ, [RESOURCE], ["resourceslices"]),
    rule(READ, [RESOURCE], ["deviceclasses"]),
    events(),
  ],
  "disruption-controller": [
    rule(READ, APPS_EXT, ["deployments"]),
    rule(READ, APPS_EXT, ["replicasets"]),
    core(READ, ["replicationcontrollers"]),
    rule(READ, ["policy"], ["poddisruptionbudgets"]),
    rule(READ, ["apps"], ["statefulsets"]),
    rule(["update"], ["policy"], ["poddisruptionbudgets/status"]),
    core(["patch", "update"], ["pods/status"]),
    rule(["get"], ["*"], ["*/scale"]),
    events(),
  ],
  "endpoint-controller": [
    core(READ, ["services", "pods"]),
    core(["get", "list", "create", "update", "delete", "watch"], ["endpoints"]),
    core(["create"], ["endpoints/restricted"]),
    events(),
  ],
  "endpointslice-controller": [
    core(READ, ["services", "pods", "nodes"]),
    core(["update"], ["services/finalizers"]),
    rule(["create", "update", "delete", "get", "list", "watch"], ["discovery.k8s.io"], [
      "endpointslices",
    ]),
    events(),
  ],
  "endpointslicemirroring-controller": [
    core(READ, ["services", "endpoints"]),
    core(["update"], ["services/finalizers"]),
    core(["update"], ["endpoints/finalizers"]),
    rule(["create", "update", "delete", "get", "list", "watch"], ["discovery.k8s.io"], [
      "endpointslices",
    ]),
    events(),
  ],
  "ephemeral-volume-controller": [
    core(READ, ["pods"]),
    core(["update"], ["pods/finalizers"]),
    core(["get", "list", "watch", "create"], ["persistentvolumeclaims"]),
    events(),
  ],
  "expand-controller": [
    core(["get", "list", "watch", "update", "patch"], ["persistentvolumes"]),
    core(["update", "patch"], ["persistentvolumeclaims/status"]),
    core(READ, ["persistentvolumeclaims"]),
    events(),
  ],
  "generic-garbage-collector": [
    rule(["get", "list", "watch", "patch", "update", "delete"], ["*"], ["*"]),
    events(),
  ],
  "horizontal-pod-autoscaler": [
    rule(READ, ["autoscaling"], ["horizontalpodautoscalers"]),
    rule(["update"], ["autoscaling"], ["horizontalpodautoscalers/status"]),
    rule(["get", "update"], ["*"], ["*/scale"]),
    core(["list", "watch"], ["pods"]),
    rule(["list", "watch"], ["metrics.k8s.io"], ["pods"]),
    rule(READ, ["custom.metrics.k8s.io"], ["*"]),
    rule(READ, ["external.metrics.k8s.io"], ["*"]),
    events(),
  ],
  "job-controller": [
    rule(["get", "list", "watch", "update", "patch"], ["batch"], ["jobs"]),
    rule(["update"], ["batch"], ["jobs/status"]),
    rule(["update"], ["batch"], ["jobs/finalizers"]),
    core(["list", "watch", "create", "delete", "patch"], ["pods"]),
    events(),
  ],
  "legacy-service-account-token-cleaner": [
    core(["get"], ["configmaps"], ["kube-apiserver-legacy-service-account-token-tracking"]),
    core(["delete", "patch"], ["secrets"]),
  ],
  "namespace-controller": [
    core(["get", "list", "watch", "delete"], ["namespaces"]),
    core(["update"], ["namespaces/finalize", "namespaces/status"]),
    rule(["get", "list", "watch", "delete", "deletecollection"], ["*"], ["*"]),
  ],
  "node-controller": [
    core(["get", "list", "update", "delete", "patch", "watch"], ["nodes"]),
    core(["patch", "update"], ["nodes/status"]),
    core(["patch", "update"], ["pods/status"]),
    core(["list", "watch", "delete", "get"], ["pods"]),
    events(),
  ],
  "persistent-volume-binder": [
    core(["get", "list", "watch", "update", "create", "delete"], ["persistentvolumes"]),
    core(["update"], ["persistentvolumes/status"]),
    core(["get", "list", "watch", "update"], ["persistentvolumeclaims"]),
    core(["update"], ["persistentvolumeclaims/status"]),
    core(["list", "watch", "get", "create", "delete"], ["pods"]),
    rule(READ, [STORAGE], ["storageclasses"]),
    core(["list", "watch"], ["nodes"]),
    events(),
    core(["watch"], ["events"]),
  ],
  "pod-garbage-collector": [
    core(["list", "watch", "delete"], ["pods"]),
    core(READ, ["nodes"]),
    core(["patch"], ["pods/status"]),
  ],
  "pv-protection-controller": [
    core(["get", "list", "watch", "update"], ["persistentvolumes"]),
    events(),
  ],
  "pvc-protection-controller": [
    core(["get", "list", "watch", "update"], ["persistentvolumeclaims"]),
    core(["update"], ["persistentvolumeclaims/status"]),
    core(READ, ["pods"]),
    events(),
  ],
  "replicaset-controller": [
    rule(["get", "list", "watch", "update"], APPS_EXT, ["replicasets"]),
    rule(["update"], APPS_EXT, ["replicasets/status"]),
    rule(["update"], APPS_EXT, ["replicasets/finalizers"]),
    core(["list", "watch", "patch", "create", "delete"], ["pods"]),
    events(),
  ],
  "replication-controller": [
    core(["get", "list", "watch", "update"], ["replicationcontrollers"]),
    core(["update"], ["replicationcontrollers/status"]),
    core(["update"], ["replicationcontrollers/finalizers"]),
    core(["list", "watch", "patch", "create", "delete"], ["pods"]),
    events(),
  ],
  "resource-claim-controller": [
    core(READ, ["pods"]),
    core(["update"], ["pods/finalizers"]),
    rule(["get", "list", "watch", "create", "delete"], [RESOURCE], ["resourceclaims"]),
    rule(["update", "patch"], [RESOURCE], ["resourceclaims", "resourceclaims/status"]),
    core(["update", "patch"], ["pods/status"]),
    events(),
    rule(["update", "patch"], [RESOURCE], ["resourceclaims/binding"]),
  ],
  "resourcequota-controller": [
    rule(["list", "watch"], ["*"], ["*"]),
    core(["update"], ["resourcequotas/status"]),
    events(),
  ],
  "root-ca-cert-publisher": [
    core(["create", "update"], ["configmaps"]),
    events(),
  ],
  "route-controller": [
    core(["list", "watch"], ["nodes"]),
    core(["patch"], ["nodes/status"]),
    events(),
  ],
  "selinux-warning-controller": [
    events(),
    core(READ, ["persistentvolumes"]),
    core(READ, ["persistentvolumeclaims"]),
    core(READ, ["pods"]),
    rule(READ, [STORAGE], ["csidrivers"]),
  ],
  "service-account-controller": [
    core(["create"], ["serviceaccounts"]),
    events(),
  ],
  "service-cidrs-controller": [
    rule(["get", "list", "watch", "patch", "update"], [NETWORKING], ["servicecidrs"]),
    rule(["patch", "update"], [NETWORKING], ["servicecidrs/finalizers"]),
    rule(["patch", "update"], [NETWORKING], ["servicecidrs/status"]),
    rule(READ, [NETWORKING], ["ipaddresses"]),
    events(),
  ],
  "service-controller": [
    core(READ, ["services"]),
    core(["patch", "update"], ["services/status"]),
    core(["list", "watch"], ["nodes"]),
    events(),
  ],
  "statefulset-controller": [
    core(["list", "watch"], ["pods"]),
    rule(READ, ["apps"], ["statefulsets"]),
    rule(["update"], ["apps"], ["statefulsets/status"]),
    rule(["update"], ["apps"], ["statefulsets/finalizers"]),
    core(["get", "create", "delete", "update", "patch"], ["pods"]),
    rule(["get", "list", "watch", "create", "delete", "update", "patch"], ["apps"], [
      "controllerrevisions",
    ]),
    core(["get", "create", "list", "watch"], ["persistentvolumeclaims"]),
    core(["update", "delete"], ["persistentvolumeclaims"]),
    core(["update"], ["pods/finalizers"]),
    events(),
  ],
  "ttl-after-finished-controller": [
    rule(["get", "list", "watch", "delete"], ["batch"], ["jobs"]),
    events(),
  ],
  "ttl-controller": [
    core(["update", "patch", "list", "watch"], ["nodes"]),
    events(),
  ],
  "validatingadmissionpolicy-status-controller": [
    rule(READ, ["admissionregistration.k8s.io"], ["validatingadmissionpolicies"]),
    rule(["get", "patch", "update"], ["admissionregistration.k8s.io"], [
      "validatingadmissionpolicies/status",
    ]),
    events(),
  ],
  "volumeattributesclass-protection-controller": [
    core(READ, ["persistentvolumeclaims"]),
    core(READ, ["persistentvolumes"]),
    rule(["get", "list", "watch", "update"], [STORAGE], ["volumeattributesclasses"]),
    events(),
  ],
};

/** A namespaced role of the bootstrap policy. */
export interface NamespacedRoleSpec {
  namespace: string;
  name: string;
  rules: PolicyRule[];
}

const LEADER_LOCKING = [
  rule(["watch", "get", "list", "create", "update"], ["coordination.k8s.io"], ["leases"]),
  rule(["watch", "get", "list", "create", "update"], ["coordination.k8s.io"], ["leasecandidates"]),
];

export const NAMESPACED_ROLES: NamespacedRoleSpec[] = [
  {
    namespace: "kube-system",
    name: "extension-apiserver-authentication-reader",
    rules: [core(READ, ["configmaps"], ["extension-apiserver-authentication"])],
  },
  {
    namespace: "kube-system",
    name: "system::leader-locking-kube-controller-manager",
    rules: LEADER_LOCKING,
  },
  {
    namespace: "kube-system",
    name: "system::leader-locking-kube-scheduler",
    rules: LEADER_LOCKING,
  },
  {
    namespace: "kube-system",
    name: "system:controller:bootstrap-signer",
    rules: [core(READ, ["secrets"])],
  },
  {
    namespace: "kube-system",
    name: "system:controller:cloud-provider",
    rules: [core(["create", "get", "list", "watch"], ["configmaps"])],
  },
  {
    namespace: "kube-system",
    name: "system:controller:token-cleaner",
    rules: [core(["delete", "get", "list", "watch"], ["secrets"]), events()],
  },
  {
    namespace: "kube-public",
    name: "system:controller:bootstrap-signer",
    rules: [
      core(READ, ["configmaps"]),
      core(["update"], ["configmaps"], ["cluster-info"]),
      events(),
    ],
  },
];

/**
 * The non-workload controllers of `k3s server`, as {@link ControllerDescriptor}s for the
 * {@link ControllerManager}, each under its upstream name and acting as its upstream service
 * account:
 *
 * | name | does |
 * | --- | --- |
 * | `serviceaccount` | a `default` ServiceAccount in every namespace |
 * | `root-ca-certificate-publisher` | the `kube-root-ca.crt` ConfigMap in every namespace |
 * | `endpoint` | core/v1 Endpoints of services with a selector |
 * | `endpointslice` | discovery.k8s.io/v1 EndpointSlices of services with a selector |
 * | `nodeipam` | `spec.podCIDRs` from `--cluster-cidr` |
 * | `nodelifecycle` | silent nodes to Unknown, condition taints |
 * | `taint-eviction-controller` | pods off nodes with NoExecute taints they do not tolerate |
 * | `podgc` | finished pods above a threshold, pods of deleted nodes, unscheduled terminating pods |
 * | `resourcequota` | ResourceQuota `status.used`, recomputed on changes and every 5 min |
 * | `disruption` | PodDisruptionBudget status |
 *
 * The eviction side of budgets is the API server's (`pods/eviction`). There is no
 * horizontal pod autoscaler: it needs a metrics API, which the server does not serve yet.
 *
 * ```ts
 * new ControllerManager({ client, controllers: [...coreControllers({ clients, caPem })] });
 * ```
 *
 * @module
 */
import type { KubeClient } from "../../../kube/client/mod.ts";
import type { ControllerDescriptor } from "../framework/mod.ts";
import { RootCaPublisher } from "./root_ca.ts";
import { ServiceAccountController } from "./service_account.ts";
import { EndpointsController } from "./endpoints.ts";
import { EndpointSliceController } from "./endpoint_slices.ts";
import { NodeIpamController } from "./node_ipam.ts";
import { type NodeLifecycleConfig, NodeLifecycleController } from "./node_lifecycle.ts";
import { type PodGcConfig, PodGcController } from "./pod_gc.ts";
import { TaintEvictionController } from "./taint_eviction.ts";
import { ResourceQuotaController } from "./resource_quota.ts";
import { DisruptionController } from "./disruption.ts";

export { namespaceInactive, ServiceAccountController } from "./service_account.ts";
export { ROOT_CA_CONFIGMAP, RootCaPublisher } from "./root_ca.ts";
export { EndpointsController, endpointSubsets } from "./endpoints.ts";
export {
  desiredSlices,
  EndpointSliceController,
  MANAGED_BY,
  MANAGED_BY_LABEL,
  SERVICE_NAME_LABEL,
} from "./endpoint_slices.ts";
export { type NodeIpamConfig, NodeIpamController } from "./node_ipam.ts";
export {
  desiredTaints,
  type NodeLifecycleConfig,
  NodeLifecycleController,
  TAINT_NOT_READY,
  TAINT_UNREACHABLE,
} from "./node_lifecycle.ts";
export { TaintEvictionController, tolerationMs } from "./taint_eviction.ts";
export { type PodGcConfig, PodGcController } from "./pod_gc.ts";
export { type ResourceQuotaConfig, ResourceQuotaController } from "./resource_quota.ts";
export { DisruptionController } from "./disruption.ts";

/** What the core controllers need from the server. */
export interface CoreControllerDeps {
  /** A client per service account (`system:serviceaccount:kube-system:<name>`). */
  clients: { clientFor(serviceAccount: string): KubeClient };
  /** The server CA (PEM), published as `kube-root-ca.crt`. */
  caPem: string;
  /** `--cluster-cidr` (default `10.42.0.0/16`). */
  clusterCidr?: readonly string[];
  /** Node monitoring periods (defaults: upstream's 40 s grace, 5 s period). */
  nodeLifecycle?: Pick<
    NodeLifecycleConfig,
    "gracePeriodMs" | "startupGracePeriodMs" | "monitorPeriodMs"
  >;
  /** Pod GC settings (defaults: 12500 finished pods, every 20 s). */
  podGc?: Pick<PodGcConfig, "terminatedPodThreshold" | "gcPeriodMs" | "quarantineMs">;
}

/** Every core controller, in the order they start. */
export function coreControllers(deps: CoreControllerDeps): ControllerDescriptor[] {
  const as = (sa: string) => deps.clients.clientFor(sa);
  return [
    {
      name: "serviceaccount",
      workers: 2,
      create: (ctx) =>
        new ServiceAccountController({
          ...ctx,
          name: "serviceaccount",
          client: as("service-account-controller"),
        }),
    },
    {
      name: "root-ca-certificate-publisher",
      workers: 2,
      create: (ctx) =>
        new RootCaPublisher({
          ...ctx,
          name: "root-ca-certificate-publisher",
          client: as("root-ca-cert-publisher"),
          caPem: deps.caPem,
        }),
    },
    {
      name: "endpoint",
      workers: 5,
      create: (ctx) =>
        new EndpointsController({ ...ctx, name: "endpoint", client: as("endpoint-controller") }),
    },
    {
      name: "endpointslice",
      workers: 5,
      create: (ctx) =>
        new EndpointSliceController({
          ...ctx,
          name: "endpointslice",
          client: as("endpointslice-controller"),
        }),
    },
    {
      name: "nodeipam",
      create: (ctx) =>
        new NodeIpamController({
          ...ctx,
          name: "nodeipam",
          client: as("node-controller"),
          clusterCidr: deps.clusterCidr,
        }),
    },
    {
      name: "nodelifecycle",
      workers: 2,
      create: (ctx) =>
        new NodeLifecycleController({
          ...ctx,
          ...deps.nodeLifecycle,
          name: "nodelifecycle",
          client: as("node-controller"),
        }),
    },
    {
      name: "taint-eviction-controller",
      workers: 2,
      create: (ctx) =>
        new TaintEvictionController({
          ...ctx,
          name: "taint-eviction-controller",
          client: as("node-controller"),
        }),
    },
    {
      name: "podgc",
      create: (ctx) =>
        new PodGcController({
          ...ctx,
          ...deps.podGc,
          name: "podgc",
          client: as("pod-garbage-collector"),
        }),
    },
    {
      name: "resourcequota",
      workers: 5,
      create: (ctx) =>
        new ResourceQuotaController({
          ...ctx,
          name: "resourcequota",
          client: as("resourcequota-controller"),
        }),
    },
    {
      name: "disruption",
      workers: 2,
      create: (ctx) =>
        new DisruptionController({
          ...ctx,
          name: "disruption",
          client: as("disruption-controller"),
        }),
    },
  ];
}

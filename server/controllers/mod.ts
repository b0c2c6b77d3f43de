/**
 * The workload controllers of `k3s server` — replicaset, replicationcontroller, deployment,
 * statefulset, daemonset, job, cronjob, ttl-after-finished, horizontalpodautoscaling,
 * garbagecollector, persistentvolume-binder, namespace — and
 * their start inside the server.
 *
 * - {@link startControllerManager} (`start.ts`): runs them behind the
 *   `kube-system/kube-controller-manager` Lease with the `system:kube-controller-manager`
 *   certificate; each controller acts as its own service account
 *   ({@link ServiceAccountClients}, `credentials.ts`), as upstream with
 *   `--use-service-account-credentials`.
 * - {@link workloadControllers} (`controllers.ts`): the descriptors, for a custom manager.
 * - Shared rules in `common/`: ownership and adoption (`owner.ts`), expectations, pod
 *   predicates and deletion order (`pods.ts`), template hashes (`hash.ts`), status writes.
 *
 * @module
 */
export {
  type ControllerClients,
  type WorkloadControllerOptions,
  workloadControllers,
} from "./controllers.ts";
export { hpaSettings } from "./hpa/mod.ts";
export { ServiceAccountClients, type ServiceAccountClientsOptions } from "./credentials.ts";
export {
  type RunningControllerManager,
  startControllerManager,
  type StartControllerManagerOptions,
} from "./start.ts";

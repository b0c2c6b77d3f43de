/**
 * The kubelet: the node half of Kubernetes, built over the CRI ({@link Kubelet}).
 *
 * - Node (`node.ts`, `node_status.ts`, `machine.ts`): registration with capacity, labels,
 *   taints, addresses and node info; the status loop; the Lease in `kube-node-lease`.
 * - Pods (`pod_source.ts`, `pod_workers.ts`, `sync.ts`): the pods bound to this node and static
 *   pods; a relist of the runtime every second; one sync at a time per pod: `actions.ts` decides
 *   (pure), `sync.ts` does (sandbox, init containers, sidecars, containers, hooks), `kill.ts`
 *   stops and removes, `status.ts` reports (pure) and `status_manager.ts` writes only changes.
 * - Containers: `sandbox_config.ts`, `container_config.ts`, `env.ts`, `resources.ts` turn a pod
 *   spec into CRI configs; `images.ts` pulls with backoff; `prober.ts` and `handlers.ts` run
 *   probes and lifecycle hooks; `backoff.ts` is CrashLoopBackOff's.
 * - Volumes (`volumes/`): emptyDir, configMap, secret, downwardAPI, projected (service account
 *   tokens), hostPath and claims, written atomically and refreshed.
 * - The HTTPS API on 10250 (`server/`): logs, exec, attach, port-forward, pods, healthz.
 *
 * @module
 */
export { Kubelet, type KubeletOptions } from "./kubelet.ts";
export { computePodActions, type PodActions } from "./actions.ts";
export { computePodStatus } from "./status.ts";
export {
  KubeletServer,
  type KubeletServerOptions,
  type KubeletServerTls,
} from "./server/server.ts";

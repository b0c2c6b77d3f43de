/**
 * What the endpoints and endpointslice controllers share: which services select a pod, which
 * pods belong in a service's endpoints, and the port a service port reaches on one pod
 * (upstream `pkg/controller/util/endpoint` and `podutil.FindPort`).
 *
 * @module
 */
import {
  BY_NAMESPACE,
  type Cache,
  type ObjectReference,
  type Pod,
} from "../../../kube/client/mod.ts";
import { selectorFromSet } from "../../../kube/labels.ts";
import type { Service, ServicePort } from "./types.ts";

/** The keys of the services in the pod's namespace whose selector matches it. */
export function servicesSelecting(pod: Pod, services: Cache<Service>): string[] {
  const ns = pod.metadata.namespace ?? "";
  const keys: string[] = [];
  for (const svc of services.byIndex(BY_NAMESPACE, ns)) {
    const sel = svc.spec?.selector;
    if (!sel || !Object.keys(sel).length) continue;
    if (selectorFromSet(sel).matches(pod.metadata.labels)) keys.push(`${ns}/${svc.metadata.name}`);
  }
  return keys;
}

/** The selector of a service the controllers manage endpoints for, or undefined. */
export function managedSelector(svc: Service): Record<string, string> | undefined {
  const sel = svc.spec?.selector;
  return sel && Object.keys(sel).length ? sel : undefined;
}

/** The pods of the namespace the service's selector matches. */
export function selectedPods(svc: Service, pods: Cache<Pod>): Pod[] {
  const sel = managedSelector(svc);
  if (!sel) return [];
  const selector = selectorFromSet(sel);
  return pods.byIndex(BY_NAMESPACE, svc.metadata.namespace ?? "")
    .filter((p) => selector.matches(p.metadata.labels));
}

function isTerminal(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase === "Succeeded" || phase === "Failed";
}

/** `ShouldPodBeInEndpoints`: has an IP and has not finished (terminating ones optionally). */
export function shouldBeInEndpoints(pod: Pod, includeTerminating: boolean): boolean {
  if (isTerminal(pod)) return false;
  if (!pod.status?.podIP && !pod.status?.podIPs?.length) return false;
  return includeTerminating || !pod.metadata.deletionTimestamp;
}

/** The Ready condition is True. */
export function podReady(pod: Pod): boolean {
  return pod.status?.conditions?.find((c) => c.type === "Ready")?.status === "True";
}

/**
 * The container port a service port reaches on `pod`: a number as it is, a name looked up
 * among the pod's container ports of the same protocol; undefined when the name is not there.
 */
export function findPort(pod: Pod, port: ServicePort): number | undefined {
  const target = port.targetPort ?? port.port;
  if (typeof target === "number") return target;
  if (/^\d+$/.test(target)) return Number(target);
  const protocol = port.protocol ?? "TCP";
  for (const c of pod.spec?.containers ?? []) {
    for (const p of c.ports ?? []) {
      if (p.name === target && (p.protocol ?? "TCP") === protocol) return p.containerPort;
    }
  }
  return undefined;
}

/** The pod's IPs (primary first). */
export function podIps(pod: Pod): string[] {
  const ips = (pod.status?.podIPs ?? []).map((p) => p.ip).filter(Boolean);
  if (!ips.length && pod.status?.podIP) ips.push(pod.status.podIP);
  return ips;
}

/** A `Pod` object reference for an endpoint's targetRef. */
export function podRef(pod: Pod): ObjectReference {
  return {
    kind: "Pod",
    namespace: pod.metadata.namespace,
    name: pod.metadata.name,
    uid: pod.metadata.uid,
  };
}

/** The pod's DNS hostname under the service, when its `subdomain` names the service. */
export function podHostname(pod: Pod, svc: Service): string | undefined {
  const spec = pod.spec as { hostname?: string; subdomain?: string } | undefined;
  if (!spec?.hostname || spec.subdomain !== svc.metadata.name) return undefined;
  return pod.metadata.namespace === svc.metadata.namespace ? spec.hostname : undefined;
}

/** True for a headless service (`clusterIP: None`). */
export function isHeadless(svc: Service): boolean {
  return svc.spec?.clusterIP === "None";
}

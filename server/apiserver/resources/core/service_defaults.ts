/**
 * Service defaults (upstream's `SetDefaults_Service` plus the registry's IP-family and
 * clusterIPs normalisation) and the type predicates the allocator and validation share.
 *
 * @module
 */
import { deepEqual, type KubeObject } from "../../../../kube/meta.ts";
import { field } from "./columns.ts";
import { parseIp } from "./service_ip.ts";
import type { IpFamily } from "./service_ip.ts";
import { arr, child, type Obj, obj, objs, setDefault, str } from "./util.ts";

/** Not ExternalName: the service has (or is) a cluster IP. */
export function hasClusterIP(spec: Obj): boolean {
  return spec.type !== "ExternalName";
}

/** Has a real cluster IP to allocate (not ExternalName, not headless). */
export function needsClusterIP(spec: Obj): boolean {
  return hasClusterIP(spec) && str(spec.clusterIP) !== "None";
}

/** NodePort, or LoadBalancer unless `allocateLoadBalancerNodePorts` is false. */
export function needsNodePorts(spec: Obj): boolean {
  return spec.type === "NodePort" ||
    (spec.type === "LoadBalancer" && spec.allocateLoadBalancerNodePorts !== false);
}

/** LoadBalancer with `externalTrafficPolicy: Local` gets a health-check node port. */
export function needsHealthCheckPort(spec: Obj): boolean {
  return spec.type === "LoadBalancer" && spec.externalTrafficPolicy === "Local";
}

/** NodePort, LoadBalancer, or ClusterIP with external IPs. */
export function externallyAccessible(spec: Obj): boolean {
  return spec.type === "NodePort" || spec.type === "LoadBalancer" ||
    (spec.type === "ClusterIP" && arr(spec.externalIPs).length > 0);
}

/** Applies the service defaults in place; `family` is the service CIDR's. */
export function defaultService(svc: KubeObject, family: IpFamily): void {
  const spec = child(svc, "spec");
  setDefault(spec, "sessionAffinity", "None");
  if (spec.sessionAffinity === "None") delete spec.sessionAffinityConfig;
  if (spec.sessionAffinity === "ClientIP") {
    const timeout = obj(obj(spec.sessionAffinityConfig)?.clientIP)?.timeoutSeconds;
    if (typeof timeout !== "number") {
      spec.sessionAffinityConfig = { clientIP: { timeoutSeconds: 10800 } };
    }
  }
  setDefault(spec, "type", "ClusterIP");
  for (const p of objs(spec.ports)) {
    setDefault(p, "protocol", "TCP");
    if (
      p.targetPort === undefined || p.targetPort === null || p.targetPort === 0 ||
      p.targetPort === ""
    ) {
      p.targetPort = p.port;
    }
  }
  if (externallyAccessible(spec)) setDefault(spec, "externalTrafficPolicy", "Cluster");
  if (spec.type !== "ExternalName") setDefault(spec, "internalTrafficPolicy", "Cluster");
  if (spec.type === "LoadBalancer" && typeof spec.allocateLoadBalancerNodePorts !== "boolean") {
    spec.allocateLoadBalancerNodePorts = true;
  }
  const ips = arr(spec.clusterIPs);
  if (str(spec.clusterIP) && ips.length === 0) spec.clusterIPs = [spec.clusterIP];
  else if (!str(spec.clusterIP) && ips.length > 0) spec.clusterIP = ips[0];
  if (hasClusterIP(spec)) {
    setDefault(spec, "ipFamilyPolicy", "SingleStack");
    if (arr(spec.ipFamilies).length === 0) {
      spec.ipFamilies = [parseIp(str(spec.clusterIP))?.family ?? family];
    }
  }
}

/**
 * Upstream's `patchAllocatedValues` and `dropTypeDependentFields` for an update: values the
 * client left out are carried from the old service, and values tied to a type the service no
 * longer has are cleared when the client did not change them.
 */
export function carryAllocatedValues(spec: Obj, oldSpec: Obj): void {
  const ips = arr(spec.clusterIPs);
  if (needsClusterIP(oldSpec) && spec.type !== "ExternalName" && str(spec.clusterIP) !== "None") {
    if (!str(spec.clusterIP) && !str(ips[0])) {
      spec.clusterIP = oldSpec.clusterIP;
      spec.clusterIPs = oldSpec.clusterIPs;
    }
  }
  if (needsNodePorts(oldSpec) && needsNodePorts(spec)) {
    const used = new Set(objs(spec.ports).map((p) => p.nodePort).filter(Boolean));
    const byName = new Map(objs(oldSpec.ports).map((p) => [str(p.name), p.nodePort]));
    for (const p of objs(spec.ports)) {
      const old = byName.get(str(p.name));
      if (!p.nodePort && old && !used.has(old)) p.nodePort = old;
    }
  }
  if (needsHealthCheckPort(oldSpec) && needsHealthCheckPort(spec) && !spec.healthCheckNodePort) {
    spec.healthCheckNodePort = oldSpec.healthCheckNodePort;
  }
  if (hasClusterIP(oldSpec) && !hasClusterIP(spec)) {
    if (spec.clusterIP === oldSpec.clusterIP && deepEqual(spec.clusterIPs, oldSpec.clusterIPs)) {
      delete spec.clusterIP;
      delete spec.clusterIPs;
    }
    if (deepEqual(spec.ipFamilies, oldSpec.ipFamilies)) delete spec.ipFamilies;
    if (spec.ipFamilyPolicy === oldSpec.ipFamilyPolicy) delete spec.ipFamilyPolicy;
  }
  if (needsNodePorts(oldSpec) && !needsNodePorts(spec) && sameNodePorts(spec, oldSpec)) {
    for (const p of objs(spec.ports)) delete p.nodePort;
  }
  if (
    needsHealthCheckPort(oldSpec) && !needsHealthCheckPort(spec) &&
    spec.healthCheckNodePort === oldSpec.healthCheckNodePort
  ) {
    delete spec.healthCheckNodePort;
  }
  if (
    spec.type !== "LoadBalancer" &&
    spec.allocateLoadBalancerNodePorts === oldSpec.allocateLoadBalancerNodePorts
  ) {
    delete spec.allocateLoadBalancerNodePorts;
  }
  if (!externallyAccessible(spec) && spec.externalTrafficPolicy === oldSpec.externalTrafficPolicy) {
    delete spec.externalTrafficPolicy;
  }
  if (
    spec.type === "ExternalName" && spec.internalTrafficPolicy === oldSpec.internalTrafficPolicy
  ) {
    delete spec.internalTrafficPolicy;
  }
}

function sameNodePorts(spec: Obj, oldSpec: Obj): boolean {
  const mine = objs(spec.ports).map((p) => p.nodePort ?? 0);
  const theirs = objs(oldSpec.ports).map((p) => p.nodePort ?? 0);
  return mine.every((n) => n === 0 || theirs.includes(n));
}

/** The distinct node ports a service spec holds (including the health-check port). */
export function nodePortsOf(spec: Obj): Set<number> {
  const out = new Set<number>();
  if (needsNodePorts(spec) || spec.type === "NodePort" || spec.type === "LoadBalancer") {
    for (const p of objs(spec.ports)) {
      if (typeof p.nodePort === "number" && p.nodePort) out.add(p.nodePort);
    }
  }
  if (typeof spec.healthCheckNodePort === "number" && spec.healthCheckNodePort) {
    out.add(spec.healthCheckNodePort);
  }
  return out;
}

/** The spec of a service object. */
export function specOf(svc: KubeObject): Obj {
  return field(svc, "spec");
}

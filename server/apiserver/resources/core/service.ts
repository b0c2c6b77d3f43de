/**
 * `services`: defaults, ClusterIP and NodePort allocation, validation, and kubectl's TYPE /
 * CLUSTER-IP / EXTERNAL-IP / PORT(S) columns.
 *
 * @module
 */
import type { KubeObject } from "../../../../kube/meta.ts";
import type { ResourceDef } from "../../resource.ts";
import type { Allocator } from "./allocator.ts";
import { AGE_COLUMN, column, field, formatLabels, wide } from "./columns.ts";
import { ServiceAllocations } from "./service_alloc.ts";
import { carryAllocatedValues, defaultService, specOf } from "./service_defaults.ts";
import { validateService, validateServiceUpdate } from "./service_validation.ts";
import { arr, objs, str } from "./util.ts";

/** Upstream's `loadBalancerStatusStringer` (wide: no truncation). */
function loadBalancerIngress(svc: KubeObject): string {
  const ingress = objs(field(field(svc, "status"), "loadBalancer").ingress);
  return ingress.map((i) => str(i.ip) || str(i.hostname)).filter(Boolean).join(",");
}

/** Upstream's `getServiceExternalIP` with wide output. */
export function serviceExternalIP(svc: KubeObject): string {
  const spec = specOf(svc);
  const external = arr(spec.externalIPs).map(str);
  switch (spec.type) {
    case "ClusterIP":
    case "NodePort":
      return external.length ? external.join(",") : "<none>";
    case "LoadBalancer": {
      const lb = loadBalancerIngress(svc);
      if (external.length) return [...(lb ? lb.split(",") : []), ...external].join(",");
      return lb || "<pending>";
    }
    case "ExternalName":
      return str(spec.externalName);
  }
  return "<unknown>";
}

/** Upstream's `makePortString`: `80/TCP,443:30443/TCP`. */
export function servicePorts(svc: KubeObject): string {
  const ports = objs(specOf(svc).ports).map((p) => {
    const proto = str(p.protocol);
    return p.nodePort ? `${p.port}:${p.nodePort}/${proto}` : `${p.port}/${proto}`;
  });
  return ports.length ? ports.join(",") : "<none>";
}

export function serviceResource(alloc: Allocator): ResourceDef {
  const allocations = new ServiceAllocations(alloc);
  const family = alloc.range.family;
  return {
    group: "",
    versions: ["v1"],
    kind: "Service",
    plural: "services",
    singular: "service",
    namespaced: true,
    shortNames: ["svc"],
    categories: ["all"],
    status: true,
    nameIsLabel: true,
    extraSubresources: [{
      name: "proxy",
      kind: "ServiceProxyOptions",
      verbs: ["create", "delete", "get", "patch", "update"],
    }],
    strategy: {
      async prepareForCreate(svc, ctx) {
        svc.status = { loadBalancer: {} };
        defaultService(svc, family);
        await allocations.create(svc, ctx);
      },
      async prepareForUpdate(svc, old, ctx) {
        const spec = specOf(svc);
        defaultService(svc, family);
        carryAllocatedValues(spec, specOf(old));
        defaultService(svc, family);
        await allocations.update(svc, old, ctx);
      },
      validate: (svc) => validateService(svc),
      validateUpdate: (svc, old) => validateServiceUpdate(svc, old),
      createFailed: (svc) => allocations.createFailed(svc),
      afterDelete: (svc) => allocations.afterDelete(svc),
    },
    columns: [
      column("Type", (o) => str(specOf(o).type), { description: "The type of the service." }),
      column("Cluster-IP", (o) => str(arr(specOf(o).clusterIPs)[0]) || "<none>", {
        description: "The cluster IP of the service.",
      }),
      column("External-IP", serviceExternalIP, { description: "The external IP of the service." }),
      column("Port(s)", servicePorts, { description: "The ports of the service." }),
      AGE_COLUMN,
      wide(
        "Selector",
        (o) => formatLabels(specOf(o).selector),
        "Route service traffic to pods with label keys and values matching this selector. If empty or not present, the service is assumed to have an external process managing its endpoints, which Kubernetes will not modify. Only applies to types ClusterIP, NodePort, and LoadBalancer. Ignored if type is ExternalName. More info: https://kubernetes.io/docs/concepts/services-networking/service/",
      ),
    ],
  };
}

/**
 * Objects every cluster has from its first start: the system namespaces and the
 * `default/kubernetes` service pointing at this API server.
 *
 * @module
 */
import { StatusError } from "../kube/errors.ts";
import type { KubeObject } from "../kube/meta.ts";
import type { Registry } from "./apiserver/registry.ts";
import type { WriteContext } from "./apiserver/resource.ts";

export const SYSTEM_NAMESPACES = ["default", "kube-system", "kube-public", "kube-node-lease"];

const writer: Omit<WriteContext, "now"> = {
  user: { name: "system:apiserver", groups: ["system:masters"] },
  namespace: "",
  dryRun: false,
  warn: () => {},
};

async function ensure(registry: Registry, group: string, plural: string, obj: KubeObject) {
  const store = registry.store(group, plural);
  const ns = obj.metadata.namespace ?? "";
  if (await store.tryGet(ns, obj.metadata.name!)) return;
  try {
    await store.create(ns, obj, { ...writer, namespace: ns, now: new Date() }, {
      fieldManager: "k3s",
      apiVersion: obj.apiVersion!,
    });
  } catch (err) {
    if (!(err instanceof StatusError && err.code === 409)) throw err;
  }
}

/** Creates what is missing; safe to run on every start and on several servers at once. */
export async function bootstrapObjects(
  registry: Registry,
  opts: { serviceIp: string; advertiseAddress: string; port: number },
): Promise<void> {
  for (const name of SYSTEM_NAMESPACES) {
    await ensure(registry, "", "namespaces", {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name },
    });
  }
  await ensure(registry, "", "services", {
    apiVersion: "v1",
    kind: "Service",
    metadata: {
      name: "kubernetes",
      namespace: "default",
      labels: { component: "apiserver", provider: "kubernetes" },
    },
    spec: {
      type: "ClusterIP",
      clusterIP: opts.serviceIp,
      ports: [{ name: "https", port: 443, protocol: "TCP", targetPort: opts.port }],
      sessionAffinity: "None",
    },
  });
  await ensure(registry, "", "endpoints", {
    apiVersion: "v1",
    kind: "Endpoints",
    metadata: {
      name: "kubernetes",
      namespace: "default",
      labels: { "endpointslice.kubernetes.io/skip-mirror": "true" },
    },
    subsets: [{
      addresses: [{ ip: opts.advertiseAddress }],
      ports: [{ name: "https", port: opts.port, protocol: "TCP" }],
    }],
  });
}

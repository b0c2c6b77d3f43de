import assert from "node:assert/strict";
import type { KubeObject } from "../../../kube/meta.ts";
import type { ObjectKind, ObjectLookup } from "../authn/lookup.ts";
import { resolveService } from "./endpoints.ts";

/** A lookup over a fixed set of objects. */
function lookupOf(objects: { kind: string; obj: KubeObject }[]): ObjectLookup {
  const key = (k: ObjectKind) => `${k.group}/${k.plural}`;
  return {
    get: (kind, ns, name) =>
      Promise.resolve(
        objects.find((o) =>
          o.kind === key(kind) && o.obj.metadata.namespace === ns && o.obj.metadata.name === name
        )?.obj ?? null,
      ),
    list: (kind, ns) =>
      Promise.resolve(
        objects.filter((o) => o.kind === key(kind) && (!ns || o.obj.metadata.namespace === ns))
          .map((o) => o.obj),
      ),
    sync: () => Promise.resolve(),
  };
}

const service = (spec: Record<string, unknown>) => ({
  kind: "/services",
  obj: { metadata: { name: "api", namespace: "ns" }, spec } as KubeObject,
});

const slice = (name: string, endpoints: unknown[], port = 8443, service = "api") => ({
  kind: "discovery.k8s.io/endpointslices",
  obj: {
    metadata: { name, namespace: "ns", labels: { "kubernetes.io/service-name": service } },
    ports: [{ name: "https", port }],
    endpoints,
  } as KubeObject,
});

const ref = { namespace: "ns", name: "api", port: 443 };
const httpsPort = { ports: [{ name: "https", port: 443, targetPort: 8443 }] };

Deno.test("resolveService() says why there is no backend", async () => {
  assert.deepEqual(await resolveService(lookupOf([]), ref), {
    reason: "ServiceNotFound",
    message: 'service/api in "ns" is not present',
  });
  assert.deepEqual(await resolveService(lookupOf([service({ ports: [{ port: 80 }] })]), ref), {
    reason: "ServicePortError",
    message: 'service/api in "ns" is not listening on port 443',
  });
  const unready = slice("a", [{ addresses: ["10.0.0.1"], conditions: { ready: false } }]);
  const other = slice("b", [{ addresses: ["10.0.0.2"] }], 8443, "someone-else");
  assert.deepEqual(await resolveService(lookupOf([service(httpsPort), unready, other]), ref), {
    reason: "MissingEndpoints",
    message: 'endpoints for service/api in "ns" have no addresses with port name "https"',
  });
});

Deno.test("resolveService() dials a ready endpoint on the port of the same name", async () => {
  const ready = slice("a", [
    { addresses: ["10.0.0.1"], conditions: { ready: false } },
    { addresses: ["10.0.0.3"], conditions: { ready: true } },
  ]);
  assert.deepEqual(await resolveService(lookupOf([service(httpsPort), ready]), ref), {
    target: { host: "10.0.0.3", port: 8443, serverName: "api.ns.svc" },
  });
  const endpoints = {
    kind: "/endpoints",
    obj: {
      metadata: { name: "api", namespace: "ns" },
      subsets: [{ addresses: [{ ip: "10.0.0.9" }], ports: [{ name: "https", port: 9443 }] }],
    } as KubeObject,
  };
  assert.deepEqual(await resolveService(lookupOf([service(httpsPort), endpoints]), ref), {
    target: { host: "10.0.0.9", port: 9443, serverName: "api.ns.svc" },
  });
  const external = service({ type: "ExternalName", externalName: "api.example.com" });
  assert.deepEqual(await resolveService(lookupOf([external]), ref), {
    target: { host: "api.example.com", port: 443, serverName: "api.ns.svc" },
  });
});

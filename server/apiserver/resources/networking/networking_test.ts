// deno-lint-ignore-file no-explicit-any
import assert from "node:assert/strict";
import type { KubeObject } from "../../../../kube/meta.ts";
import { cells, create, fieldsOf, update } from "../apps/testing.ts";
import { ingressClasses, ingresses, networkPolicies } from "./mod.ts";

const backend = { service: { name: "web", port: { number: 80 } } };

function ingress(spec: Record<string, unknown>, annotations?: Record<string, string>): KubeObject {
  return {
    metadata: { name: "web", namespace: "default", ...(annotations ? { annotations } : {}) },
    spec,
  };
}

Deno.test("ingresses: a routed ingress is accepted and prints class, hosts, address and ports", async () => {
  const { obj, errors } = await create(
    ingresses,
    ingress({
      ingressClassName: "traefik",
      rules: [
        { host: "a.example.com", http: { paths: [{ path: "/", pathType: "Prefix", backend }] } },
        {
          host: "*.b.example.com",
          http: { paths: [{ path: "/api", pathType: "Exact", backend }] },
        },
      ],
      tls: [{ hosts: ["a.example.com"], secretName: "tls" }],
    }),
  );
  assert.deepStrictEqual(errors, []);
  assert.deepStrictEqual(obj.status, {});
  const withLb = {
    ...obj,
    status: { loadBalancer: { ingress: [{ ip: "10.0.0.2" }, { ip: "10.0.0.1" }] } },
  };
  assert.deepStrictEqual(cells(ingresses, withLb), {
    Class: "traefik",
    Hosts: "a.example.com,*.b.example.com",
    Address: "10.0.0.1,10.0.0.2",
    Ports: "80, 443",
    Age: "0s",
  });
  const bare = (await create(ingresses, ingress({ defaultBackend: backend }))).obj;
  assert.deepStrictEqual(cells(ingresses, bare), {
    Class: "<none>",
    Hosts: "*",
    Address: "",
    Ports: "80",
    Age: "0s",
  });
});

Deno.test("ingresses: rules, paths and backends are validated with field paths", async () => {
  const empty = await create(ingresses, ingress({}));
  assert.deepStrictEqual(fieldsOf(empty.errors), ["FieldValueInvalid spec"]);
  assert.equal(empty.errors[0].detail, "either `defaultBackend` or `rules` must be specified");
  const { errors } = await create(
    ingresses,
    ingress({
      rules: [{
        host: "10.0.0.1",
        http: {
          paths: [
            { path: "api", pathType: "Prefix", backend },
            { path: "/", backend },
            { path: "/", pathType: "Regex", backend: { service: { name: "web", port: {} } } },
            {
              path: "/",
              pathType: "Exact",
              backend: { service: { name: "Web", port: { name: "http", number: 80 } } },
            },
          ],
        },
      }],
    }),
  );
  assert.deepStrictEqual(fieldsOf(errors), [
    "FieldValueInvalid spec.rules[0].host",
    "FieldValueInvalid spec.rules[0].http.paths[0].path",
    "FieldValueRequired spec.rules[0].http.paths[1].pathType",
    "FieldValueNotSupported spec.rules[0].http.paths[2].pathType",
    "FieldValueRequired spec.rules[0].http.paths[2].backend",
    "FieldValueInvalid spec.rules[0].http.paths[3].backend.service.name",
    "FieldValueInvalid spec.rules[0].http.paths[3].backend",
  ]);
  assert.equal(errors[0].detail, "must be a DNS name, not an IP address");
  assert.equal(errors[1].detail, "must be an absolute path");
  assert.equal(errors[4].detail, "port name or number is required");
});

Deno.test("ingresses: the class annotation must agree with ingressClassName on create only", async () => {
  const spec = { ingressClassName: "nginx", defaultBackend: backend };
  const conflict = await create(
    ingresses,
    ingress(spec, { "kubernetes.io/ingress.class": "traefik" }),
  );
  assert.deepStrictEqual(fieldsOf(conflict.errors), [
    "FieldValueInvalid annotations.kubernetes.io/ingress.class",
  ]);
  const { obj } = await create(ingresses, ingress(spec));
  const annotated = structuredClone(obj);
  annotated.metadata.annotations = { "kubernetes.io/ingress.class": "traefik" };
  assert.deepStrictEqual((await update(ingresses, annotated, obj)).errors, []);
});

Deno.test("ingressclasses: controller is a domain-prefixed path that never changes", async () => {
  const { obj, errors } = await create(ingressClasses, {
    metadata: { name: "traefik" },
    spec: {
      controller: "traefik.io/ingress-controller",
      parameters: { apiGroup: "k8s.example.com", kind: "IngressParameters", name: "external-lb" },
    },
  });
  assert.deepStrictEqual(errors, []);
  assert.equal((obj.spec as { parameters: { scope: string } }).parameters.scope, "Cluster");
  assert.deepStrictEqual(cells(ingressClasses, obj), {
    Controller: "traefik.io/ingress-controller",
    Parameters: "IngressParameters.k8s.example.com/external-lb",
    Age: "0s",
  });
  const bad = await create(ingressClasses, {
    metadata: { name: "x" },
    spec: { controller: "traefik", parameters: { kind: "P", name: "p", scope: "Namespace" } },
  });
  assert.deepStrictEqual(fieldsOf(bad.errors), [
    "FieldValueInvalid spec.controller",
    "FieldValueRequired spec.parameters.namespace",
  ]);
  const next = structuredClone(obj);
  (next.spec as Record<string, unknown>).controller = "example.com/other";
  assert.deepStrictEqual(fieldsOf((await update(ingressClasses, next, obj)).errors), [
    "FieldValueInvalid spec.controller",
  ]);
});

Deno.test("networkpolicies: ports default to TCP, policyTypes follow the rules present", async () => {
  const { obj, errors } = await create(networkPolicies, {
    metadata: { name: "db", namespace: "default" },
    spec: {
      podSelector: { matchLabels: { role: "db" } },
      ingress: [{
        from: [{ ipBlock: { cidr: "172.17.0.0/16", except: ["172.17.1.0/24"] } }],
        ports: [{ port: 6379 }],
      }],
      egress: [{ to: [{ namespaceSelector: {} }] }],
    },
  });
  assert.deepStrictEqual(errors, []);
  const spec = obj.spec as Record<string, any>;
  assert.deepStrictEqual(spec.policyTypes, ["Ingress", "Egress"]);
  assert.equal(spec.ingress[0].ports[0].protocol, "TCP");
  assert.deepStrictEqual(cells(networkPolicies, obj), { "Pod-Selector": "role=db", Age: "0s" });
  const all = (await create(networkPolicies, {
    metadata: { name: "all", namespace: "default" },
    spec: { podSelector: {} },
  })).obj;
  assert.deepStrictEqual((all.spec as Record<string, unknown>).policyTypes, ["Ingress"]);
  assert.equal(cells(networkPolicies, all)["Pod-Selector"], "<none>");
});

Deno.test("networkpolicies: peers, ports and IP blocks are validated", async () => {
  const { errors } = await create(networkPolicies, {
    metadata: { name: "bad", namespace: "default" },
    spec: {
      podSelector: {},
      ingress: [{
        from: [{}, {
          ipBlock: { cidr: "10.0.0.0/8", except: ["192.168.0.0/16"] },
          podSelector: {},
        }],
        ports: [{ protocol: "ICMP", port: 80, endPort: 79 }],
      }],
      policyTypes: ["Ingress", "Sideways"],
    },
  });
  assert.deepStrictEqual(fieldsOf(errors), [
    "FieldValueNotSupported spec.ingress[0].ports[0].protocol",
    "FieldValueInvalid spec.ingress[0].ports[0].endPort",
    "FieldValueRequired spec.ingress[0].from[0]",
    "FieldValueInvalid spec.ingress[0].from[1].ipBlock.except[0]",
    "FieldValueForbidden spec.ingress[0].from[1]",
    "FieldValueNotSupported spec.policyTypes[1]",
  ]);
});

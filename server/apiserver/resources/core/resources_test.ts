import assert from "node:assert/strict";
import type { KubeObject } from "../../../../kube/meta.ts";
import { coreResources } from "./mod.ts";
import { cell, coreDef, create, fakeDeps, update } from "./testing.ts";

function o(
  name: string,
  extra: Record<string, unknown> = {},
  meta: Record<string, unknown> = {},
): KubeObject {
  return { metadata: { name, creationTimestamp: "2025-12-31T23:00:00Z", ...meta }, ...extra };
}

Deno.test("coreResources() declares upstream's names, short names and categories", () => {
  const defs = coreResources(fakeDeps());
  const by = new Map(defs.map((d) => [d.plural, d]));
  assert.deepStrictEqual(by.get("pods")?.shortNames, ["po"]);
  assert.deepStrictEqual(by.get("services")?.categories, ["all"]);
  assert.deepStrictEqual(by.get("replicationcontrollers")?.scale?.specReplicasPath, [
    "spec",
    "replicas",
  ]);
  assert.equal(by.get("namespaces")?.namespaced, false);
  assert.equal(by.get("nodes")?.namespaced, false);
  assert.equal(by.get("persistentvolumes")?.namespaced, false);
  assert.ok(
    by.get("pods")?.extraSubresources?.some((s) => s.name === "eviction" && s.group === "policy"),
  );
  for (const d of defs) assert.deepStrictEqual([d.group, d.versions], ["", ["v1"]]);
});

Deno.test("namespaces: Active, kubernetes finalizer and name label on create", async () => {
  const def = coreDef("namespaces");
  const ns = o("team-a");
  assert.deepStrictEqual(await create(def, ns), []);
  assert.deepStrictEqual(ns.status, { phase: "Active" });
  assert.deepStrictEqual(ns.spec, { finalizers: ["kubernetes"] });
  assert.deepStrictEqual(ns.metadata.labels, { "kubernetes.io/metadata.name": "team-a" });
  assert.equal(cell(def, "Status", ns), "Active");
  const changed = o("team-a", { spec: { finalizers: [] } });
  assert.deepStrictEqual(await update(def, changed, ns), []);
  assert.deepStrictEqual(changed.spec, { finalizers: ["kubernetes"] });
});

Deno.test("endpoints: the ENDPOINTS column lists three and counts the rest", () => {
  const def = coreDef("endpoints");
  const addrs = ["10.42.0.1", "10.42.0.2", "10.42.0.3", "10.42.0.4"].map((ip) => ({ ip }));
  const ep = o("web", { subsets: [{ addresses: addrs, ports: [{ port: 80 }, { port: 443 }] }] });
  assert.equal(cell(def, "Endpoints", ep), "10.42.0.1:80,10.42.0.2:80,10.42.0.3:80 + 5 more...");
  assert.equal(cell(def, "Endpoints", o("none")), "<none>");
  assert.equal(
    cell(
      def,
      "Endpoints",
      o("v6", { subsets: [{ addresses: [{ ip: "fd00::1" }], ports: [{ port: 80 }] }] }),
    ),
    "[fd00::1]:80",
  );
});

Deno.test("nodes: STATUS and ROLES as kubectl prints them", () => {
  const def = coreDef("nodes");
  const node = o("n1", {
    spec: { unschedulable: true },
    status: {
      conditions: [{ type: "Ready", status: "True" }],
      nodeInfo: { kubeletVersion: "v1.33.5+k3s1" },
      addresses: [{ type: "InternalIP", address: "192.168.1.10" }],
    },
  }, {
    labels: {
      "node-role.kubernetes.io/control-plane": "true",
      "node-role.kubernetes.io/master": "true",
    },
  });
  assert.equal(cell(def, "Status", node), "Ready,SchedulingDisabled");
  assert.equal(cell(def, "Roles", node), "control-plane,master");
  assert.equal(cell(def, "Version", node), "v1.33.5+k3s1");
  assert.equal(cell(def, "Internal-IP", node), "192.168.1.10");
  assert.equal(cell(def, "External-IP", node), "<none>");
  assert.equal(cell(def, "OS-Image", node), "<unknown>");
  assert.equal(cell(def, "Status", o("n2")), "Unknown");
  assert.equal(cell(def, "Roles", o("n2")), "<none>");
  assert.equal(def.fields!["spec.unschedulable"](node), "true");
});

Deno.test("nodes: podCIDR may be set once", async () => {
  const def = coreDef("nodes");
  const old = o("n1", { spec: { podCIDR: "10.42.0.0/24" } });
  await create(def, old);
  assert.deepStrictEqual((old.spec as Record<string, unknown>).podCIDRs, ["10.42.0.0/24"]);
  const moved = o("n1", { spec: { podCIDR: "10.42.1.0/24" } });
  assert.deepStrictEqual((await update(def, moved, old)).map((e) => e.field), ["spec.podCIDRs"]);
});

Deno.test("events: columns and field selectors", () => {
  const def = coreDef("events");
  const ev = o("e", {
    involvedObject: { kind: "Pod", name: "web-1", namespace: "default" },
    reason: "Pulled",
    type: "Normal",
    message: "  Pulled image \n",
    source: { component: "kubelet", host: "n1" },
    firstTimestamp: "2025-12-31T23:50:00Z",
    lastTimestamp: "2025-12-31T23:58:00Z",
    count: 3,
  }, { namespace: "default" });
  assert.equal(cell(def, "Last Seen", ev), "2m");
  assert.equal(cell(def, "Object", ev), "pod/web-1");
  assert.equal(cell(def, "Message", ev), "Pulled image");
  assert.equal(cell(def, "Source", ev), "kubelet, n1");
  assert.equal(cell(def, "Count", ev), 3);
  assert.equal(def.fields!["involvedObject.name"](ev), "web-1");
  assert.equal(def.fields!["source"](ev), "kubelet");
  const wrongNs = o("e", { involvedObject: { namespace: "other" } }, { namespace: "default" });
  assert.deepStrictEqual(def.strategy!.validate!(wrongNs, {} as never).map((e) => e.field), [
    "involvedObject.namespace",
  ]);
});

Deno.test("resourcequotas: REQUEST and LIMIT columns split on the limits. prefix", async () => {
  const def = coreDef("resourcequotas");
  const q = o("q", { spec: { hard: { pods: "10", "requests.cpu": "1", "limits.memory": "1Gi" } } });
  assert.deepStrictEqual(await create(def, q), []);
  q.status = {
    hard: { pods: "10", "requests.cpu": "1", "limits.memory": "1Gi" },
    used: { pods: "2" },
  };
  assert.equal(cell(def, "Request", q), "pods: 2/10, requests.cpu: 0/1");
  assert.equal(cell(def, "Limit", q), "limits.memory: 0/1Gi");
});

Deno.test("persistentvolumes: Retain by default, Pending, and printed like kubectl", async () => {
  const def = coreDef("persistentvolumes");
  const pv = o("pv1", {
    spec: {
      capacity: { storage: "1Gi" },
      accessModes: ["ReadWriteOnce", "ReadOnlyMany"],
      hostPath: { path: "/d" },
    },
  });
  assert.deepStrictEqual(await create(def, pv), []);
  assert.equal(cell(def, "Reclaim Policy", pv), "Retain");
  assert.equal(cell(def, "Status", pv), "Pending");
  assert.equal(cell(def, "Access Modes", pv), "RWO,ROX");
  assert.equal(cell(def, "Capacity", pv), "1Gi");
  const errs = await create(def, o("pv2", { spec: {} }));
  assert.deepStrictEqual(errs.map((e) => e.field), ["spec.capacity", "spec.accessModes", "spec"]);
});

Deno.test("persistentvolumeclaims: only storage requests may grow after creation", async () => {
  const def = coreDef("persistentvolumeclaims");
  const spec = { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } };
  const old = o("c", { spec: structuredClone(spec) }, { namespace: "default" });
  assert.deepStrictEqual(await create(def, old), []);
  assert.deepStrictEqual(old.status, { phase: "Pending" });
  const grown = o("c", {
    spec: { ...structuredClone(spec), resources: { requests: { storage: "2Gi" } } },
  });
  assert.deepStrictEqual(await update(def, grown, old), []);
  const shrunk = o("c", {
    spec: { ...structuredClone(spec), resources: { requests: { storage: "512Mi" } } },
  });
  assert.deepStrictEqual((await update(def, shrunk, old)).map((e) => e.field), [
    "spec.resources.requests.storage",
  ]);
  const modes = o("c", { spec: { ...structuredClone(spec), accessModes: ["ReadWriteMany"] } });
  assert.deepStrictEqual((await update(def, modes, old)).map((e) => e.field), ["spec"]);
  const missing = await create(def, o("d", { spec: { accessModes: ["ReadWriteOnce"] } }));
  assert.deepStrictEqual(missing.map((e) => e.field), ["spec.resources[storage]"]);
});

Deno.test("replicationcontrollers: replicas and selector default from the template", async () => {
  const def = coreDef("replicationcontrollers");
  const rc = o("rc", {
    spec: {
      template: {
        metadata: { labels: { app: "x" } },
        spec: { containers: [{ name: "c", image: "x" }] },
      },
    },
  }, { namespace: "default" });
  assert.deepStrictEqual(await create(def, rc), []);
  const spec = rc.spec as Record<string, unknown>;
  assert.equal(spec.replicas, 1);
  assert.deepStrictEqual(spec.selector, { app: "x" });
  assert.deepStrictEqual(rc.metadata.labels, { app: "x" });
  assert.deepStrictEqual(rc.status, { replicas: 0 });
  assert.equal(cell(def, "Desired", rc), 1);
  const bad = o("bad", {
    spec: {
      selector: { app: "y" },
      template: {
        metadata: { labels: { app: "x" } },
        spec: { restartPolicy: "Never", containers: [{ name: "c", image: "x" }] },
      },
    },
  });
  assert.deepStrictEqual((await create(def, bad)).map((e) => e.field), [
    "spec.template.metadata.labels",
    "spec.template.spec.restartPolicy",
  ]);
});

Deno.test("podtemplates: the template is defaulted and validated", async () => {
  const def = coreDef("podtemplates");
  const pt = o("t", {
    template: {
      metadata: { labels: { a: "b" } },
      spec: { containers: [{ name: "c", image: "x" }] },
    },
  });
  assert.deepStrictEqual(await create(def, pt), []);
  assert.equal(
    (pt.template as Record<string, Record<string, unknown>>).spec.restartPolicy,
    "Always",
  );
  assert.equal(cell(def, "Pod Labels", pt), "a=b");
  const errs = await create(def, o("u", { template: { spec: {} } }));
  assert.deepStrictEqual(errs.map((e) => e.field), ["template.spec.containers"]);
});

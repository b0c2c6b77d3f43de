import assert from "node:assert/strict";
import { StatusError } from "../../../../kube/errors.ts";
import type { KubeObject } from "../../../../kube/meta.ts";
import { cell, coreDef, create, fakeContext, fakeDeps, update } from "./testing.ts";

function svc(name: string, spec: Record<string, unknown>): KubeObject {
  return { metadata: { name, namespace: "default" }, spec };
}

const PORTS = [{ port: 80 }];

Deno.test("services: defaults match upstream for a ClusterIP service", async () => {
  const def = coreDef("services");
  const s = svc("web", { selector: { app: "web" }, ports: [{ port: 80, targetPort: 0 }] });
  assert.deepStrictEqual(await create(def, s), []);
  const spec = s.spec as Record<string, unknown>;
  assert.match(String(spec.clusterIP), /^10\.43\.\d+\.\d+$/);
  assert.deepStrictEqual(spec, {
    selector: { app: "web" },
    ports: [{ port: 80, targetPort: 80, protocol: "TCP" }],
    sessionAffinity: "None",
    type: "ClusterIP",
    internalTrafficPolicy: "Cluster",
    ipFamilyPolicy: "SingleStack",
    ipFamilies: ["IPv4"],
    clusterIP: spec.clusterIP,
    clusterIPs: [spec.clusterIP],
  });
  assert.deepStrictEqual(s.status, { loadBalancer: {} });
});

Deno.test("services: 200 concurrent creates never get the same ClusterIP", async () => {
  const deps = fakeDeps("10.43.0.0/24");
  const def = coreDef("services", deps);
  const list = Array.from({ length: 200 }, (_, i) => svc(`s${i}`, { ports: PORTS }));
  const errs = await Promise.all(list.map((s) => create(def, s)));
  assert.deepStrictEqual(errs.flat(), []);
  const ips = list.map((s) => (s.spec as { clusterIP: string }).clusterIP);
  assert.equal(new Set(ips).size, 200);
  assert.ok(!ips.includes("10.43.0.1"), "the kubernetes service address is never handed out");
  assert.ok(!ips.includes("10.43.0.0") && !ips.includes("10.43.0.255"));
});

Deno.test("services: a requested ClusterIP that is taken is refused with upstream's message", async () => {
  const def = coreDef("services");
  assert.deepStrictEqual(
    await create(def, svc("a", { clusterIP: "10.43.0.10", ports: PORTS })),
    [],
  );
  await assert.rejects(create(def, svc("b", { clusterIP: "10.43.0.10", ports: PORTS })), (err) => {
    assert.ok(err instanceof StatusError);
    assert.equal(err.code, 422);
    assert.equal(
      err.message,
      'Service "b" is invalid: spec.clusterIPs: Invalid value: ["10.43.0.10"]: failed to allocate IP 10.43.0.10: provided IP is already allocated',
    );
    return true;
  });
});

Deno.test("services: a ClusterIP outside the service CIDR is refused", async () => {
  const def = coreDef("services");
  await assert.rejects(
    create(def, svc("a", { clusterIP: "10.0.0.10", ports: PORTS })),
    /not in the valid range. The range of valid IPs is 10.43.0.0\/16/,
  );
});

Deno.test("services: headless and ExternalName services claim no IP", async () => {
  const deps = fakeDeps();
  const def = coreDef("services", deps);
  const headless = svc("h", { clusterIP: "None", selector: { a: "b" } });
  assert.deepStrictEqual(await create(def, headless), []);
  assert.deepStrictEqual((headless.spec as { clusterIPs: string[] }).clusterIPs, ["None"]);
  const ext = svc("e", { type: "ExternalName", externalName: "example.com" });
  assert.deepStrictEqual(await create(def, ext), []);
  assert.equal((ext.spec as Record<string, unknown>).clusterIP, undefined);
  assert.equal(deps.held.size, 0);
  assert.equal(cell(def, "External-IP", ext), "example.com");
  assert.equal(cell(def, "Cluster-IP", ext), "<none>");
});

Deno.test("services: NodePorts are allocated in range, shared per port, never twice", async () => {
  const deps = fakeDeps();
  const def = coreDef("services", deps);
  const s = svc("np", {
    type: "NodePort",
    ports: [{ name: "tcp", port: 53 }, { name: "udp", port: 53, protocol: "UDP" }, {
      name: "b",
      port: 8080,
    }],
  });
  assert.deepStrictEqual(await create(def, s), []);
  const ports = (s.spec as { ports: { nodePort: number }[] }).ports.map((p) => p.nodePort);
  for (const p of ports) assert.ok(p >= 30000 && p <= 32767, `${p} in range`);
  assert.equal(ports[0], ports[1]);
  assert.notEqual(ports[0], ports[2]);
  assert.equal(
    cell(def, "Port(s)", s),
    `53:${ports[0]}/TCP,53:${ports[1]}/UDP,8080:${ports[2]}/TCP`,
  );
  const clash = svc("clash", { type: "NodePort", ports: [{ port: 80, nodePort: ports[2] }] });
  await assert.rejects(
    create(def, clash),
    /spec.ports\[0\].nodePort: Invalid value: \d+: provided port is already allocated/,
  );
  await assert.rejects(
    create(def, svc("far", { type: "NodePort", ports: [{ port: 80, nodePort: 8080 }] })),
    /provided port is not in the valid range. The range of valid ports is 30000-32767/,
  );
});

Deno.test("services: a failed or deleted service gives back what it held", async () => {
  const deps = fakeDeps();
  const def = coreDef("services", deps);
  const s = svc("lb", { type: "LoadBalancer", ports: PORTS });
  await create(def, s);
  assert.equal(deps.held.size, 2);
  assert.equal(cell(def, "External-IP", s), "<pending>");
  await def.strategy!.afterDelete!(s);
  assert.equal(deps.held.size, 0);
  const again = svc("again", { ports: PORTS });
  await create(def, again);
  await def.strategy!.createFailed!(again);
  assert.equal(deps.held.size, 0);
});

Deno.test("services: dry run claims nothing", async () => {
  const deps = fakeDeps();
  const def = coreDef("services", deps);
  const s = svc("d", { type: "NodePort", ports: PORTS });
  assert.deepStrictEqual(await create(def, s, fakeContext({ dryRun: true })), []);
  assert.ok((s.spec as { clusterIP: string }).clusterIP);
  assert.equal(deps.held.size, 0);
});

Deno.test("services: changing type releases and claims node ports; clusterIP is immutable", async () => {
  const deps = fakeDeps();
  const def = coreDef("services", deps);
  const old = svc("s", { type: "NodePort", ports: PORTS });
  await create(def, old);
  assert.equal(deps.held.size, 2);
  const toClusterIP = structuredClone(old);
  (toClusterIP.spec as Record<string, unknown>).type = "ClusterIP";
  assert.deepStrictEqual(await update(def, toClusterIP, old), []);
  assert.equal(
    (toClusterIP.spec as { ports: Record<string, unknown>[] }).ports[0].nodePort,
    undefined,
  );
  assert.equal(deps.held.size, 1);

  const moved = structuredClone(toClusterIP);
  (moved.spec as Record<string, unknown>).clusterIP = "10.43.0.99";
  (moved.spec as Record<string, unknown>).clusterIPs = ["10.43.0.99"];
  const errs = await update(def, moved, toClusterIP);
  assert.deepStrictEqual(errs.map((e) => `${e.field}: ${e.detail}`), [
    "spec.clusterIPs[0]: may not change once set",
  ]);

  const omitted = structuredClone(toClusterIP);
  delete (omitted.spec as Record<string, unknown>).clusterIP;
  delete (omitted.spec as Record<string, unknown>).clusterIPs;
  assert.deepStrictEqual(await update(def, omitted, toClusterIP), []);
  assert.equal(
    (omitted.spec as { clusterIP: string }).clusterIP,
    (old.spec as { clusterIP: string }).clusterIP,
  );

  const toExternal = structuredClone(toClusterIP);
  Object.assign(toExternal.spec as object, { type: "ExternalName", externalName: "example.com" });
  assert.deepStrictEqual(await update(def, toExternal, toClusterIP), []);
  assert.equal(deps.held.size, 0);
});

Deno.test("services: invalid ports report upstream's paths", async () => {
  const def = coreDef("services");
  const errs = await create(
    def,
    svc("bad", { ports: [{ port: 0 }, { name: "b", port: 80, nodePort: 30001 }] }),
  );
  assert.deepStrictEqual(errs.map((e) => e.field), [
    "spec.ports[0].name",
    "spec.ports[0].port",
    "spec.ports[0].targetPort",
    "spec.ports[1].nodePort",
  ]);
});

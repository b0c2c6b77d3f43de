import assert from "node:assert/strict";
import { testServer } from "../../testing.ts";
import { coreResources } from "./mod.ts";
import { fakeDeps } from "./testing.ts";

const TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io";

Deno.test("core resources through the generic store: pods, services, tables", async () => {
  const deps = fakeDeps();
  const s = await testServer(coreResources(deps));
  try {
    const created = await s.call("POST", "/api/v1/namespaces/default/pods", {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "web" },
      spec: { nodeName: "n1", containers: [{ name: "c", image: "nginx:1.27" }] },
    });
    assert.equal(created.status, 201);
    const pod = await created.json();
    assert.equal(pod.spec.containers[0].imagePullPolicy, "IfNotPresent");
    assert.deepEqual(pod.status, { phase: "Pending", qosClass: "BestEffort" });
    assert.equal(pod.metadata.generation, 1);

    pod.spec.containers[0].image = "nginx:1.28";
    const imageUpdate = await s.call("PUT", "/api/v1/namespaces/default/pods/web", pod);
    assert.equal(imageUpdate.status, 200);
    const updated = await imageUpdate.json();
    updated.spec.restartPolicy = "Never";
    const refused = await s.call("PUT", "/api/v1/namespaces/default/pods/web", updated);
    assert.equal(refused.status, 422);
    const status = await refused.json();
    assert.match(
      status.message,
      /^Pod "web" is invalid: spec: Forbidden: pod updates may not change fields other than/,
    );

    const table =
      await (await s.call("GET", "/api/v1/namespaces/default/pods", undefined, { accept: TABLE }))
        .json();
    assert.deepEqual(
      table.columnDefinitions.map((c: { name: string }) => c.name),
      [
        "Name",
        "Ready",
        "Status",
        "Restarts",
        "Age",
        "IP",
        "Node",
        "Nominated Node",
        "Readiness Gates",
      ],
    );
    assert.deepEqual(table.rows[0].cells.slice(0, 4), ["web", "0/1", "Pending", "0"]);

    const del = await s.call("DELETE", "/api/v1/namespaces/default/pods/web");
    assert.equal(del.status, 200);
    const terminating = await (await s.call("GET", "/api/v1/namespaces/default/pods/web")).json();
    assert.ok(terminating.metadata.deletionTimestamp, "a bound pod is deleted gracefully");
    assert.equal(terminating.metadata.deletionGracePeriodSeconds, 30);

    const svc = await s.call("POST", "/api/v1/namespaces/default/services", {
      metadata: { name: "web" },
      spec: { type: "NodePort", selector: { app: "web" }, ports: [{ port: 80 }] },
    });
    assert.equal(svc.status, 201);
    const service = await svc.json();
    assert.ok(service.spec.ports[0].nodePort >= 30000);
    const taken = await s.call("POST", "/api/v1/namespaces/default/services", {
      metadata: { name: "other" },
      spec: { clusterIP: service.spec.clusterIP, ports: [{ port: 80 }] },
    });
    assert.equal(taken.status, 422);
    assert.match((await taken.json()).message, /provided IP is already allocated/);
    assert.equal(deps.held.size, 2);
    await s.call("DELETE", "/api/v1/namespaces/default/services/web");
    assert.equal(deps.held.size, 0);
  } finally {
    await s.close();
  }
});

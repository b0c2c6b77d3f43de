import assert from "node:assert/strict";
import type { KubeObject } from "../../../../kube/meta.ts";
import { cells, create, fieldsOf } from "../apps/testing.ts";
import { resources as apps } from "../apps/mod.ts";
import { TEST_DEFS, testServer } from "../../testing.ts";
import { apiServices, localApiService, LocalApiServices, syncLocalApiServices } from "./mod.ts";

Deno.test("apiservices: local services are named version.group and print Local", async () => {
  const local = localApiService("apps", "v1");
  const { obj, errors } = await create(apiServices, local);
  assert.deepStrictEqual(errors, []);
  assert.deepStrictEqual(obj.spec, {
    group: "apps",
    version: "v1",
    groupPriorityMinimum: 17800,
    versionPriority: 15,
  });
  assert.deepStrictEqual(cells(apiServices, obj), {
    Service: "Local",
    Available: "Unknown",
    Age: "0s",
  });
  const core = await create(apiServices, localApiService("", "v1"));
  assert.deepStrictEqual(core.errors, []);
  assert.equal(core.obj.metadata.name, "v1.");
  const unavailable = {
    ...obj,
    spec: { ...obj.spec as object, service: { namespace: "kube-system", name: "metrics-server" } },
    status: { conditions: [{ type: "Available", status: "False", reason: "MissingEndpoints" }] },
  };
  assert.deepStrictEqual(cells(apiServices, unavailable), {
    Service: "kube-system/metrics-server",
    Available: "False (MissingEndpoints)",
    Age: "0s",
  });
});

Deno.test("apiservices: names, priorities and local-only fields are validated", async () => {
  const svc: KubeObject = {
    metadata: { name: "v1beta1.metrics" },
    spec: {
      group: "metrics.k8s.io",
      version: "v1beta1",
      groupPriorityMinimum: 0,
      versionPriority: 2000,
      caBundle: "Zm9v",
    },
  };
  const { errors } = await create(apiServices, svc);
  assert.deepStrictEqual(fieldsOf(errors), [
    "FieldValueInvalid metadata.name",
    "FieldValueInvalid spec.groupPriorityMinimum",
    "FieldValueInvalid spec.versionPriority",
    "FieldValueInvalid spec.caBundle",
  ]);
  assert.equal(errors[0].detail, 'must be `spec.version+"."+spec.group`: "v1beta1.metrics.k8s.io"');
  const remote = await create(apiServices, {
    metadata: { name: "v1beta1.metrics.k8s.io" },
    spec: {
      group: "metrics.k8s.io",
      version: "v1beta1",
      groupPriorityMinimum: 100,
      versionPriority: 100,
      service: { namespace: "kube-system", name: "metrics-server" },
    },
  });
  assert.deepStrictEqual(remote.errors, []);
  assert.equal((remote.obj.spec as { service: { port: number } }).service.port, 443);
});

Deno.test("syncLocalApiServices() keeps one available APIService per served group-version", async () => {
  const s = await testServer([...TEST_DEFS, apiServices]);
  try {
    const registry = s.api.registry;
    const first = await syncLocalApiServices(registry);
    assert.deepStrictEqual(first.created, ["v1.", "v1.apiregistration.k8s.io"]);
    const again = await syncLocalApiServices(registry);
    assert.deepStrictEqual(again, { created: [], updated: [], deleted: [] });
    const core = await (await s.call("GET", "/apis/apiregistration.k8s.io/v1/apiservices/v1."))
      .json();
    assert.deepStrictEqual(
      core.status.conditions.map((c: Record<string, string>) => [c.type, c.status, c.reason]),
      [
        ["Available", "True", "Local"],
      ],
    );
    // A group another controller added (say, for custom resources) appears, then goes.
    for (const def of apps) registry.add(def);
    assert.deepStrictEqual((await syncLocalApiServices(registry)).created, ["v1.apps"]);
    registry.remove("apps", "deployments");
    registry.remove("apps", "replicasets");
    registry.remove("apps", "statefulsets");
    registry.remove("apps", "daemonsets");
    registry.remove("apps", "controllerrevisions");
    assert.deepStrictEqual((await syncLocalApiServices(registry)).deleted, ["v1.apps"]);
  } finally {
    await s.close();
  }
});

Deno.test("LocalApiServices follows registry changes until stopped", async () => {
  const s = await testServer([...TEST_DEFS, apiServices]);
  const local = new LocalApiServices(s.api.registry, { intervalMs: 10 });
  try {
    await local.start();
    for (const def of apps) s.api.registry.add(def);
    const deadline = Date.now() + 5000;
    let names: string[] = [];
    while (Date.now() < deadline) {
      const list = await (await s.call("GET", "/apis/apiregistration.k8s.io/v1/apiservices"))
        .json();
      names = list.items.map((i: KubeObject) => i.metadata.name);
      if (names.includes("v1.apps")) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.ok(names.includes("v1.apps"), names.join(","));
  } finally {
    await local.stop();
    await s.close();
  }
});

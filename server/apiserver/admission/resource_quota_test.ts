// deno-lint-ignore-file no-explicit-any
import assert from "node:assert/strict";
import { ApiServer } from "../app.ts";
import { mastersAuthorizer } from "../authz/masters.ts";
import { ADMIN } from "../testing.ts";
import { admissionPlugins } from "./mod.ts";
import { admissionTestServer } from "./testing.ts";

const pod = (name: string, resources?: Record<string, unknown>) => ({
  metadata: { name },
  spec: { containers: [{ name: "c", image: "busybox", ...(resources ? { resources } : {}) }] },
});

Deno.test("ResourceQuota computes usage on first use and refuses with upstream's message", async () => {
  const s = await admissionTestServer();
  try {
    await s.namespace("q");
    await s.ok("POST", "/api/v1/namespaces/q/configmaps", { metadata: { name: "before" } });
    await s.ok("POST", "/api/v1/namespaces/q/resourcequotas", {
      metadata: { name: "counts" },
      spec: { hard: { pods: "2", "count/configmaps": "2", "requests.cpu": "1" } },
    });
    await s.ok("POST", "/api/v1/namespaces/q/pods", pod("a", { requests: { cpu: "400m" } }));
    let quota = await s.ok("GET", "/api/v1/namespaces/q/resourcequotas/counts") as any;
    assert.deepEqual(quota.status, {
      hard: { "count/configmaps": "2", pods: "2", "requests.cpu": "1" },
      used: { "count/configmaps": "1", pods: "1", "requests.cpu": "400m" },
    });
    let res = await s.call(
      "POST",
      "/api/v1/namespaces/q/pods",
      pod("b", { requests: { cpu: "700m" } }),
    );
    assert.equal(res.status, 403);
    assert.equal(
      (await res.json()).message,
      'pods "b" is forbidden: exceeded quota: counts, requested: requests.cpu=700m, used: requests.cpu=400m, limited: requests.cpu=1',
    );
    res = await s.call("POST", "/api/v1/namespaces/q/pods", pod("c"));
    assert.equal(
      (await res.json()).message,
      'pods "c" is forbidden: failed quota: counts: must specify requests.cpu for: c',
    );
    await s.ok("POST", "/api/v1/namespaces/q/pods", pod("d", { requests: { cpu: "600m" } }));
    res = await s.call("POST", "/api/v1/namespaces/q/pods", pod("e", { requests: { cpu: "0" } }));
    assert.equal(
      (await res.json()).message,
      'pods "e" is forbidden: exceeded quota: counts, requested: pods=1, used: pods=2, limited: pods=2',
    );
    await s.ok("POST", "/api/v1/namespaces/q/configmaps", { metadata: { name: "second" } });
    res = await s.call("POST", "/api/v1/namespaces/q/configmaps", { metadata: { name: "third" } });
    assert.equal(
      (await res.json()).message,
      'configmaps "third" is forbidden: exceeded quota: counts, requested: count/configmaps=1, used: count/configmaps=2, limited: count/configmaps=2',
    );
    quota = await s.ok("GET", "/api/v1/namespaces/q/resourcequotas/counts");
    assert.deepEqual(quota.status.used, {
      "count/configmaps": "2",
      pods: "2",
      "requests.cpu": "1",
    });
    // A dry run is checked but not charged.
    await s.ok("POST", "/api/v1/namespaces/q/resourcequotas", {
      metadata: { name: "secrets" },
      spec: { hard: { secrets: "1" } },
    });
    await s.ok("POST", "/api/v1/namespaces/q/secrets?dryRun=All", { metadata: { name: "s" } });
    await s.ok("POST", "/api/v1/namespaces/q/secrets?dryRun=All", { metadata: { name: "s" } });
    await s.ok("POST", "/api/v1/namespaces/q/secrets", { metadata: { name: "s" } });
    quota = await s.ok("GET", "/api/v1/namespaces/q/resourcequotas/secrets");
    assert.deepEqual(quota.status.used, { secrets: "1" });
    res = await s.call("POST", "/api/v1/namespaces/q/secrets?dryRun=All", {
      metadata: { name: "t" },
    });
    assert.equal(res.status, 403);
  } finally {
    await s.close();
  }
});

Deno.test("ResourceQuota never admits more than the quota under concurrent creates", async () => {
  const s = await admissionTestServer();
  try {
    await s.namespace("race");
    await s.ok("POST", "/api/v1/namespaces/race/resourcequotas", {
      metadata: { name: "five" },
      spec: { hard: { "count/configmaps": "5", services: "3" } },
    });
    const results = await Promise.all(
      Array.from(
        { length: 20 },
        (_, i) =>
          s.call("POST", "/api/v1/namespaces/race/configmaps", { metadata: { name: `cm-${i}` } }),
      ),
    );
    const statuses = results.map((r) => r.status);
    assert.equal(statuses.filter((c) => c === 201).length, 5, `statuses: ${statuses}`);
    assert.equal(statuses.filter((c) => c === 403).length, 15);
    const list = await s.ok("GET", "/api/v1/namespaces/race/configmaps") as any;
    assert.equal(list.items.length, 5);
    const quota = await s.ok("GET", "/api/v1/namespaces/race/resourcequotas/five") as any;
    assert.deepEqual(quota.status.used, { "count/configmaps": "5", services: "0" });
  } finally {
    await s.close();
  }
});

Deno.test("ResourceQuota holds across API servers sharing the datastore", async () => {
  const s = await admissionTestServer();
  try {
    await s.namespace("two");
    await s.ok("POST", "/api/v1/namespaces/two/resourcequotas", {
      metadata: { name: "four" },
      spec: { hard: { "count/secrets": "4" } },
    });
    // A second server: its own admission chain, so no in-process turn-taking between the two.
    const other = new ApiServer({
      registry: s.registry,
      authenticators: [],
      authorizer: mastersAuthorizer,
      admission: admissionPlugins(s.registry),
      routes: [],
      serverAddress: "127.0.0.1:6444",
    });
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => {
      const body = JSON.stringify({ metadata: { name: `s-${i}` } });
      const req = new Request("https://127.0.0.1/api/v1/namespaces/two/secrets", {
        method: "POST",
        body,
        headers: { "content-type": "application/json" },
      });
      return (i % 2 ? other : s.api).handle(req, ADMIN);
    }));
    const created = results.filter((r) => r.status === 201).length;
    assert.equal(created, 4, `statuses: ${results.map((r) => r.status)}`);
    const quota = await s.ok("GET", "/api/v1/namespaces/two/resourcequotas/four") as any;
    assert.deepEqual(quota.status.used, { "count/secrets": "4" });
  } finally {
    await s.close();
  }
});

Deno.test("ResourceQuota scopes select pods by QoS and priority class", async () => {
  const s = await admissionTestServer();
  try {
    await s.namespace("scoped");
    await s.ok("POST", "/api/v1/namespaces/scoped/resourcequotas", {
      metadata: { name: "besteffort" },
      spec: { hard: { pods: "1" }, scopes: ["BestEffort"] },
    });
    await s.ok("POST", "/api/v1/namespaces/scoped/pods", pod("be1"));
    assert.equal((await s.call("POST", "/api/v1/namespaces/scoped/pods", pod("be2"))).status, 403);
    // Not BestEffort: outside the quota's scope.
    await s.ok("POST", "/api/v1/namespaces/scoped/pods", pod("burst", { requests: { cpu: "1m" } }));
  } finally {
    await s.close();
  }
});

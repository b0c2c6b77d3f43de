/**
 * A server restart on the same data dir keeps every object as it was (data, uid,
 * resourceVersion, allocated cluster IP), keeps deleted objects deleted, and continues the
 * resourceVersion sequence: the first write after the restart is newer than any before.
 *
 * @module
 */
import assert from "node:assert/strict";
import { startServer } from "./harness.ts";

// deno-lint-ignore no-explicit-any
type Any = any;

const NS = "restart";
const api = `/api/v1/namespaces/${NS}`;

Deno.test("a restarted server keeps every object and continues resourceVersions", async () => {
  const server = await startServer();
  try {
    const post = (path: string, body: unknown): Promise<Any> =>
      server.requestOk("POST", path, body);
    await post("/api/v1/namespaces", {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: NS },
    });
    await post(`${api}/configmaps`, {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "settings", labels: { tier: "db" } },
      data: { mode: "fast", "multi-line": "a\nb\n" },
    });
    await post(`${api}/secrets`, {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "password" },
      stringData: { password: "s3cret" },
    });
    // Objects no controller rewrites on its own, so before and after can be compared whole.
    await post(`/apis/rbac.authorization.k8s.io/v1/namespaces/${NS}/roles`, {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "Role",
      metadata: { name: "web" },
      rules: [{ apiGroups: [""], resources: ["pods"], verbs: ["get"] }],
    });
    await post(`${api}/services`, {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "web" },
      spec: { selector: { app: "web" }, ports: [{ port: 80 }] },
    });
    await post(`${api}/configmaps`, {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "gone" },
    });
    // An update, so that a stored object's resourceVersion is not its creation's.
    await server.requestOk(
      "PATCH",
      `${api}/configmaps/settings`,
      { data: { mode: "safe" } },
      "application/merge-patch+json",
    );
    await server.requestOk("DELETE", `${api}/configmaps/gone`);

    const paths = [
      `/api/v1/namespaces/${NS}`,
      `${api}/configmaps/settings`,
      `${api}/secrets/password`,
      `/apis/rbac.authorization.k8s.io/v1/namespaces/${NS}/roles/web`,
      `${api}/services/web`,
    ];
    const before: Any[] = [];
    for (const path of paths) before.push(await server.requestOk("GET", path));
    assert.equal(before[1].data.mode, "safe");
    const listBefore: Any = await server.requestOk("GET", `${api}/configmaps`);
    const newest = before.map((o) => BigInt(o.metadata.resourceVersion))
      .concat(BigInt(listBefore.metadata.resourceVersion))
      .reduce((a, b) => a > b ? a : b);

    await server.restart();

    for (const [i, path] of paths.entries()) {
      assert.deepEqual(await server.requestOk("GET", path), before[i], path);
    }
    assert.equal((await server.request("GET", `${api}/configmaps/gone`)).status, 404);
    const listAfter: Any = await server.requestOk("GET", `${api}/configmaps`);
    // kube-root-ca.crt is written by a controller whenever it reaches the namespace.
    const own = (items: Any[]) => items.filter((i) => i.metadata.name !== "kube-root-ca.crt");
    assert.deepEqual(own(listAfter.items), own(listBefore.items));

    const created = await post(`${api}/configmaps`, {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "after-restart" },
    });
    assert.ok(
      BigInt(created.metadata.resourceVersion) > newest,
      `new resourceVersion ${created.metadata.resourceVersion} is not above ${newest}`,
    );
    const updated: Any = await server.requestOk(
      "PATCH",
      `${api}/configmaps/settings`,
      { data: { mode: "fast" } },
      "application/merge-patch+json",
    );
    assert.ok(BigInt(updated.metadata.resourceVersion) > BigInt(created.metadata.resourceVersion));

    // kubectl still trusts the server and its credentials after the restart.
    const names = await server.kubectlOk(["get", "configmaps", "-n", NS, "-o", "name"]);
    assert.equal(
      names.split("\n").filter((n) => n !== "configmap/kube-root-ca.crt").join("\n"),
      "configmap/after-restart\nconfigmap/settings\n",
    );
  } finally {
    await server.close();
  }
});

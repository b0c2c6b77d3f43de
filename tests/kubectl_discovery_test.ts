/**
 * What kubectl learns about the server and prints about objects, with the oldest and newest
 * kubectl: `api-resources`, `get all`, `get --raw` of `/version` and `/readyz?verbose`,
 * `version`, and `describe` of a Deployment and a ConfigMap created over HTTP.
 *
 * @module
 */
import assert from "node:assert/strict";
import { kubectlSteps, parseTable, startServer } from "./harness.ts";

/** `Key:   value` lines of `kubectl describe` at the top level (no indentation). */
function describeFields(text: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const m of text.matchAll(/^([A-Za-z][A-Za-z -]*):[ \t]+(.*)$/gm)) fields[m[1]] = m[2].trim();
  return fields;
}

Deno.test("kubectl discovers the API and describes objects", async (t) => {
  const server = await startServer();
  try {
    await kubectlSteps(t, server, "discovery", async (k, t) => {
      const ns = k.namespace;
      await server.requestOk("POST", `/apis/apps/v1/namespaces/${ns}/deployments`, {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: "web", labels: { team: "blue" } },
        spec: {
          replicas: 3,
          selector: { matchLabels: { app: "web" } },
          template: {
            metadata: { labels: { app: "web" } },
            spec: { containers: [{ name: "server", image: "nginx:1.25" }] },
          },
        },
      });
      await server.requestOk("POST", `/api/v1/namespaces/${ns}/configmaps`, {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: "settings", annotations: { owner: "ops" } },
        data: { "mode": "fast", "level": "7" },
      });
      await server.requestOk("POST", `/api/v1/namespaces/${ns}/services`, {
        apiVersion: "v1",
        kind: "Service",
        metadata: { name: "web" },
        spec: { selector: { app: "web" }, ports: [{ port: 80 }] },
      });

      await t.step("api-resources lists pods/po and deployments/deploy", async () => {
        const table = parseTable(await k.ok(["api-resources"]));
        assert.deepEqual(table.headers, ["NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND"]);
        const rows = Object.fromEntries(
          table.rows.map((r) => [`${r.NAME}.${r.APIVERSION}`, r]),
        );
        assert.deepEqual(rows["pods.v1"], {
          NAME: "pods",
          SHORTNAMES: "po",
          APIVERSION: "v1",
          NAMESPACED: "true",
          KIND: "Pod",
        });
        assert.deepEqual(rows["deployments.apps/v1"], {
          NAME: "deployments",
          SHORTNAMES: "deploy",
          APIVERSION: "apps/v1",
          NAMESPACED: "true",
          KIND: "Deployment",
        });
        assert.equal(rows["namespaces.v1"].NAMESPACED, "false");
        const names = (await k.ok(["api-resources", "--api-group=apps", "-o", "name"])).split("\n");
        assert.ok(names.includes("deployments.apps"), names.join(","));
      });

      await t.step("get all shows the namespace's service and deployment", async () => {
        const out = await k.ok(["get", "all"]);
        assert.match(out, /^service\/web +ClusterIP +10\.43\.\d+\.\d+ +<none> +80\/TCP /m);
        assert.match(out, /^deployment\.apps\/web +0\/3 +\d +0 /m);
      });

      await t.step("get --raw /version", async () => {
        const info = JSON.parse(await k.ok(["get", "--raw", "/version"]));
        assert.equal(info.major, "1");
        const m = /^v1\.(\d+)\.\d+\+k3s\d+$/.exec(info.gitVersion);
        assert.ok(m, `gitVersion ${info.gitVersion} is not v1.N.N+k3sN`);
        assert.equal(info.minor, m[1]);
        const version = JSON.parse(await k.ok(["version", "-o", "json"]));
        assert.equal(version.serverVersion.gitVersion, info.gitVersion);
      });

      await t.step("get --raw /readyz?verbose", async () => {
        const out = await k.ok(["get", "--raw", "/readyz?verbose"]);
        const lines = out.trim().split("\n");
        assert.ok(lines.includes("[+]ping ok"), out);
        assert.ok(lines.slice(0, -1).every((l) => /^\[\+\][\w/-]+ ok$/.test(l)), out);
        assert.equal(lines.at(-1), "readyz check passed");
      });

      await t.step("describe deployment", async () => {
        const out = await k.ok(["describe", "deployment", "web"]);
        const f = describeFields(out);
        assert.equal(f.Name, "web");
        assert.equal(f.Namespace, ns);
        assert.equal(f.Labels, "team=blue");
        assert.equal(f.Selector, "app=web");
        // No node runs the pods: none is available (a controller may create them).
        assert.match(
          f.Replicas,
          /^3 desired \| \d updated \| \d total \| 0 available \| \d unavailable$/,
        );
        assert.equal(f.StrategyType, "RollingUpdate");
        assert.equal(f.RollingUpdateStrategy, "25% max unavailable, 25% max surge");
        assert.match(out, /^ {3}server:\n {4}Image: +nginx:1\.25$/m);
      });

      await t.step("describe configmap", async () => {
        const out = await k.ok(["describe", "configmap", "settings"]);
        const f = describeFields(out);
        assert.equal(f.Name, "settings");
        assert.equal(f.Namespace, ns);
        assert.equal(f.Annotations, "owner: ops");
        assert.match(out, /^mode:\n-+\nfast\n/m);
        assert.match(out, /^level:\n-+\n7\n/m);
        const missing = await k.run(["describe", "configmap", "nope"]);
        assert.notEqual(missing.code, 0);
        assert.match(missing.stderr, /configmaps "nope" not found/);
      });
    });
  } finally {
    await server.close();
  }
});

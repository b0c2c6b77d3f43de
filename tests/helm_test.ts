/**
 * helm 4 against a real server: install a local chart (Deployment, Service, ConfigMap, and a CRD
 * with a custom resource), list and status, upgrade with new values, roll back, uninstall. helm 4
 * writes with server-side apply, so this also drives apply, CRDs and discovery refreshes.
 *
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { HELM, REPO, run, startServer } from "./harness.ts";

const CHART = join(REPO, "tests", "testdata", "chart");

Deno.test({
  name: "helm installs, upgrades, rolls back and uninstalls a chart with a CRD",
  async fn() {
    const server = await startServer();
    const helm = async (...args: string[]) => {
      const r = await run(HELM, [...args, "--kubeconfig", server.kubeconfig], {
        env: { HOME: server.dataDir, HELM_CACHE_HOME: join(server.dataDir, "helm-cache") },
      });
      if (r.code !== 0) throw new Error(`helm ${args.join(" ")} failed:\n${r.stderr}${r.stdout}`);
      return r.stdout;
    };
    const get = async (what: string, jsonpath: string) =>
      (await server.kubectlOk(["get", what, "-o", `jsonpath=${jsonpath}`])).trim();
    try {
      await helm("install", "demo", CHART, "--wait=false");

      const list = JSON.parse(await helm("list", "-o", "json"));
      assert.equal(list.length, 1);
      assert.equal(list[0].name, "demo");
      assert.equal(list[0].status, "deployed");
      assert.equal(list[0].revision, "1");
      const status = await helm("status", "demo");
      assert.match(status, /STATUS: deployed/);

      assert.equal(await get("configmap/demo-config", "{.data.message}"), "hello");
      assert.equal(await get("deployment/demo-web", "{.spec.replicas}"), "1");
      assert.equal(await get("service/demo-svc", "{.spec.ports[0].port}"), "80");
      assert.equal(await get("crd/widgets.demo.example.com", "{.spec.group}"), "demo.example.com");
      assert.equal(await get("widget/demo-widget", "{.spec.size}"), "1");

      await helm("upgrade", "demo", CHART, "--set", "replicas=2", "--set", "message=changed");
      assert.equal(await get("configmap/demo-config", "{.data.message}"), "changed");
      assert.equal(await get("deployment/demo-web", "{.spec.replicas}"), "2");
      assert.equal(await get("widget/demo-widget", "{.spec.size}"), "2");
      const history = JSON.parse(await helm("history", "demo", "-o", "json"));
      assert.equal(history.length, 2);

      await helm("rollback", "demo", "1");
      assert.equal(await get("configmap/demo-config", "{.data.message}"), "hello");
      assert.equal(await get("deployment/demo-web", "{.spec.replicas}"), "1");
      const after = JSON.parse(await helm("list", "-o", "json"));
      assert.equal(after[0].revision, "3");

      await helm("uninstall", "demo");
      assert.deepEqual(JSON.parse(await helm("list", "-o", "json")), []);
      const gone = await server.kubectl(["get", "configmap/demo-config"]);
      assert.notEqual(gone.code, 0);
      assert.match(gone.stderr, /NotFound|not found/);
      // helm leaves CRDs from crds/ in place on uninstall, as upstream documents.
      assert.equal(
        await get("crd/widgets.demo.example.com", "{.metadata.name}"),
        "widgets.demo.example.com",
      );
    } finally {
      await server.close();
    }
  },
});

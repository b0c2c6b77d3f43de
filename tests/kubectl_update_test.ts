/**
 * Changing objects with the oldest and newest kubectl: `edit` with a scripted editor, `patch`
 * in its three flavours (strategic merge by default, `--type=merge`, `--type=json`), `scale`,
 * and `replace` of a stale copy, which must be refused as a conflict. Results are read back
 * over HTTP.
 *
 * @module
 */
import assert from "node:assert/strict";
import { kubectlSteps, startServer } from "./harness.ts";

const EDITOR = new URL("./testdata/edit_color.sh", import.meta.url).pathname;

// deno-lint-ignore no-explicit-any
type Any = any;

function configMap(name: string, data: Record<string, string>) {
  return { apiVersion: "v1", kind: "ConfigMap", metadata: { name }, data };
}

function deployment(name: string, containers: { name: string; image: string }[]) {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers } },
    },
  };
}

function images(deploy: Any): string[][] {
  return deploy.spec.template.spec.containers.map((c: Any) => [c.name, c.image]);
}

Deno.test("kubectl edit, patch, scale and replace change objects", async (t) => {
  const server = await startServer();
  try {
    await kubectlSteps(t, server, "update", async (k, t) => {
      const cms = `/api/v1/namespaces/${k.namespace}/configmaps`;
      const deploys = `/apis/apps/v1/namespaces/${k.namespace}/deployments`;
      const get = (path: string): Promise<Any> => server.requestOk("GET", path);
      const post = (path: string, body: unknown): Promise<Any> =>
        server.requestOk("POST", path, body);

      await t.step("edit with a scripted EDITOR", async () => {
        await post(cms, configMap("edited", { color: "blue", shape: "round" }));
        const out = await k.ok(["edit", "configmap", "edited"], { env: { EDITOR } });
        assert.equal(out, "configmap/edited edited\n");
        assert.deepEqual((await get(`${cms}/edited`)).data, { color: "green", shape: "round" });
      });

      await t.step("patch: strategic merge (default), merge and json", async () => {
        await post(cms, configMap("patched", { a: "1", b: "2", c: "3" }));
        const strategic = await k.ok([
          "patch",
          "configmap",
          "patched",
          "-p",
          '{"data":{"a":"10"}}',
        ]);
        assert.equal(strategic, "configmap/patched patched\n");
        const merge = await k.ok([
          "patch",
          "configmap",
          "patched",
          "--type=merge",
          "-p",
          '{"data":{"b":null,"d":"4"}}',
        ]);
        assert.equal(merge, "configmap/patched patched\n");
        const json = await k.ok([
          "patch",
          "configmap",
          "patched",
          "--type=json",
          "-p",
          '[{"op":"replace","path":"/data/c","value":"30"},{"op":"add","path":"/data/e","value":"5"}]',
        ]);
        assert.equal(json, "configmap/patched patched\n");
        assert.deepEqual((await get(`${cms}/patched`)).data, { a: "10", c: "30", d: "4", e: "5" });
      });

      await t.step("a failing json patch test op changes nothing", async () => {
        await post(cms, configMap("guarded", { v: "1" }));
        const r = await k.run([
          "patch",
          "configmap",
          "guarded",
          "--type=json",
          "-p",
          '[{"op":"test","path":"/data/v","value":"2"},{"op":"replace","path":"/data/v","value":"3"}]',
        ]);
        assert.notEqual(r.code, 0);
        assert.match(r.stderr, /test/i);
        assert.deepEqual((await get(`${cms}/guarded`)).data, { v: "1" });
      });

      await t.step("strategic patch of a Deployment's containers merges by name", async () => {
        await post(
          deploys,
          deployment("two-containers", [
            { name: "app", image: "busybox:1.35" },
            { name: "sidecar", image: "busybox:1.35" },
          ]),
        );
        await k.ok([
          "patch",
          "deployment",
          "two-containers",
          "-p",
          '{"spec":{"template":{"spec":{"containers":[{"name":"sidecar","image":"busybox:1.36"}]}}}}',
        ]);
        assert.deepEqual(images(await get(`${deploys}/two-containers`)), [
          ["app", "busybox:1.35"],
          ["sidecar", "busybox:1.36"],
        ]);
        // The same body as a merge patch replaces the whole list.
        await k.ok([
          "patch",
          "deployment",
          "two-containers",
          "--type=merge",
          "-p",
          '{"spec":{"template":{"spec":{"containers":[{"name":"sidecar","image":"busybox:1.37"}]}}}}',
        ]);
        assert.deepEqual(images(await get(`${deploys}/two-containers`)), [
          ["sidecar", "busybox:1.37"],
        ]);
      });

      await t.step("scale deployment --replicas", async () => {
        await post(deploys, deployment("scaled", [{ name: "app", image: "busybox:1.36" }]));
        const out = await k.ok(["scale", "deployment", "scaled", "--replicas=4"]);
        assert.equal(out, "deployment.apps/scaled scaled\n");
        assert.equal((await get(`${deploys}/scaled`)).spec.replicas, 4);
        const wrong = await k.run([
          "scale",
          "deployment",
          "scaled",
          "--current-replicas=1",
          "--replicas=2",
        ]);
        assert.notEqual(wrong.code, 0, "--current-replicas is checked");
        assert.equal((await get(`${deploys}/scaled`)).spec.replicas, 4);
      });

      await t.step("replace of a stale copy is a conflict", async () => {
        await post(cms, configMap("stale", { v: "1" }));
        const old = JSON.parse(await k.ok(["get", "configmap", "stale", "-o", "json"]));
        assert.ok(old.metadata.resourceVersion);
        await k.ok(["label", "configmap", "stale", "bumped=yes"]);
        const file = await Deno.makeTempFile({ suffix: ".json" });
        try {
          await Deno.writeTextFile(file, JSON.stringify({ ...old, data: { v: "2" } }));
          const r = await k.run(["replace", "-f", file]);
          assert.notEqual(r.code, 0);
          assert.match(r.stderr, /the object has been modified/);
        } finally {
          await Deno.remove(file);
        }
        const now = await get(`${cms}/stale`);
        assert.deepEqual(now.data, { v: "1" });
        assert.deepEqual(now.metadata.labels, { bumped: "yes" });
      });
    });
  } finally {
    await server.close();
  }
});

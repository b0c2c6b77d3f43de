/**
 * Creating objects with the oldest and newest kubectl: `create -f` of a file, the imperative
 * `create configmap|secret|deployment|namespace|service clusterip`, and `apply -f` (twice, then
 * with a change). Each result is read back over HTTP and compared with what was asked for.
 *
 * @module
 */
import assert from "node:assert/strict";
import { parseAllDocuments } from "yaml";
import { type K3sServer, kubectlSteps, startServer } from "./harness.ts";

const TESTDATA = new URL("./testdata/", import.meta.url).pathname;

// deno-lint-ignore no-explicit-any
type Any = any;

async function fixture(name: string): Promise<Any[]> {
  return parseAllDocuments(await Deno.readTextFile(TESTDATA + name)).map((d) => d.toJSON());
}

function get(server: K3sServer, path: string): Promise<Any> {
  return server.requestOk("GET", path);
}

Deno.test("kubectl create and apply make the objects asked for", async (t) => {
  const server = await startServer();
  try {
    await kubectlSteps(t, server, "create", async (k, t) => {
      const api = `/api/v1/namespaces/${k.namespace}`;
      const apps = `/apis/apps/v1/namespaces/${k.namespace}`;

      await t.step("create -f of a two-object file", async () => {
        const [cm, deploy] = await fixture("create.yaml");
        const out = await k.ok(["create", "-f", TESTDATA + "create.yaml"]);
        assert.equal(out, "configmap/file-config created\ndeployment.apps/file-deploy created\n");
        const gotCm = await get(server, `${api}/configmaps/file-config`);
        assert.deepEqual(gotCm.data, cm.data);
        assert.deepEqual(gotCm.metadata.labels, cm.metadata.labels);
        const gotDeploy = await get(server, `${apps}/deployments/file-deploy`);
        assert.equal(gotDeploy.spec.replicas, deploy.spec.replicas);
        assert.deepEqual(
          gotDeploy.spec.template.spec.containers.map((c: Any) => [c.name, c.image, c.command]),
          deploy.spec.template.spec.containers.map((c: Any) => [c.name, c.image, c.command]),
        );
      });

      await t.step("create configmap --from-literal", async () => {
        const out = await k.ok([
          "create",
          "configmap",
          "imp-config",
          "--from-literal=a=1",
          "--from-literal=b=two words",
        ]);
        assert.equal(out, "configmap/imp-config created\n");
        const got = await get(server, `${api}/configmaps/imp-config`);
        assert.deepEqual(got.data, { a: "1", b: "two words" });
      });

      await t.step("create secret generic", async () => {
        const out = await k.ok([
          "create",
          "secret",
          "generic",
          "imp-secret",
          "--from-literal=user=admin",
        ]);
        assert.equal(out, "secret/imp-secret created\n");
        const got = await get(server, `${api}/secrets/imp-secret`);
        assert.equal(got.type, "Opaque");
        assert.deepEqual(got.data, { user: btoa("admin") });
      });

      await t.step("create deployment", async () => {
        const out = await k.ok([
          "create",
          "deployment",
          "imp-deploy",
          "--image=busybox:1.36",
          "--replicas=2",
        ]);
        assert.equal(out, "deployment.apps/imp-deploy created\n");
        const got = await get(server, `${apps}/deployments/imp-deploy`);
        assert.equal(got.spec.replicas, 2);
        assert.deepEqual(got.spec.selector, { matchLabels: { app: "imp-deploy" } });
        assert.deepEqual(got.spec.template.spec.containers.map((c: Any) => c.image), [
          "busybox:1.36",
        ]);
      });

      await t.step("create namespace", async () => {
        const name = `made-${k.namespace}`;
        assert.equal(await k.ok(["create", "namespace", name]), `namespace/${name} created\n`);
        const got = await get(server, `/api/v1/namespaces/${name}`);
        assert.equal(got.status.phase, "Active");
      });

      await t.step("create service clusterip", async () => {
        const out = await k.ok(["create", "service", "clusterip", "imp-svc", "--tcp=80:8080"]);
        assert.equal(out, "service/imp-svc created\n");
        const got = await get(server, `${api}/services/imp-svc`);
        assert.equal(got.spec.type, "ClusterIP");
        assert.match(got.spec.clusterIP, /^10\.43\.\d+\.\d+$/);
        assert.deepEqual(got.spec.selector, { app: "imp-svc" });
        assert.equal(got.spec.ports.length, 1);
        assert.equal(got.spec.ports[0].port, 80);
        assert.equal(got.spec.ports[0].targetPort, 8080);
        assert.equal(got.spec.ports[0].protocol, "TCP");
      });

      await t.step("create of an existing name fails and changes nothing", async () => {
        await server.requestOk("POST", `${api}/configmaps`, {
          apiVersion: "v1",
          kind: "ConfigMap",
          metadata: { name: "taken" },
          data: { v: "first" },
        });
        const r = await k.run(["create", "configmap", "taken", "--from-literal=v=second"]);
        assert.notEqual(r.code, 0);
        assert.match(r.stderr, /configmaps "taken" already exists/);
        assert.deepEqual((await get(server, `${api}/configmaps/taken`)).data, { v: "first" });
      });

      await t.step("apply -f twice, then with a change", async () => {
        const v1 = TESTDATA + "apply_v1.yaml";
        const v2 = TESTDATA + "apply_v2.yaml";
        assert.equal(
          await k.ok(["apply", "-f", v1]),
          "configmap/applied-config created\ndeployment.apps/applied-deploy created\n",
        );
        assert.equal(
          await k.ok(["apply", "-f", v1]),
          "configmap/applied-config unchanged\ndeployment.apps/applied-deploy unchanged\n",
        );
        // A field nobody applied survives the next apply (three-way merge).
        await server.requestOk(
          "PATCH",
          `${api}/configmaps/applied-config`,
          { metadata: { labels: { "set-by": "someone-else" } } },
          "application/merge-patch+json",
        );
        assert.equal(
          await k.ok(["apply", "-f", v2]),
          "configmap/applied-config configured\ndeployment.apps/applied-deploy configured\n",
        );

        const [cm2, deploy2] = await fixture("apply_v2.yaml");
        const cm = await get(server, `${api}/configmaps/applied-config`);
        assert.deepEqual(cm.data, cm2.data, "data is v2's: changed, removed and added keys");
        assert.deepEqual(cm.metadata.labels, { "set-by": "someone-else" });
        const last = cm.metadata.annotations?.["kubectl.kubernetes.io/last-applied-configuration"];
        assert.equal(typeof last, "string", "last-applied-configuration annotation exists");
        assert.deepEqual(JSON.parse(last).data, cm2.data);

        const deploy = await get(server, `${apps}/deployments/applied-deploy`);
        assert.equal(deploy.spec.replicas, deploy2.spec.replicas);
        assert.deepEqual(
          deploy.spec.template.spec.containers.map((c: Any) => [c.name, c.image]),
          deploy2.spec.template.spec.containers.map((c: Any) => [c.name, c.image]),
        );
        assert.ok(
          deploy.metadata.annotations?.["kubectl.kubernetes.io/last-applied-configuration"],
        );
      });
    });
  } finally {
    await server.close();
  }
});

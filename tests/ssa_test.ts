/**
 * Server-side apply with the oldest and newest kubectl against a real server: `apply
 * --server-side` creating and then changing a Deployment, a conflict with another
 * `--field-manager` (409 naming field and manager), `--force-conflicts`, `diff --server-side`
 * and client-side `diff` (dry-run patches), dropping a field by leaving it out, and moving from
 * client-side `kubectl apply` to `--server-side`; `get --show-managed-fields` and the stored
 * `managedFields` show who owns what.
 *
 * @module
 */
import assert from "node:assert/strict";
import { parse } from "yaml";
import { type K3sServer, kubectlSteps, startServer } from "./harness.ts";

// deno-lint-ignore no-explicit-any
type Any = any;

function deployment(replicas: number, labels: Record<string, string> = {}): string {
  const extra = Object.entries(labels).map(([k, v]) => `\n    ${k}: ${v}`).join("");
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels:
    app: web${extra}
spec:
  replicas: ${replicas}
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: nginx
        image: nginx:1.25
        ports:
        - containerPort: 80
`;
}

function configMap(data: Record<string, string>): string {
  const lines = Object.entries(data).map(([k, v]) => `  ${k}: "${v}"`).join("\n");
  return `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n${lines}\n`;
}

type Entry = { manager: string; operation: string; subresource?: string; fieldsV1: Any };

function owner(obj: Any, manager: string, operation = "Apply"): Entry | undefined {
  return (obj.metadata.managedFields as Entry[] | undefined)?.find((e) =>
    e.manager === manager && e.operation === operation
  );
}

function get(server: K3sServer, path: string): Promise<Any> {
  return server.requestOk("GET", path);
}

Deno.test("kubectl apply --server-side: create, change, conflicts, force, diff", async (t) => {
  const server = await startServer();
  try {
    await kubectlSteps(t, server, "ssa", async (k, t) => {
      const path = `/apis/apps/v1/namespaces/${k.namespace}/deployments/web`;

      await t.step("apply --server-side creates the object owned by kubectl", async () => {
        const out = await k.ok(["apply", "--server-side", "-f", "-"], { stdin: deployment(2) });
        assert.equal(out, "deployment.apps/web serverside-applied\n");
        const d = await get(server, path);
        assert.equal(d.spec.replicas, 2);
        const e = owner(d, "kubectl")!;
        assert.ok(e.fieldsV1["f:spec"]["f:replicas"]);
        const nginx = e.fieldsV1["f:spec"]["f:template"]["f:spec"]["f:containers"][
          'k:{"name":"nginx"}'
        ];
        assert.deepEqual(Object.keys(nginx["f:ports"]), [
          'k:{"containerPort":80,"protocol":"TCP"}',
        ]);
      });

      await t.step("re-applying with a change updates the object", async () => {
        const before = await get(server, path);
        await k.ok(["apply", "--server-side", "-f", "-"], {
          stdin: deployment(3, { tier: "front" }),
        });
        const d = await get(server, path);
        assert.equal(d.spec.replicas, 3);
        assert.equal(d.metadata.labels.tier, "front");
        assert.notEqual(d.metadata.resourceVersion, before.metadata.resourceVersion);
      });

      await t.step("a label left out of the next apply is removed", async () => {
        await k.ok(["apply", "--server-side", "-f", "-"], { stdin: deployment(3) });
        const d = await get(server, path);
        assert.deepEqual(d.metadata.labels, { app: "web" });
      });

      await t.step("another field manager changing replicas gets the conflict", async () => {
        const r = await k.run(["apply", "--server-side", "--field-manager=scaler", "-f", "-"], {
          stdin: deployment(5),
        });
        assert.notEqual(r.code, 0);
        assert.match(
          r.stderr,
          /Apply failed with 1 conflict: conflict with "kubectl": \.spec\.replicas/,
        );
        assert.equal((await get(server, path)).spec.replicas, 3);
        // The same conflict over HTTP: 409 with one cause naming field and manager.
        const res = await server.request("PATCH", `${path}?fieldManager=scaler`, {
          body: deployment(5),
          contentType: "application/apply-patch+yaml",
        });
        assert.equal(res.status, 409);
        const st = JSON.parse(res.body);
        assert.equal(st.reason, "Conflict");
        assert.deepEqual(st.details.causes, [{
          reason: "FieldManagerConflict",
          message: 'conflict with "kubectl"',
          field: ".spec.replicas",
        }]);
      });

      await t.step("--force-conflicts takes the field over", async () => {
        await k.ok([
          "apply",
          "--server-side",
          "--field-manager=scaler",
          "--force-conflicts",
          "-f",
          "-",
        ], { stdin: deployment(5) });
        const d = await get(server, path);
        assert.equal(d.spec.replicas, 5);
        assert.ok(owner(d, "scaler")!.fieldsV1["f:spec"]["f:replicas"]);
        assert.equal(owner(d, "kubectl")!.fieldsV1["f:spec"]["f:replicas"], undefined);
      });

      await t.step("diff --server-side shows the change and changes nothing", async () => {
        const r = await k.run(["diff", "--server-side", "--field-manager=scaler", "-f", "-"], {
          stdin: deployment(7),
        });
        assert.equal(r.code, 1, r.stderr);
        const lines = r.stdout.split("\n");
        assert.ok(lines.includes("-  replicas: 5") && lines.includes("+  replicas: 7"), r.stdout);
        assert.equal((await get(server, path)).spec.replicas, 5);
      });

      await t.step("get --show-managed-fields lists both managers", async () => {
        const out = await k.ok(["get", "deployment", "web", "-o", "yaml", "--show-managed-fields"]);
        const d = parse(out);
        // The deployment controller's status writes add its own Update entry; the appliers are these.
        const managers = d.metadata.managedFields.filter((e: Entry) => e.operation === "Apply")
          .map((e: Entry) => `${e.manager}/${e.operation}`);
        assert.deepEqual(managers.sort(), ["kubectl/Apply", "scaler/Apply"]);
        const plain = parse(await k.ok(["get", "deployment", "web", "-o", "yaml"]));
        assert.equal(plain.metadata.managedFields, undefined);
      });
    });
  } finally {
    await server.close();
  }
});

Deno.test("kubectl apply client-side, then --server-side takes over", async (t) => {
  const server = await startServer();
  try {
    await kubectlSteps(t, server, "csa", async (k, t) => {
      const path = `/api/v1/namespaces/${k.namespace}/configmaps/settings`;

      await t.step("client-side apply records kubectl-client-side-apply", async () => {
        const out = await k.ok(["apply", "-f", "-"], { stdin: configMap({ a: "1", b: "2" }) });
        assert.equal(out, "configmap/settings created\n");
        const cm = await get(server, path);
        const e = owner(cm, "kubectl-client-side-apply", "Update")!;
        assert.ok(e.fieldsV1["f:data"]["f:a"]);
        assert.ok(e.fieldsV1["f:metadata"]["f:annotations"]);
      });

      await t.step("client-side diff shows the change", async () => {
        const r = await k.run(["diff", "-f", "-"], { stdin: configMap({ a: "1", b: "3" }) });
        assert.equal(r.code, 1, r.stderr);
        const lines = r.stdout.split("\n");
        assert.ok(lines.includes('-  b: "2"') && lines.includes('+  b: "3"'), r.stdout);
        assert.equal((await get(server, path)).data.b, "2");
      });

      await t.step("apply --server-side changes a client-side field without conflict", async () => {
        const out = await k.ok(["apply", "--server-side", "-f", "-"], {
          stdin: configMap({ a: "5", b: "2" }),
        });
        assert.equal(out, "configmap/settings serverside-applied\n");
        const cm = await get(server, path);
        assert.deepEqual(cm.data, { a: "5", b: "2" });
        const e = owner(cm, "kubectl")!;
        assert.deepEqual(Object.keys(e.fieldsV1["f:data"]).sort(), ["f:a", "f:b"]);
        const csa = owner(cm, "kubectl-client-side-apply", "Update");
        assert.equal(csa?.fieldsV1["f:data"]?.["f:a"], undefined);
        const lastApplied = JSON.parse(
          cm.metadata.annotations["kubectl.kubernetes.io/last-applied-configuration"],
        );
        assert.deepEqual(lastApplied.data, { a: "5", b: "2" });
      });

      await t.step("a later client-side apply still works", async () => {
        await k.ok(["apply", "-f", "-"], { stdin: configMap({ a: "5", b: "9" }) });
        assert.deepEqual((await get(server, path)).data, { a: "5", b: "9" });
      });
    });
  } finally {
    await server.close();
  }
});

/**
 * `kubectl get` against a real server, in every output format, with the oldest and newest
 * kubectl: table columns per kind, `-o wide|yaml|json|name|jsonpath|custom-columns|go-template`,
 * `--show-labels`, `-L`, `--sort-by` and server-side selectors. The objects are created over
 * HTTP, so the expected values come from what was sent, never from kubectl's output.
 *
 * @module
 */
import assert from "node:assert/strict";
import { parse } from "yaml";
import { type K3sServer, kubectlSteps, parseTable, startServer } from "./harness.ts";

type Obj = Record<string, unknown>;

const pod = (name: string, labels: Record<string, string>) => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name, labels },
  spec: { containers: [{ name: "main", image: "busybox:1.36" }] },
});

/** Leaves out the CA bundle the root CA publisher puts in every namespace. */
const NOT_ROOT_CA = "--field-selector=metadata.name!=kube-root-ca.crt";

const CONFIGMAPS = [
  { name: "gamma", data: { rank: "1" } },
  { name: "alpha", data: { rank: "3", extra: "x" } },
  { name: "beta", data: { rank: "2" } },
];

async function createFixtures(server: K3sServer, ns: string): Promise<{ clusterIP: string }> {
  const api = `/api/v1/namespaces/${ns}`;
  await server.requestOk("POST", `${api}/pods`, pod("p-a", { app: "a", tier: "front" }));
  await server.requestOk("POST", `${api}/pods`, pod("p-b", { app: "b" }));
  for (const cm of CONFIGMAPS) {
    await server.requestOk("POST", `${api}/configmaps`, {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: cm.name },
      data: cm.data,
    });
  }
  await server.requestOk("POST", `/apis/apps/v1/namespaces/${ns}/deployments`, {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web" },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: "web" } },
      template: {
        metadata: { labels: { app: "web" } },
        spec: { containers: [{ name: "web", image: "nginx:1.25" }] },
      },
    },
  });
  const svc = await server.requestOk<{ spec: { clusterIP: string } }>(
    "POST",
    `${api}/services`,
    {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "web" },
      spec: { selector: { app: "web" }, ports: [{ port: 80, targetPort: 8080 }] },
    },
  );
  return { clusterIP: svc.spec.clusterIP };
}

function byName(rows: Record<string, string>[]): Record<string, Record<string, string>> {
  return Object.fromEntries(rows.map((r) => [r.NAME, r]));
}

Deno.test("kubectl get prints tables and every output format", async (t) => {
  const server = await startServer();
  try {
    await kubectlSteps(t, server, "get", async (k, t) => {
      const { clusterIP } = await createFixtures(server, k.namespace);

      await t.step("pods table: NAME READY STATUS RESTARTS AGE", async () => {
        // The Deployment's pods (made by its controllers) are not the fixtures looked at here.
        const table = parseTable(await k.ok(["get", "pods", "-l", "app in (a,b)"]));
        assert.deepEqual(table.headers, ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]);
        const rows = byName(table.rows);
        assert.deepEqual(Object.keys(rows).sort(), ["p-a", "p-b"]);
        assert.equal(rows["p-a"].READY, "0/1");
        assert.equal(rows["p-a"].STATUS, "Pending");
        assert.equal(rows["p-a"].RESTARTS, "0");
        assert.match(rows["p-a"].AGE, /^\d+s$/);
      });

      await t.step("pods -o wide adds IP NODE NOMINATED NODE READINESS GATES", async () => {
        const table = parseTable(await k.ok(["get", "pods", "-o", "wide"]));
        assert.deepEqual(table.headers, [
          "NAME",
          "READY",
          "STATUS",
          "RESTARTS",
          "AGE",
          "IP",
          "NODE",
          "NOMINATED NODE",
          "READINESS GATES",
        ]);
        const row = byName(table.rows)["p-b"];
        assert.equal(row.IP, "<none>");
        assert.equal(row.NODE, "<none>");
      });

      await t.step("deployments table: NAME READY UP-TO-DATE AVAILABLE AGE", async () => {
        const table = parseTable(await k.ok(["get", "deployments"]));
        assert.deepEqual(table.headers, ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"]);
        const row = byName(table.rows).web;
        // No node runs the pods: none is ready or available (a controller may create them).
        assert.equal(row.READY, "0/2");
        assert.match(row["UP-TO-DATE"], /^[0-2]$/);
        assert.equal(row.AVAILABLE, "0");
        const wide = parseTable(await k.ok(["get", "deploy", "web", "-o", "wide"]));
        assert.deepEqual(wide.headers.slice(5), ["CONTAINERS", "IMAGES", "SELECTOR"]);
        assert.equal(wide.rows[0].CONTAINERS, "web");
        assert.equal(wide.rows[0].IMAGES, "nginx:1.25");
        assert.equal(wide.rows[0].SELECTOR, "app=web");
      });

      await t.step("services table: NAME TYPE CLUSTER-IP EXTERNAL-IP PORT(S) AGE", async () => {
        const table = parseTable(await k.ok(["get", "services"]));
        assert.deepEqual(table.headers, [
          "NAME",
          "TYPE",
          "CLUSTER-IP",
          "EXTERNAL-IP",
          "PORT(S)",
          "AGE",
        ]);
        const row = byName(table.rows).web;
        assert.equal(row.TYPE, "ClusterIP");
        assert.match(clusterIP, /^10\.43\.\d+\.\d+$/);
        assert.equal(row["CLUSTER-IP"], clusterIP);
        assert.equal(row["EXTERNAL-IP"], "<none>");
        assert.equal(row["PORT(S)"], "80/TCP");
      });

      await t.step("configmaps table: NAME DATA AGE", async () => {
        const table = parseTable(await k.ok(["get", "configmaps", NOT_ROOT_CA]));
        assert.deepEqual(table.headers, ["NAME", "DATA", "AGE"]);
        const rows = byName(table.rows);
        for (const cm of CONFIGMAPS) {
          assert.equal(rows[cm.name].DATA, String(Object.keys(cm.data).length));
        }
      });

      await t.step("-o yaml and -o json", async () => {
        const one = parse(await k.ok(["get", "cm", "alpha", "-o", "yaml"])) as Obj;
        assert.equal(one.kind, "ConfigMap");
        assert.equal(one.apiVersion, "v1");
        assert.equal((one.metadata as Obj).name, "alpha");
        assert.equal((one.metadata as Obj).namespace, k.namespace);
        assert.deepEqual(one.data, CONFIGMAPS[1].data);
        const list = JSON.parse(await k.ok(["get", "cm", NOT_ROOT_CA, "-o", "json"]));
        assert.equal(list.kind, "List");
        const items = list.items as { kind: string; metadata: { name: string }; data: Obj }[];
        assert.deepEqual(items.map((i) => i.metadata.name), ["alpha", "beta", "gamma"]);
        assert.ok(items.every((i) => i.kind === "ConfigMap"));
        assert.deepEqual(items[2].data, CONFIGMAPS[0].data);
      });

      await t.step("-o name", async () => {
        assert.equal(
          await k.ok(["get", "cm", NOT_ROOT_CA, "-o", "name"]),
          "configmap/alpha\nconfigmap/beta\nconfigmap/gamma\n",
        );
        assert.equal(await k.ok(["get", "deploy", "-o", "name"]), "deployment.apps/web\n");
      });

      await t.step("-o jsonpath", async () => {
        const [all, one, replicas] = await Promise.all([
          k.ok(["get", "cm", NOT_ROOT_CA, "-o", "jsonpath={.items[*].data.rank}"]),
          k.ok(["get", "cm", "alpha", "-o", "jsonpath={.data.extra}"]),
          k.ok(["get", "deploy", "web", "-o", "jsonpath={.spec.replicas}"]),
        ]);
        assert.equal(all, "3 2 1");
        assert.equal(one, "x");
        assert.equal(replicas, "2");
      });

      await t.step("-o custom-columns", async () => {
        const out = await k.ok([
          "get",
          "cm",
          NOT_ROOT_CA,
          "-o",
          "custom-columns=N:.metadata.name,R:.data.rank",
        ]);
        const table = parseTable(out);
        assert.deepEqual(table.headers, ["N", "R"]);
        assert.deepEqual(table.rows, [
          { N: "alpha", R: "3" },
          { N: "beta", R: "2" },
          { N: "gamma", R: "1" },
        ]);
      });

      await t.step("-o go-template", async () => {
        const tpl = "go-template={{range .items}}{{.metadata.name}}={{.data.rank}};{{end}}";
        assert.equal(await k.ok(["get", "cm", NOT_ROOT_CA, "-o", tpl]), "alpha=3;beta=2;gamma=1;");
      });

      await t.step("--show-labels and -L", async () => {
        const shown = byName(parseTable(await k.ok(["get", "pods", "--show-labels"])).rows);
        assert.equal(shown["p-a"].LABELS, "app=a,tier=front");
        assert.equal(shown["p-b"].LABELS, "app=b");
        const table = parseTable(await k.ok(["get", "pods", "-L", "app", "-L", "tier"]));
        assert.deepEqual(table.headers.slice(-2), ["APP", "TIER"]);
        const rows = byName(table.rows);
        assert.deepEqual([rows["p-a"].APP, rows["p-a"].TIER], ["a", "front"]);
        assert.deepEqual([rows["p-b"].APP, rows["p-b"].TIER], ["b", ""]);
      });

      await t.step("--sort-by", async () => {
        const byRank = parseTable(await k.ok(["get", "cm", NOT_ROOT_CA, "--sort-by=.data.rank"]));
        assert.deepEqual(byRank.rows.map((r) => r.NAME), ["gamma", "beta", "alpha"]);
        const byData = await k.ok(["get", "cm", NOT_ROOT_CA, "--sort-by=.data.rank", "-o", "name"]);
        assert.equal(byData, "configmap/gamma\nconfigmap/beta\nconfigmap/alpha\n");
      });

      await t.step("label and field selectors are applied by the server", async () => {
        const [equality, set, field, none] = await Promise.all([
          k.ok(["get", "pods", "-l", "app=a", "-o", "name"]),
          k.ok(["get", "pods", "-l", "app in (a,b),tier!=front", "-o", "name"]),
          k.ok(["get", "cm", "--field-selector=metadata.name=beta", "-o", "name"]),
          k.run(["get", "pods", "-l", "app=zzz"]),
        ]);
        assert.equal(equality, "pod/p-a\n");
        assert.equal(set, "pod/p-b\n");
        assert.equal(field, "configmap/beta\n");
        assert.equal(none.code, 0);
        assert.equal(none.stdout, "");
        assert.match(none.stderr, /No resources found in get-\d+-\d+ namespace\./);
      });
    });
  } finally {
    await server.close();
  }
});

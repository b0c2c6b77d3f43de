import assert from "node:assert/strict";
import { TEST_DEFS, testServer } from "../../testing.ts";
import { resources as apps } from "./mod.ts";
import { resources as batch } from "../batch/mod.ts";

const TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io";
const BASE = "/apis/apps/v1/namespaces/default/deployments";

const deployment = {
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "web" },
  spec: {
    selector: { matchLabels: { app: "web" } },
    template: {
      metadata: { labels: { app: "web" } },
      spec: { containers: [{ name: "nginx", image: "nginx:1.27" }] },
    },
  },
};

Deno.test("workloads through the generic store: defaults, scale, immutability, tables", async () => {
  const s = await testServer([...TEST_DEFS, ...apps, ...batch]);
  try {
    const created = await s.call("POST", BASE, deployment);
    assert.equal(created.status, 201);
    const d = await created.json();
    assert.equal(d.spec.replicas, 1);
    assert.equal(d.spec.strategy.rollingUpdate.maxSurge, "25%");
    assert.equal(d.metadata.generation, 1);

    const scale = await (await s.call("GET", `${BASE}/web/scale`)).json();
    assert.deepEqual([scale.spec.replicas, scale.status.selector], [1, "app=web"]);
    scale.spec.replicas = 3;
    assert.equal((await s.call("PUT", `${BASE}/web/scale`, scale)).status, 200);
    const scaled = await (await s.call("GET", `${BASE}/web`)).json();
    assert.deepEqual([scaled.spec.replicas, scaled.metadata.generation], [3, 2]);

    scaled.spec.selector = { matchLabels: { app: "web", v: "2" } };
    scaled.spec.template.metadata.labels.v = "2";
    const refused = await s.call("PUT", `${BASE}/web`, scaled);
    assert.equal(refused.status, 422);
    assert.match(
      (await refused.json()).message,
      /spec\.selector: Invalid value: .*field is immutable/,
    );

    const table = await (await s.call("GET", BASE, undefined, { accept: TABLE })).json();
    assert.deepEqual(
      table.columnDefinitions.map((c: { name: string }) => c.name),
      ["Name", "Ready", "Up-to-date", "Available", "Age", "Containers", "Images", "Selector"],
    );
    assert.deepEqual(table.rows[0].cells.slice(0, 4), ["web", "0/3", 0, 0]);

    const job = await s.call("POST", "/apis/batch/v1/namespaces/default/jobs", {
      metadata: { name: "pi" },
      spec: {
        template: {
          spec: { restartPolicy: "Never", containers: [{ name: "pi", image: "perl" }] },
        },
      },
    });
    assert.equal(job.status, 201);
    const j = await job.json();
    assert.deepEqual(j.spec.selector, {
      matchLabels: { "batch.kubernetes.io/controller-uid": j.metadata.uid },
    });
    assert.equal(j.metadata.labels["job-name"], "pi");
  } finally {
    await s.close();
  }
});

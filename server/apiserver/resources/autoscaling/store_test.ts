// deno-lint-ignore-file no-explicit-any
import assert from "node:assert/strict";
import type { KubeObject } from "../../../../kube/meta.ts";
import { TEST_DEFS, testServer } from "../../testing.ts";
import { fakeContext } from "../apps/testing.ts";
import { resources } from "./mod.ts";

const V1 = "/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers";
const V2 = "/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers";
const TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io";
const target = { apiVersion: "apps/v1", kind: "Deployment", name: "web" };

const memory = {
  type: "Resource",
  resource: { name: "memory", target: { type: "AverageValue", averageValue: "1Gi" } },
};

async function readLines(res: Response, count: number): Promise<Record<string, any>[]> {
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (text.split("\n").filter(Boolean).length < count) {
    const { value, done } = await reader.read();
    if (done) break;
    text += value;
  }
  await reader.cancel();
  return text.split("\n").filter(Boolean).map((l) => JSON.parse(l));
}

Deno.test("HPAs are stored as autoscaling/v2 and served as v1 too, in every verb", async () => {
  const s = await testServer([...TEST_DEFS, ...resources]);
  try {
    const created = await s.call("POST", V1, {
      apiVersion: "autoscaling/v1",
      kind: "HorizontalPodAutoscaler",
      metadata: { name: "web" },
      spec: { scaleTargetRef: target, maxReplicas: 4, targetCPUUtilizationPercentage: 50 },
    });
    assert.equal(created.status, 201);
    const v1 = await created.json();
    assert.equal(v1.apiVersion, "autoscaling/v1");
    assert.deepEqual(v1.spec, {
      scaleTargetRef: target,
      minReplicas: 1,
      maxReplicas: 4,
      targetCPUUtilizationPercentage: 50,
    });
    assert.deepEqual(v1.status, { currentReplicas: 0, desiredReplicas: 0 });

    const stored = await (await s.call("GET", `${V2}/web`)).json();
    assert.equal(stored.apiVersion, "autoscaling/v2");
    assert.deepEqual(stored.spec.metrics, [
      {
        type: "Resource",
        resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 50 } },
      },
    ]);

    // A metric v1 cannot express survives a v1 read-modify-write.
    stored.spec.metrics.push(memory);
    assert.equal((await s.call("PUT", `${V2}/web`, stored)).status, 200);
    const read = await (await s.call("GET", `${V1}/web`)).json();
    assert.ok(read.metadata.annotations["autoscaling.alpha.kubernetes.io/metrics"]);
    read.spec.maxReplicas = 6;
    const put = await s.call("PUT", `${V1}/web`, read);
    assert.equal(put.status, 200);
    assert.equal((await put.json()).apiVersion, "autoscaling/v1");
    const afterPut = await (await s.call("GET", `${V2}/web`)).json();
    assert.equal(afterPut.spec.maxReplicas, 6);
    assert.deepEqual(afterPut.spec.metrics.map((m: any) => m.resource.name), ["memory", "cpu"]);
    assert.equal(afterPut.metadata.annotations, undefined);

    const patched = await s.call(
      "PATCH",
      `${V1}/web`,
      { spec: { targetCPUUtilizationPercentage: 70 } },
      { "content-type": "application/merge-patch+json" },
    );
    assert.equal(patched.status, 200);
    assert.equal((await patched.json()).spec.targetCPUUtilizationPercentage, 70);
    const afterPatch = await (await s.call("GET", `${V2}/web`)).json();
    assert.equal(afterPatch.spec.metrics[1].resource.target.averageUtilization, 70);

    const status = await s.call(
      "PATCH",
      `${V1}/web/status`,
      { status: { currentReplicas: 2, desiredReplicas: 2, currentCPUUtilizationPercentage: 33 } },
      { "content-type": "application/merge-patch+json" },
    );
    assert.equal(status.status, 200);
    const afterStatus = await (await s.call("GET", `${V2}/web`)).json();
    assert.deepEqual(afterStatus.status.currentMetrics, [
      { type: "Resource", resource: { name: "cpu", current: { averageUtilization: 33 } } },
    ]);

    // The controller reports metrics in spec order; the table matches them by position.
    afterStatus.status.currentMetrics = [
      { type: "Resource", resource: { name: "memory", current: { averageValue: "700Mi" } } },
      { type: "Resource", resource: { name: "cpu", current: { averageUtilization: 33 } } },
    ];
    assert.equal((await s.call("PUT", `${V2}/web/status`, afterStatus)).status, 200);

    const list = await (await s.call("GET", V1)).json();
    assert.deepEqual([list.kind, list.apiVersion], [
      "HorizontalPodAutoscalerList",
      "autoscaling/v1",
    ]);
    assert.deepEqual(list.items.map((i: KubeObject) => i.apiVersion), ["autoscaling/v1"]);

    const table = await (await s.call("GET", V1, undefined, { accept: TABLE })).json();
    assert.deepEqual(table.rows[0].cells.slice(0, 6), [
      "web",
      "Deployment/web",
      "memory: 700Mi/1Gi, cpu: 33%/70%",
      "1",
      6,
      2,
    ]);

    const watch = await s.call("GET", `${V1}?watch=true&timeoutSeconds=5`);
    const [event] = await readLines(watch, 1);
    assert.equal(event.type, "ADDED");
    assert.equal(event.object.apiVersion, "autoscaling/v1");
    assert.equal(event.object.spec.targetCPUUtilizationPercentage, 70);

    const apply = await s.call("PATCH", `${V1}/web?fieldManager=test`, "{}", {
      "content-type": "application/apply-patch+yaml",
    });
    assert.equal(apply.status, 415);
    await apply.body?.cancel();
  } finally {
    await s.close();
  }
});

Deno.test("Store.create() converts an object written in a served non-storage version", async () => {
  const s = await testServer([...TEST_DEFS, ...resources]);
  try {
    const store = s.api.registry.store("autoscaling", "horizontalpodautoscalers");
    const created = await store.create(
      "default",
      {
        apiVersion: "autoscaling/v1",
        kind: "HorizontalPodAutoscaler",
        metadata: { name: "direct" },
        spec: { scaleTargetRef: target, maxReplicas: 2, targetCPUUtilizationPercentage: 40 },
      },
      fakeContext(),
      { fieldManager: "test", apiVersion: "autoscaling/v1" },
    );
    assert.equal(created.obj.apiVersion, "autoscaling/v2");
    const spec = created.obj.spec as Record<string, any>;
    assert.equal(spec.metrics[0].resource.target.averageUtilization, 40);
    assert.equal(spec.targetCPUUtilizationPercentage, undefined);
  } finally {
    await s.close();
  }
});

import assert from "node:assert/strict";
import type { KubeObject } from "../../../../kube/meta.ts";
import { replicaSets } from "./replicaset.ts";
import { cells, create, fieldsOf, update } from "./testing.ts";

function replicaSet(spec: Record<string, unknown> = {}): KubeObject {
  return {
    metadata: { name: "web-5d4f", namespace: "default" },
    spec: {
      selector: { matchLabels: { app: "web" } },
      template: {
        metadata: { labels: { app: "web", "pod-template-hash": "5d4f" } },
        spec: {
          containers: [{ name: "nginx", image: "nginx:1.25" }, { name: "log", image: "busybox" }],
        },
      },
      ...spec,
    },
  };
}

Deno.test("replicasets: replicas default to 1 and status starts empty", async () => {
  const { obj, errors } = await create(replicaSets, { ...replicaSet(), status: { replicas: 9 } });
  assert.deepStrictEqual(errors, []);
  assert.equal((obj.spec as Record<string, unknown>).replicas, 1);
  assert.deepStrictEqual(obj.status, { replicas: 0 });
});

Deno.test("replicasets: a selector expression that does not match the template is refused", async () => {
  const { errors } = await create(
    replicaSets,
    replicaSet({
      selector: { matchExpressions: [{ key: "app", operator: "In", values: ["api"] }] },
    }),
  );
  assert.deepStrictEqual(fieldsOf(errors), ["FieldValueInvalid spec.template.metadata.labels"]);
});

Deno.test("replicasets: the selector is immutable but replicas may change", async () => {
  const { obj: old } = await create(replicaSets, replicaSet());
  const scaled = structuredClone(old);
  (scaled.spec as Record<string, unknown>).replicas = 5;
  const ok = await update(replicaSets, scaled, old);
  assert.deepStrictEqual(ok.errors, []);
  assert.equal(ok.obj.metadata.generation, 2);
  const moved = structuredClone(old);
  (moved.spec as Record<string, unknown>).selector = {
    matchLabels: { "pod-template-hash": "5d4f" },
  };
  assert.deepStrictEqual(fieldsOf((await update(replicaSets, moved, old)).errors), [
    "FieldValueInvalid spec.selector",
  ]);
});

Deno.test("replicasets: columns show desired, current and ready counts", async () => {
  const { obj } = await create(replicaSets, replicaSet({ replicas: 2 }));
  obj.status = { replicas: 2, readyReplicas: 1 };
  const row = cells(replicaSets, obj);
  assert.deepStrictEqual(
    [row.Desired, row.Current, row.Ready, row.Containers, row.Images, row.Selector],
    [2, 2, 1, "nginx,log", "nginx:1.25,busybox", "app=web"],
  );
  assert.equal(replicaSets.fields?.["status.replicas"](obj), "2");
});

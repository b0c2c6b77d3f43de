import assert from "node:assert/strict";
import type { KubeObject } from "../../../../kube/meta.ts";
import { daemonSets, TEMPLATE_GENERATION_ANNOTATION } from "./daemonset.ts";
import { cells, create, fieldsOf, update } from "./testing.ts";

function daemonSet(spec: Record<string, unknown> = {}): KubeObject {
  return {
    metadata: { name: "agent", namespace: "kube-system" },
    spec: {
      selector: { matchLabels: { app: "agent" } },
      template: {
        metadata: { labels: { app: "agent" } },
        spec: {
          nodeSelector: { "kubernetes.io/os": "linux" },
          containers: [{ name: "agent", image: "agent:1" }],
        },
      },
      ...spec,
    },
  };
}

Deno.test("daemonsets: defaults to rolling updates of one node and template generation 1", async () => {
  const { obj, errors } = await create(daemonSets, daemonSet());
  assert.deepStrictEqual(errors, []);
  const spec = obj.spec as Record<string, unknown>;
  assert.deepStrictEqual(spec.updateStrategy, {
    type: "RollingUpdate",
    rollingUpdate: { maxUnavailable: 1, maxSurge: 0 },
  });
  assert.equal(spec.revisionHistoryLimit, 10);
  assert.equal(obj.metadata.annotations?.[TEMPLATE_GENERATION_ANNOTATION], "1");
});

Deno.test("daemonsets: template changes count up the template generation, other changes do not", async () => {
  const { obj: old } = await create(daemonSets, daemonSet());
  const image = structuredClone(old);
  (image.spec as { template: { spec: { containers: { image: string }[] } } }).template.spec
    .containers[0].image = "agent:2";
  image.metadata.annotations![TEMPLATE_GENERATION_ANNOTATION] = "7";
  const changed = await update(daemonSets, image, old);
  assert.equal(changed.obj.metadata.annotations?.[TEMPLATE_GENERATION_ANNOTATION], "2");
  assert.equal(changed.obj.metadata.generation, 2);
  const limit = structuredClone(old);
  (limit.spec as Record<string, unknown>).minReadySeconds = 10;
  const same = await update(daemonSets, limit, old);
  assert.equal(same.obj.metadata.annotations?.[TEMPLATE_GENERATION_ANNOTATION], "1");
});

Deno.test("daemonsets: surge and unavailability are exclusive, and the template must restart Always", async () => {
  const both = await create(
    daemonSets,
    daemonSet({
      updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 1, maxSurge: 1 } },
    }),
  );
  assert.deepStrictEqual(fieldsOf(both.errors), [
    "FieldValueInvalid spec.updateStrategy.rollingUpdate.maxSurge",
  ]);
  const none = await create(
    daemonSets,
    daemonSet({
      updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 0 } },
    }),
  );
  assert.deepStrictEqual(fieldsOf(none.errors), [
    "FieldValueRequired spec.updateStrategy.rollingUpdate.maxUnavailable",
  ]);
  const { errors } = await create(daemonSets, daemonSet({ selector: undefined }));
  assert.deepStrictEqual(fieldsOf(errors), ["FieldValueInvalid spec.template.metadata.labels"]);
});

Deno.test("daemonsets: the selector is immutable", async () => {
  const { obj: old } = await create(daemonSets, daemonSet());
  const next = structuredClone(old);
  (next.spec as Record<string, unknown>).selector = {
    matchLabels: {},
    matchExpressions: [{ key: "app", operator: "Exists" }],
  };
  assert.deepStrictEqual(fieldsOf((await update(daemonSets, next, old)).errors), [
    "FieldValueInvalid spec.selector",
  ]);
});

Deno.test("daemonsets: columns show scheduling counts and the node selector", async () => {
  const { obj } = await create(daemonSets, daemonSet());
  obj.status = {
    desiredNumberScheduled: 3,
    currentNumberScheduled: 3,
    numberReady: 2,
    updatedNumberScheduled: 3,
    numberAvailable: 2,
  };
  const row = cells(daemonSets, obj);
  assert.deepStrictEqual(
    [
      row.Desired,
      row.Current,
      row.Ready,
      row["Up-to-date"],
      row.Available,
      row["Node Selector"],
      row.Selector,
    ],
    [3, 3, 2, 3, 2, "kubernetes.io/os=linux", "app=agent"],
  );
});

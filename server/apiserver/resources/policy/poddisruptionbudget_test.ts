import assert from "node:assert/strict";
import type { KubeObject } from "../../../../kube/meta.ts";
import { cells, create, fieldsOf, update } from "../apps/testing.ts";
import { podDisruptionBudgets } from "./mod.ts";

function pdb(spec: Record<string, unknown>): KubeObject {
  return { metadata: { name: "web", namespace: "default" }, spec };
}

const selector = { matchLabels: { app: "web" } };

Deno.test("poddisruptionbudgets: a new budget starts with a zeroed status and prints N/A for the unset bound", async () => {
  const { obj, errors } = await create(podDisruptionBudgets, pdb({ minAvailable: 2, selector }));
  assert.deepStrictEqual(errors, []);
  assert.deepStrictEqual(obj.status, {
    disruptionsAllowed: 0,
    currentHealthy: 0,
    desiredHealthy: 0,
    expectedPods: 0,
  });
  assert.deepStrictEqual(cells(podDisruptionBudgets, obj), {
    "Min Available": "2",
    "Max Unavailable": "N/A",
    "Allowed Disruptions": 0,
    "Age": "0s",
  });
  const pct = (await create(podDisruptionBudgets, pdb({ maxUnavailable: "25%", selector }))).obj;
  assert.deepStrictEqual(
    cells(podDisruptionBudgets, { ...pct, status: { disruptionsAllowed: 1 } }),
    {
      "Min Available": "N/A",
      "Max Unavailable": "25%",
      "Allowed Disruptions": 1,
      "Age": "0s",
    },
  );
});

Deno.test("poddisruptionbudgets: minAvailable and maxUnavailable are exclusive and checked", async () => {
  const both = await create(
    podDisruptionBudgets,
    pdb({ minAvailable: 1, maxUnavailable: 1, selector }),
  );
  assert.deepStrictEqual(fieldsOf(both.errors), ["FieldValueInvalid spec"]);
  assert.equal(both.errors[0].detail, "minAvailable and maxUnavailable cannot be both set");
  const bad = await create(
    podDisruptionBudgets,
    pdb({
      minAvailable: "150%",
      selector: { matchLabels: { "bad key!": "x" } },
      unhealthyPodEvictionPolicy: "Never",
    }),
  );
  assert.deepStrictEqual(fieldsOf(bad.errors), [
    "FieldValueInvalid spec.minAvailable",
    "FieldValueInvalid spec.selector.matchLabels",
    "FieldValueNotSupported spec.unhealthyPodEvictionPolicy",
  ]);
  const negative = await create(podDisruptionBudgets, pdb({ maxUnavailable: -1 }));
  assert.deepStrictEqual(fieldsOf(negative.errors), ["FieldValueInvalid spec.maxUnavailable"]);
});

Deno.test("poddisruptionbudgets: an update keeps the status and bumps the generation", async () => {
  const { obj } = await create(podDisruptionBudgets, pdb({ minAvailable: 1, selector }));
  const next = structuredClone(obj);
  (next.spec as Record<string, unknown>).minAvailable = "50%";
  next.status = { disruptionsAllowed: 9 };
  const res = await update(podDisruptionBudgets, next, {
    ...obj,
    status: { disruptionsAllowed: 1 },
  });
  assert.deepStrictEqual(res.errors, []);
  assert.deepStrictEqual(res.obj.status, { disruptionsAllowed: 1 });
  assert.equal(res.obj.metadata.generation, 2);
});

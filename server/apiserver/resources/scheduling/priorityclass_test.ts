import assert from "node:assert/strict";
import type { KubeObject } from "../../../../kube/meta.ts";
import { cells, create, fieldsOf, update } from "../apps/testing.ts";
import { testServer } from "../../testing.ts";
import { ensureSystemPriorityClasses, priorityClasses, SYSTEM_PRIORITY_CLASSES } from "./mod.ts";

function pc(name: string, fields: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: "scheduling.k8s.io/v1",
    kind: "PriorityClass",
    metadata: { name },
    value: 1000,
    ...fields,
  };
}

Deno.test("priorityclasses: preemptionPolicy defaults to PreemptLowerPriority and shows in the table", async () => {
  const { obj, errors } = await create(priorityClasses, pc("high", { globalDefault: true }));
  assert.deepStrictEqual(errors, []);
  assert.equal(obj.preemptionPolicy, "PreemptLowerPriority");
  assert.deepStrictEqual(cells(priorityClasses, obj), {
    "Value": 1000,
    "Global-Default": true,
    "Age": "0s",
    "PreemptionPolicy": "PreemptLowerPriority",
  });
});

Deno.test("priorityclasses: the system- prefix is reserved and user values are capped", async () => {
  const reserved = await create(priorityClasses, pc("system-mine"));
  assert.deepStrictEqual(fieldsOf(reserved.errors), ["FieldValueForbidden metadata.name"]);
  assert.match(reserved.errors[0].detail!, /prefix are reserved for system use only/);
  const wrongValue = await create(priorityClasses, pc("system-node-critical", { value: 5 }));
  assert.deepStrictEqual(fieldsOf(wrongValue.errors), ["FieldValueForbidden metadata.name"]);
  assert.equal(
    wrongValue.errors[0].detail,
    "value of system-node-critical PriorityClass must be 2000001000",
  );
  const tooHigh = await create(priorityClasses, pc("huge", { value: 1_000_000_001 }));
  assert.deepStrictEqual(fieldsOf(tooHigh.errors), ["FieldValueForbidden value"]);
  for (const system of SYSTEM_PRIORITY_CLASSES) {
    assert.deepStrictEqual((await create(priorityClasses, system)).errors, []);
  }
});

Deno.test("priorityclasses: value and preemptionPolicy cannot change", async () => {
  const { obj } = await create(priorityClasses, pc("high"));
  const next = structuredClone(obj);
  next.value = 2000;
  next.preemptionPolicy = "Never";
  next.description = "changed";
  const { errors } = await update(priorityClasses, next, obj);
  assert.deepStrictEqual(fieldsOf(errors), [
    "FieldValueForbidden value",
    "FieldValueInvalid preemptionPolicy",
  ]);
  assert.equal(errors[0].detail, "may not be changed in an update.");
  const described = structuredClone(obj);
  described.description = "changed";
  assert.deepStrictEqual((await update(priorityClasses, described, obj)).errors, []);
});

Deno.test("ensureSystemPriorityClasses() creates the built-in classes once; they cannot be deleted", async () => {
  const s = await testServer([priorityClasses]);
  try {
    const registry = s.api.registry;
    assert.deepStrictEqual(await ensureSystemPriorityClasses(registry), [
      "system-node-critical",
      "system-cluster-critical",
    ]);
    assert.deepStrictEqual(await ensureSystemPriorityClasses(registry), []);
    const base = "/apis/scheduling.k8s.io/v1/priorityclasses";
    const list = await (await s.call("GET", base)).json();
    assert.deepStrictEqual(
      list.items.map((i: KubeObject) => [i.metadata.name, i.value, i.preemptionPolicy]),
      [
        ["system-cluster-critical", 2000000000, "PreemptLowerPriority"],
        ["system-node-critical", 2000001000, "PreemptLowerPriority"],
      ],
    );
    const refused = await s.call("DELETE", `${base}/system-node-critical`);
    assert.equal(refused.status, 403);
    assert.match(
      (await refused.json()).message,
      /this is a system priority class and cannot be deleted/,
    );
    await s.call("POST", base, pc("mine"));
    assert.equal((await s.call("DELETE", `${base}/mine`)).status, 200);
  } finally {
    await s.close();
  }
});

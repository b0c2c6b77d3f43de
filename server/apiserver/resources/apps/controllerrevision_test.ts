import assert from "node:assert/strict";
import type { KubeObject } from "../../../../kube/meta.ts";
import { controllerRevisions } from "./controllerrevision.ts";
import { cells, create, fieldsOf, update } from "./testing.ts";

function revision(): KubeObject {
  return {
    metadata: {
      name: "agent-6f7c9",
      namespace: "kube-system",
      ownerReferences: [{
        apiVersion: "apps/v1",
        kind: "DaemonSet",
        name: "agent",
        uid: "u1",
        controller: true,
      }],
    },
    data: { spec: { template: {} } },
    revision: 2,
  };
}

Deno.test("controllerrevisions: data is required", async () => {
  const { errors } = await create(controllerRevisions, {
    ...revision(),
    data: undefined,
    revision: -1,
  });
  assert.deepStrictEqual(fieldsOf(errors), [
    "FieldValueRequired data",
    "FieldValueInvalid revision",
  ]);
  assert.equal(errors[0].detail, "data is mandatory");
});

Deno.test("controllerrevisions: data is immutable, the revision number is not", async () => {
  const { obj: old } = await create(controllerRevisions, revision());
  const renumbered = { ...structuredClone(old), revision: 3 };
  assert.deepStrictEqual((await update(controllerRevisions, renumbered, old)).errors, []);
  const changed = { ...structuredClone(old), data: { spec: {} } };
  assert.deepStrictEqual(fieldsOf((await update(controllerRevisions, changed, old)).errors), [
    "FieldValueInvalid data",
  ]);
});

Deno.test("controllerrevisions: columns name the controlling owner with its group", async () => {
  const { obj } = await create(controllerRevisions, revision());
  assert.deepStrictEqual(cells(controllerRevisions, obj), {
    Controller: "daemonset.apps/agent",
    Revision: 2,
    Age: "0s",
  });
  obj.metadata.ownerReferences = [];
  assert.equal(cells(controllerRevisions, obj).Controller, "<none>");
});

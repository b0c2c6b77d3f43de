import assert from "node:assert/strict";
import type { KubeObject } from "../../../../kube/meta.ts";
import { cells, create, fieldsOf, update } from "../apps/testing.ts";
import { leases } from "./lease.ts";

function lease(spec: Record<string, unknown>): KubeObject {
  return { metadata: { name: "node-1", namespace: "kube-node-lease" }, spec };
}

Deno.test("leases: a heartbeat lease is accepted and shows its holder", async () => {
  const { obj, errors } = await create(
    leases,
    lease({
      holderIdentity: "node-1",
      leaseDurationSeconds: 40,
      renewTime: "2024-05-01T11:59:50.000000Z",
    }),
  );
  assert.deepStrictEqual(errors, []);
  assert.deepStrictEqual(cells(leases, obj), { Holder: "node-1" });
  assert.deepStrictEqual(cells(leases, lease({})), { Holder: "" });
});

Deno.test("leases: durations must be positive and transitions non-negative", async () => {
  const { errors } = await create(leases, lease({ leaseDurationSeconds: 0, leaseTransitions: -1 }));
  assert.deepStrictEqual(fieldsOf(errors), [
    "FieldValueInvalid spec.leaseDurationSeconds",
    "FieldValueInvalid spec.leaseTransitions",
  ]);
});

Deno.test("leases: coordinated leader election fields are dropped", async () => {
  const { obj } = await create(
    leases,
    lease({ holderIdentity: "a", preferredHolder: "b", strategy: "OldestEmulationVersion" }),
  );
  assert.deepStrictEqual(obj.spec, { holderIdentity: "a" });
  const next = structuredClone(obj);
  (next.spec as Record<string, unknown>).preferredHolder = "b";
  assert.deepStrictEqual((await update(leases, next, obj)).obj.spec, { holderIdentity: "a" });
});

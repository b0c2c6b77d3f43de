import assert from "node:assert/strict";
import type { KubeObject } from "../../../../kube/meta.ts";
import { cells, create, fieldsOf, update } from "../apps/testing.ts";
import { runtimeClasses } from "./mod.ts";

function rc(handler: unknown, extra: Record<string, unknown> = {}): KubeObject {
  return { metadata: { name: "gvisor" }, handler, ...extra };
}

Deno.test("runtimeclasses: a class with a DNS-label handler is accepted and shows it", async () => {
  const { obj, errors } = await create(
    runtimeClasses,
    rc("runsc", {
      overhead: { podFixed: { cpu: "250m", memory: "64Mi" } },
      scheduling: {
        nodeSelector: { sandbox: "true" },
        tolerations: [{ key: "k", operator: "Exists" }],
      },
    }),
  );
  assert.deepStrictEqual(errors, []);
  assert.deepStrictEqual(cells(runtimeClasses, obj), { Handler: "runsc" });
});

Deno.test("runtimeclasses: the handler is required, a DNS label, and immutable", async () => {
  assert.deepStrictEqual(fieldsOf((await create(runtimeClasses, rc(undefined))).errors), [
    "FieldValueRequired handler",
  ]);
  const bad = await create(
    runtimeClasses,
    rc("Run.SC", { overhead: { podFixed: { cpu: "lots" } } }),
  );
  assert.deepStrictEqual(fieldsOf(bad.errors), [
    "FieldValueInvalid handler",
    "FieldValueInvalid overhead.podFixed[cpu]",
  ]);
  const { obj } = await create(runtimeClasses, rc("runsc"));
  const next = { ...structuredClone(obj), handler: "kata" };
  const { errors } = await update(runtimeClasses, next, obj);
  assert.deepStrictEqual(fieldsOf(errors), ["FieldValueInvalid handler"]);
  assert.equal(errors[0].detail, "field is immutable");
});

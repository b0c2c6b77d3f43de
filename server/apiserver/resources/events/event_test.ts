import assert from "node:assert/strict";
import type { KubeObject } from "../../../../kube/meta.ts";
import { columnsOf } from "../../table.ts";
import { cells, create, fieldsOf, NOW, update } from "../apps/testing.ts";
import { events } from "./event.ts";

function event(fields: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: "events.k8s.io/v1",
    kind: "Event",
    metadata: { name: "web.17c8", namespace: "default" },
    eventTime: "2024-05-01T11:59:00.123456Z",
    reportingController: "example.com/deployer",
    reportingInstance: "deployer-1",
    action: "Scale",
    reason: "ScaledUp",
    type: "Normal",
    regarding: { kind: "Deployment", namespace: "default", name: "web", apiVersion: "apps/v1" },
    note: "Scaled up to 3 replicas ",
    ...fields,
  };
}

Deno.test("events.k8s.io: a complete event is accepted", async () => {
  assert.deepStrictEqual((await create(events, event())).errors, []);
});

Deno.test("events.k8s.io: eventTime, reporting fields, action and reason are required", async () => {
  const { errors } = await create(
    events,
    event({
      eventTime: undefined,
      reportingController: undefined,
      reportingInstance: undefined,
      action: undefined,
    }),
  );
  assert.deepStrictEqual(fieldsOf(errors), ["FieldValueRequired eventTime"]);
  const missing = await create(
    events,
    event({ reportingController: "", reportingInstance: "", action: "" }),
  );
  assert.deepStrictEqual(
    fieldsOf(missing.errors).filter((f) => f.startsWith("FieldValueRequired")),
    [
      "FieldValueRequired reportingController",
      "FieldValueRequired reportingInstance",
      "FieldValueRequired action",
    ],
  );
});

Deno.test("events.k8s.io: a note over 1 KiB and a bad type are refused", async () => {
  const { errors } = await create(events, event({ note: "x".repeat(1025), type: "Info" }));
  assert.deepStrictEqual(fieldsOf(errors), ["FieldValueInvalid message", "FieldValueInvalid type"]);
  assert.deepStrictEqual(errors.map((e) => e.detail), [
    "can have at most 1024 characters",
    "has invalid value: Info",
  ]);
});

Deno.test("events.k8s.io: deprecated fields must be unset on create and series need two", async () => {
  const { errors } = await create(
    events,
    event({ deprecatedCount: 4, deprecatedSource: { component: "kubelet" }, series: { count: 1 } }),
  );
  assert.deepStrictEqual(fieldsOf(errors), [
    "FieldValueInvalid series.count",
    "FieldValueRequired series.lastObservedTime",
    "FieldValueInvalid deprecatedCount",
    "FieldValueInvalid deprecatedSource",
  ]);
});

Deno.test("events.k8s.io: updates may add a series but not change what happened", async () => {
  const { obj: old } = await create(events, event());
  const series = {
    ...structuredClone(old),
    series: { count: 2, lastObservedTime: "2024-05-01T11:59:30.000000Z" },
  };
  assert.deepStrictEqual((await update(events, series, old)).errors, []);
  const rewritten = { ...structuredClone(old), note: "other", reportingController: "other.io/x" };
  assert.deepStrictEqual(fieldsOf((await update(events, rewritten, old)).errors), [
    "FieldValueInvalid message",
    "FieldValueInvalid reportingController",
  ]);
  const sameMicros = { ...structuredClone(old), eventTime: "2024-05-01T11:59:00.123456789Z" };
  assert.deepStrictEqual((await update(events, sameMicros, old)).errors, []);
});

Deno.test("events.k8s.io: the table is upstream's event table, name last and wide", () => {
  assert.deepStrictEqual(columnsOf(events).map((c) => c.name), [
    "Last Seen",
    "Type",
    "Reason",
    "Object",
    "Subobject",
    "Source",
    "Message",
    "First Seen",
    "Count",
    "Name",
  ]);
  const row = cells(
    events,
    event({
      series: { count: 5, lastObservedTime: new Date(NOW.getTime() - 10_000).toISOString() },
    }),
  );
  assert.deepStrictEqual(row, {
    "Last Seen": "10s",
    Type: "Normal",
    Reason: "ScaledUp",
    Object: "deployment/web",
    Subobject: "",
    Source: "example.com/deployer, deployer-1",
    Message: "Scaled up to 3 replicas",
    "First Seen": "59s",
    Count: 5,
    Name: "web.17c8",
  });
});

import assert from "node:assert/strict";
import type { ManagedFieldsEntry } from "../../../kube/meta.ts";
import type { Json } from "./fieldpath.ts";
import { shapeForKind } from "./schema.ts";
import { updateManagedFields } from "./update.ts";

type Obj = Record<string, Json>;
const CM = shapeForKind("v1", "ConfigMap");
const DEPLOYMENT = shapeForKind("apps/v1", "Deployment");
const T0 = new Date("2024-05-01T10:00:00Z");
const T1 = new Date("2024-05-01T10:00:05Z");

function cm(data: Record<string, string> | undefined, managedFields?: unknown): Obj {
  const metadata: Obj = { name: "c", namespace: "default", uid: "u1", resourceVersion: "5" };
  if (managedFields !== undefined) metadata.managedFields = managedFields;
  const obj: Obj = { apiVersion: "v1", kind: "ConfigMap", metadata };
  if (data) obj.data = data;
  return obj;
}

function update(live: Obj | undefined, next: Obj, manager: string, now = T0, subresource = "") {
  return updateManagedFields({
    live,
    next,
    manager,
    apiVersion: "v1",
    subresource,
    now,
    shape: CM,
  });
}

function withFields(obj: Obj, entries: ManagedFieldsEntry[] | undefined): Obj {
  return { ...obj, metadata: { ...(obj.metadata as Obj), managedFields: entries } };
}

Deno.test("a create records the creator's fields, without server-set metadata", () => {
  const entries = update(undefined, cm({ a: "1" }), "kubectl-create");
  assert.deepEqual(entries, [{
    manager: "kubectl-create",
    operation: "Update",
    apiVersion: "v1",
    time: "2024-05-01T10:00:00Z",
    fieldsType: "FieldsV1",
    fieldsV1: { "f:data": { ".": {}, "f:a": {} } },
  }]);
});

Deno.test("a created Deployment does not claim its always-present structs as a whole", () => {
  const d = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "d", labels: { app: "d" } },
    spec: {
      replicas: 1,
      strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: "25%" } },
      template: { spec: { containers: [{ name: "c", image: "i", resources: {} }] } },
    },
    status: {},
  };
  const [entry] = updateManagedFields({
    live: undefined,
    next: d,
    manager: "kubectl-create",
    apiVersion: "apps/v1",
    subresource: "",
    now: T0,
    shape: DEPLOYMENT,
  })!;
  assert.deepEqual(entry.fieldsV1, {
    "f:metadata": { "f:labels": { ".": {}, "f:app": {} } },
    "f:spec": {
      "f:replicas": {},
      "f:strategy": { "f:rollingUpdate": { ".": {}, "f:maxSurge": {} }, "f:type": {} },
      "f:template": {
        "f:spec": {
          "f:containers": {
            'k:{"name":"c"}': { ".": {}, "f:image": {}, "f:name": {}, "f:resources": {} },
          },
        },
      },
    },
  });
});

Deno.test("an update takes the fields it changes from other managers and merges its entries", () => {
  let live = withFields(cm({ a: "1", b: "1" }), update(undefined, cm({ a: "1", b: "1" }), "one"));
  let next = cm({ a: "2", b: "1", c: "1" }, (live.metadata as Obj).managedFields);
  live = withFields(next, update(live, next, "two", T1));
  const fields = (live.metadata as Obj).managedFields as ManagedFieldsEntry[];
  assert.deepEqual(fields.map((e) => [e.manager, e.fieldsV1]), [
    ["one", { "f:data": { ".": {}, "f:b": {} } }],
    ["two", { "f:data": { "f:a": {}, "f:c": {} } }],
  ]);
  // A second update by the same manager merges into its entry and moves its time.
  next = cm({ a: "2", b: "2", c: "1" }, fields);
  const again = update(live, next, "two", new Date("2024-05-01T10:01:00Z"))!;
  assert.deepEqual(again.map((e) => [e.manager, e.time, e.fieldsV1]), [
    // "one" still owns the map itself, which it created.
    ["one", "2024-05-01T10:00:00Z", { "f:data": {} }],
    ["two", "2024-05-01T10:01:00Z", { "f:data": { "f:a": {}, "f:b": {}, "f:c": {} } }],
  ]);
});

Deno.test("an update that changes nothing leaves managedFields as they are", () => {
  const entries = update(undefined, cm({ a: "1" }), "one");
  const live = withFields(cm({ a: "1" }), entries);
  assert.deepEqual(update(live, cm({ a: "1" }, entries), "two", T1), entries);
});

Deno.test("removed fields leave every manager; a manager left with nothing is dropped", () => {
  const entries = update(undefined, cm({ a: "1" }), "one");
  const live = withFields(cm({ a: "1" }), entries);
  assert.equal(update(live, cm(undefined, entries), "two", T1), undefined);
});

Deno.test("[] or [{}] in a request resets managedFields; a valid list replaces them", () => {
  const entries = update(undefined, cm({ a: "1" }), "one");
  const live = withFields(cm({ a: "1" }), entries);
  assert.equal(update(live, cm({ a: "1" }, [{}]), "two", T1), undefined);
  assert.equal(update(live, cm({ a: "1" }, []), "two", T1), undefined);
  const renamed = entries!.map((e) => ({ ...e, manager: "renamed" }));
  assert.deepEqual(update(live, cm({ a: "1" }, renamed), "two", T1), renamed);
});

Deno.test("unreadable managedFields in a request are ignored in favour of the stored ones", () => {
  const entries = update(undefined, cm({ a: "1" }), "one");
  const live = withFields(cm({ a: "1" }), entries);
  const bad = [{ manager: "x", operation: "Bogus", apiVersion: "v1", fieldsType: "FieldsV1" }];
  assert.deepEqual(update(live, cm({ a: "1" }, bad), "two", T1), entries);
  const noType = [{ manager: "x", operation: "Apply", apiVersion: "v1", fieldsV1: {} }];
  assert.deepEqual(update(live, cm({ a: "1" }, noType), "two", T1), entries);
});

Deno.test("a status write is recorded with its subresource and ignores request managedFields", () => {
  const pod = (status: Obj, managedFields?: unknown): Obj => ({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "p", managedFields },
    spec: { containers: [{ name: "c", image: "i" }] },
    status,
  });
  const created = updateManagedFields({
    live: undefined,
    next: pod({}),
    manager: "kubectl",
    apiVersion: "v1",
    subresource: "",
    now: T0,
    shape: shapeForKind("v1", "Pod"),
  });
  const live = pod({}, created);
  const forged = [{ manager: "x", operation: "Update", apiVersion: "v1", fieldsType: "FieldsV1" }];
  const entries = updateManagedFields({
    live,
    next: pod({ phase: "Running", conditions: [{ type: "Ready", status: "True" }] }, forged),
    manager: "kubelet",
    apiVersion: "v1",
    subresource: "status",
    now: T1,
    shape: shapeForKind("v1", "Pod"),
  })!;
  assert.deepEqual(entries.map((e) => [e.manager, e.subresource]), [
    ["kubectl", undefined],
    ["kubelet", "status"],
  ]);
  assert.deepEqual(entries[1].fieldsV1, {
    "f:status": {
      "f:conditions": {
        ".": {},
        'k:{"type":"Ready"}': { ".": {}, "f:status": {}, "f:type": {} },
      },
      "f:phase": {},
    },
  });
});

Deno.test("more than ten update managers merge the oldest into ancient-changes", () => {
  let obj = cm({});
  let live: Obj | undefined;
  for (let i = 0; i < 12; i++) {
    const data = { ...(obj.data as Record<string, string>), [`k${i}`]: "v" };
    const next = cm(data, (obj.metadata as Obj).managedFields);
    const at = new Date(T0.getTime() + i * 1000);
    obj = withFields(next, update(live, next, `m${i}`, at));
    live = obj;
  }
  const entries = (obj.metadata as Obj).managedFields as ManagedFieldsEntry[];
  assert.equal(entries.length, 10);
  const ancient = entries.find((e) => e.manager === "ancient-changes")!;
  assert.deepEqual(ancient.fieldsV1, { "f:data": { ".": {}, "f:k0": {}, "f:k1": {}, "f:k2": {} } });
  assert.equal(ancient.time, "2024-05-01T10:00:02Z");
});

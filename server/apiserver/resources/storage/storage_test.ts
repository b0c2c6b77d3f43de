import assert from "node:assert/strict";
import type { KubeObject } from "../../../../kube/meta.ts";
import { cells, create, fieldsOf, update } from "../apps/testing.ts";
import { csiDrivers, csiNodes, storageClasses, volumeAttachments } from "./mod.ts";

function sc(
  fields: Record<string, unknown> = {},
  annotations?: Record<string, string>,
): KubeObject {
  return {
    metadata: { name: "local-path", ...(annotations ? { annotations } : {}) },
    provisioner: "rancher.io/local-path",
    ...fields,
  };
}

Deno.test("storageclasses: reclaim policy and binding mode default, the default class is marked", async () => {
  const { obj, errors } = await create(
    storageClasses,
    sc({ volumeBindingMode: "WaitForFirstConsumer" }, {
      "storageclass.kubernetes.io/is-default-class": "true",
    }),
  );
  assert.deepStrictEqual(errors, []);
  assert.equal(obj.reclaimPolicy, "Delete");
  assert.deepStrictEqual(cells(storageClasses, obj), {
    Name: "local-path (default)",
    Provisioner: "rancher.io/local-path",
    ReclaimPolicy: "Delete",
    VolumeBindingMode: "WaitForFirstConsumer",
    AllowVolumeExpansion: false,
    Age: "0s",
  });
  const plain = (await create(storageClasses, sc())).obj;
  assert.equal(plain.volumeBindingMode, "Immediate");
  assert.equal(cells(storageClasses, plain).Name, "local-path");
});

Deno.test("storageclasses: provisioner, reclaim policy and binding mode are validated", async () => {
  const { errors } = await create(
    storageClasses,
    sc({
      provisioner: "",
      reclaimPolicy: "Recycle",
      volumeBindingMode: "Later",
      parameters: { "": "x" },
    }),
  );
  assert.deepStrictEqual(fieldsOf(errors), [
    "FieldValueRequired provisioner",
    "FieldValueInvalid parameters",
    "FieldValueNotSupported reclaimPolicy",
    "FieldValueNotSupported volumeBindingMode",
  ]);
});

Deno.test("storageclasses: parameters, provisioner, reclaim policy and binding mode are immutable", async () => {
  const { obj } = await create(storageClasses, sc({ parameters: { type: "ssd" } }));
  const next = structuredClone(obj);
  next.parameters = { type: "hdd" };
  next.provisioner = "example.com/other";
  next.reclaimPolicy = "Retain";
  next.volumeBindingMode = "WaitForFirstConsumer";
  next.allowVolumeExpansion = true;
  const { errors } = await update(storageClasses, next, obj);
  assert.deepStrictEqual(fieldsOf(errors), [
    "FieldValueForbidden parameters",
    "FieldValueForbidden provisioner",
    "FieldValueForbidden reclaimPolicy",
    "FieldValueInvalid volumeBindingMode",
  ]);
  assert.equal(errors[0].detail, "updates to parameters are forbidden.");
  const expandable = { ...structuredClone(obj), allowVolumeExpansion: true };
  assert.deepStrictEqual((await update(storageClasses, expandable, obj)).errors, []);
});

Deno.test("csidrivers: upstream's defaults, validation and columns", async () => {
  const { obj, errors } = await create(csiDrivers, {
    metadata: { name: "csi.example.com" },
    spec: {},
  });
  assert.deepStrictEqual(errors, []);
  assert.deepStrictEqual(obj.spec, {
    attachRequired: true,
    podInfoOnMount: false,
    storageCapacity: false,
    fsGroupPolicy: "ReadWriteOnceWithFSType",
    requiresRepublish: false,
    seLinuxMount: false,
    volumeLifecycleModes: ["Persistent"],
  });
  assert.deepStrictEqual(cells(csiDrivers, obj), {
    AttachRequired: true,
    PodInfoOnMount: false,
    StorageCapacity: false,
    TokenRequests: "<unset>",
    RequiresRepublish: false,
    Modes: "Persistent",
    Age: "0s",
  });
  const bad = await create(csiDrivers, {
    metadata: { name: "csi.example.com" },
    spec: { fsGroupPolicy: "Sometimes", tokenRequests: [{ audience: "a", expirationSeconds: 60 }] },
  });
  assert.deepStrictEqual(fieldsOf(bad.errors), [
    "FieldValueNotSupported spec.fsGroupPolicy",
    "FieldValueInvalid spec.tokenRequests[0].expirationSeconds",
  ]);
  const next = structuredClone(obj);
  (next.spec as Record<string, unknown>).attachRequired = false;
  assert.deepStrictEqual(fieldsOf((await update(csiDrivers, next, obj)).errors), [
    "FieldValueInvalid spec.attachRequired",
  ]);
});

Deno.test("csinodes: driver names are unique and node IDs required", async () => {
  const node = {
    metadata: { name: "node-1" },
    spec: {
      drivers: [
        { name: "csi.example.com", nodeID: "n1", topologyKeys: ["topology.example.com/zone"] },
        { name: "csi.example.com", nodeID: "" },
      ],
    },
  };
  const { obj, errors } = await create(csiNodes, node);
  assert.deepStrictEqual(fieldsOf(errors), [
    "FieldValueDuplicate spec.drivers[1].name",
    "FieldValueRequired spec.drivers[1].nodeID",
  ]);
  assert.deepStrictEqual(cells(csiNodes, obj), { Drivers: 2, Age: "0s" });
});

Deno.test("volumeattachments: one source, an immutable spec, the Attached column from status", async () => {
  const va = {
    metadata: { name: "csi-123" },
    spec: {
      attacher: "csi.example.com",
      nodeName: "node-1",
      source: { persistentVolumeName: "pv-1" },
    },
  };
  const { obj, errors } = await create(volumeAttachments, va);
  assert.deepStrictEqual(errors, []);
  assert.deepStrictEqual(obj.status, { attached: false });
  assert.deepStrictEqual(cells(volumeAttachments, { ...obj, status: { attached: true } }), {
    Attacher: "csi.example.com",
    PV: "pv-1",
    Node: "node-1",
    Attached: true,
    Age: "0s",
  });
  const none = await create(volumeAttachments, {
    ...va,
    spec: { attacher: "csi.example.com", nodeName: "n", source: {} },
  });
  assert.deepStrictEqual(fieldsOf(none.errors), ["FieldValueRequired spec.source"]);
  const moved = structuredClone(obj);
  (moved.spec as Record<string, unknown>).nodeName = "node-2";
  assert.deepStrictEqual(fieldsOf((await update(volumeAttachments, moved, obj)).errors), [
    "FieldValueInvalid spec",
  ]);
});

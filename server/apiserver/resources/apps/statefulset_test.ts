import assert from "node:assert/strict";
import type { KubeObject } from "../../../../kube/meta.ts";
import { statefulSets } from "./statefulset.ts";
import { cells, create, fieldsOf, update } from "./testing.ts";

function statefulSet(spec: Record<string, unknown> = {}): KubeObject {
  return {
    metadata: { name: "db", namespace: "default" },
    spec: {
      selector: { matchLabels: { app: "db" } },
      template: {
        metadata: { labels: { app: "db" } },
        spec: {
          containers: [{
            name: "pg",
            image: "postgres:16",
            volumeMounts: [{ name: "data", mountPath: "/var/lib/postgresql" }],
          }],
        },
      },
      volumeClaimTemplates: [{
        metadata: { name: "data" },
        spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } },
      }],
      ...spec,
    },
  };
}

Deno.test("statefulsets: upstream's defaults, without a service name", async () => {
  const { obj, errors } = await create(statefulSets, statefulSet());
  assert.deepStrictEqual(errors, []);
  const spec = obj.spec as Record<string, unknown>;
  assert.equal(spec.podManagementPolicy, "OrderedReady");
  assert.deepStrictEqual(spec.updateStrategy, {
    type: "RollingUpdate",
    rollingUpdate: { partition: 0 },
  });
  assert.deepStrictEqual(spec.persistentVolumeClaimRetentionPolicy, {
    whenDeleted: "Retain",
    whenScaled: "Retain",
  });
  assert.equal(spec.replicas, 1);
  assert.equal(spec.revisionHistoryLimit, 10);
  assert.deepStrictEqual((spec.volumeClaimTemplates as unknown[])[0], {
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    metadata: { name: "data" },
    spec: {
      accessModes: ["ReadWriteOnce"],
      resources: { requests: { storage: "1Gi" } },
      volumeMode: "Filesystem",
    },
    status: { phase: "Pending" },
  });
  assert.deepStrictEqual(obj.status, { replicas: 0, availableReplicas: 0 });
});

Deno.test("statefulsets: an OnDelete strategy keeps no rolling update settings", async () => {
  const { obj, errors } = await create(
    statefulSets,
    statefulSet({ updateStrategy: { type: "OnDelete" } }),
  );
  assert.deepStrictEqual(errors, []);
  assert.deepStrictEqual((obj.spec as Record<string, unknown>).updateStrategy, {
    type: "OnDelete",
  });
  const bad = await create(
    statefulSets,
    statefulSet({ updateStrategy: { type: "OnDelete", rollingUpdate: { partition: 1 } } }),
  );
  assert.deepStrictEqual(fieldsOf(bad.errors), [
    "FieldValueInvalid spec.updateStrategy.rollingUpdate",
  ]);
});

Deno.test("statefulsets: policy, selector and restart rules are checked", async () => {
  const { errors } = await create(
    statefulSets,
    statefulSet({
      podManagementPolicy: "Whenever",
      selector: { matchLabels: { app: "other" } },
      persistentVolumeClaimRetentionPolicy: { whenDeleted: "Keep" },
      updateStrategy: {
        type: "RollingUpdate",
        rollingUpdate: { partition: -1, maxUnavailable: 0 },
      },
    }),
  );
  assert.deepStrictEqual(fieldsOf(errors), [
    "FieldValueInvalid spec.podManagementPolicy",
    "FieldValueInvalid spec.updateStrategy.rollingUpdate.partition",
    "FieldValueInvalid spec.updateStrategy.rollingUpdate.maxUnavailable",
    "FieldValueNotSupported spec.persistentVolumeClaimRetentionPolicy.whenDeleted",
    "FieldValueInvalid spec.template.metadata.labels",
  ]);
  assert.equal(errors[0].detail, "must be 'OrderedReady' or 'Parallel'");
});

Deno.test("statefulsets: an update may change replicas and template but not other fields", async () => {
  const { obj: old } = await create(statefulSets, statefulSet());
  const next = structuredClone(old);
  const spec = next.spec as Record<string, unknown>;
  spec.replicas = 3;
  spec.minReadySeconds = 5;
  assert.deepStrictEqual((await update(statefulSets, next, old)).errors, []);
  spec.serviceName = "db-headless";
  const { errors } = await update(statefulSets, next, old);
  assert.deepStrictEqual(fieldsOf(errors), ["FieldValueForbidden spec"]);
  assert.equal(
    errors[0].detail,
    "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
  );
});

Deno.test("statefulsets: columns show ready of desired and the containers", async () => {
  const { obj } = await create(statefulSets, statefulSet({ replicas: 3 }));
  obj.status = { replicas: 3, readyReplicas: 3 };
  const row = cells(statefulSets, obj);
  assert.deepStrictEqual([row.Ready, row.Containers, row.Images], ["3/3", "pg", "postgres:16"]);
});

/**
 * The persistent volume binder with the oldest and newest kubectl: a claim binds to the
 * smallest matching volume and releases it when deleted, a claim whose selector matches nothing
 * stays Pending with a `FailedBinding` event, and a WaitForFirstConsumer claim of a
 * `kubernetes.io/no-provisioner` class waits for its pod, which the scheduler places on the node
 * of the local volume it binds; a claim whose volume is deleted is Lost; a claim of a dynamic
 * class gets the provisioner annotations and binds to the volume its provisioner makes.
 *
 * PersistentVolumes and StorageClasses are cluster-scoped: each is named after the kubectl's
 * namespace and deleted at the end.
 *
 * @module
 */
import assert from "node:assert/strict";
import { kubectlSteps, parseTable, type ScopedKubectl } from "./harness.ts";
import { eventually, startCluster } from "./controllers_helpers_test.ts";

/** A PersistentVolume; a hostPath one unless `spec` names another source. */
function volume(
  name: string,
  size: string,
  storageClassName: string,
  spec: Record<string, unknown> = { hostPath: { path: `/tmp/${name}` } },
  labels: Record<string, string> = {},
) {
  return {
    apiVersion: "v1",
    kind: "PersistentVolume",
    metadata: { name, labels },
    spec: {
      capacity: { storage: size },
      accessModes: ["ReadWriteOnce"],
      storageClassName,
      ...spec,
    },
  };
}

function claim(name: string, storageClassName: string, extra: Record<string, unknown> = {}) {
  return {
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    metadata: { name },
    spec: {
      accessModes: ["ReadWriteOnce"],
      storageClassName,
      resources: { requests: { storage: "1Gi" } },
      ...extra,
    },
  };
}

async function apply(k: ScopedKubectl, ...items: unknown[]): Promise<void> {
  await k.ok(["apply", "-f", "-"], {
    stdin: JSON.stringify({ apiVersion: "v1", kind: "List", items }),
  });
}

/** One row of `kubectl get <what> <name>`, keyed by column header. */
async function row(k: ScopedKubectl, what: string, name: string): Promise<Record<string, string>> {
  return parseTable(await k.ok(["get", what, name])).rows[0];
}

async function events(k: ScopedKubectl, name: string): Promise<string[]> {
  const out = await k.ok([
    "get",
    "events",
    "--field-selector",
    `involvedObject.name=${name}`,
    "-o",
    "json",
  ]);
  return JSON.parse(out).items.map((e: { type: string; reason: string; message: string }) =>
    `${e.type} ${e.reason}: ${e.message}`
  );
}

Deno.test("PersistentVolumeClaims bind to PersistentVolumes with kubectl", async (t) => {
  const cluster = await startCluster(2);
  try {
    await kubectlSteps(t, cluster.server, "pv", async (k, t) => {
      const ns = k.namespace;
      const manual = `${ns}-manual`;
      const local = `${ns}-local`;
      const dynamic = `${ns}-dynamic`;
      const volumes = [`${ns}-big`, `${ns}-small`, `${ns}-labelled`, `${ns}-local`, `${ns}-dyn`];

      await t.step(
        "a claim binds to the smallest matching volume, released when deleted",
        async () => {
          await apply(k, volume(volumes[0], "5Gi", manual), volume(volumes[1], "1Gi", manual));
          await apply(k, claim("data", manual));
          const pvc = await eventually("claim data Bound", async () => {
            const r = await row(k, "pvc", "data");
            return r.STATUS === "Bound" && r;
          });
          assert.equal(pvc.VOLUME, volumes[1]);
          assert.equal(pvc.CAPACITY, "1Gi");
          assert.equal(pvc["ACCESS MODES"], "RWO");
          const pv = await eventually("volume Bound", async () => {
            const r = await row(k, "pv", volumes[1]);
            return r.STATUS === "Bound" && r;
          });
          assert.equal(pv.CLAIM, `${ns}/data`);
          const stored = JSON.parse(await k.ok(["get", "pv", volumes[1], "-o", "json"]));
          const bound = JSON.parse(await k.ok(["get", "pvc", "data", "-o", "json"]));
          assert.equal(stored.spec.claimRef.uid, bound.metadata.uid);
          assert.equal(stored.metadata.annotations["pv.kubernetes.io/bound-by-controller"], "yes");
          assert.equal(bound.metadata.annotations["pv.kubernetes.io/bind-completed"], "yes");
          assert.equal(bound.metadata.annotations["pv.kubernetes.io/bound-by-controller"], "yes");
          assert.equal((await row(k, "pv", volumes[0])).STATUS, "Available");

          await k.ok(["delete", "pvc", "data"]);
          await eventually(
            "volume Released",
            async () => (await row(k, "pv", volumes[1])).STATUS === "Released",
          );
          assert.equal((await row(k, "pv", volumes[1])).CLAIM, `${ns}/data`);
        },
      );

      await t.step("a claim whose selector matches no volume stays Pending", async () => {
        // Without the selector this claim (no class, 1Gi, RWO) would take this volume.
        await apply(k, volume(volumes[2], "1Gi", "", undefined, { owner: ns }));
        await apply(
          k,
          claim("picky", "", { selector: { matchLabels: { owner: ns, tier: "gold" } } }),
        );
        const msg =
          "Normal FailedBinding: no persistent volumes available for this claim and no storage class is set";
        await eventually(
          "a FailedBinding event",
          async () => (await events(k, "picky")).includes(msg),
        );
        assert.equal((await row(k, "pvc", "picky")).STATUS, "Pending");
        assert.equal((await row(k, "pv", volumes[2])).STATUS, "Available");
        await k.ok(["delete", "pvc", "picky"]);
      });

      await t.step(
        "a WaitForFirstConsumer claim binds the local volume of its pod's node",
        async () => {
          await apply(k, {
            apiVersion: "storage.k8s.io/v1",
            kind: "StorageClass",
            metadata: { name: local },
            provisioner: "kubernetes.io/no-provisioner",
            volumeBindingMode: "WaitForFirstConsumer",
          });
          await apply(
            k,
            volume(volumes[3], "1Gi", local, {
              local: { path: `/mnt/${volumes[3]}` },
              nodeAffinity: {
                required: {
                  nodeSelectorTerms: [{
                    matchExpressions: [{
                      key: "kubernetes.io/hostname",
                      operator: "In",
                      values: ["sim-node-1"],
                    }],
                  }],
                },
              },
            }),
          );
          await apply(k, claim("cache", local));
          await eventually(
            "a WaitForFirstConsumer event",
            async () =>
              (await events(k, "cache")).includes(
                "Normal WaitForFirstConsumer: waiting for first consumer to be created before binding",
              ),
          );
          assert.equal((await row(k, "pvc", "cache")).STATUS, "Pending");
          assert.equal((await row(k, "pv", volumes[3])).STATUS, "Available");

          await apply(k, {
            apiVersion: "v1",
            kind: "Pod",
            metadata: { name: "user" },
            spec: {
              containers: [{
                name: "c",
                image: "busybox",
                volumeMounts: [{ name: "cache", mountPath: "/cache" }],
              }],
              volumes: [{ name: "cache", persistentVolumeClaim: { claimName: "cache" } }],
            },
          });
          const node = await eventually("pod scheduled", async () => {
            const pod = JSON.parse(await k.ok(["get", "pod", "user", "-o", "json"]));
            return pod.spec.nodeName as string | undefined;
          });
          assert.equal(node, "sim-node-1");
          const pvc = await eventually("claim cache Bound", async () => {
            const r = await row(k, "pvc", "cache");
            return r.STATUS === "Bound" && r;
          });
          assert.equal(pvc.VOLUME, volumes[3]);
          assert.equal((await row(k, "pv", volumes[3])).STATUS, "Bound");
        },
      );

      await t.step("a claim whose volume is deleted is Lost", async () => {
        await k.ok(["delete", "pv", volumes[3], "--wait=false"]);
        await eventually(
          "claim cache Lost",
          async () => (await row(k, "pvc", "cache")).STATUS === "Lost",
        );
        assert.ok(
          (await events(k, "cache")).includes(
            "Warning ClaimLost: Bound claim has lost its PersistentVolume. Data on the volume is lost!",
          ),
        );
      });

      await t.step("a claim of a dynamic class waits for its external provisioner", async () => {
        await apply(k, {
          apiVersion: "storage.k8s.io/v1",
          kind: "StorageClass",
          metadata: { name: dynamic },
          provisioner: "example.com/sim",
          reclaimPolicy: "Delete",
        });
        await apply(k, claim("dyn", dynamic));
        const pvc = await eventually("the provisioner annotations", async () => {
          const c = JSON.parse(await k.ok(["get", "pvc", "dyn", "-o", "json"]));
          const a = c.metadata.annotations ?? {};
          return a["volume.kubernetes.io/storage-provisioner"] === "example.com/sim" && c;
        });
        assert.equal(
          pvc.metadata.annotations["volume.beta.kubernetes.io/storage-provisioner"],
          "example.com/sim",
        );
        await eventually(
          "an ExternalProvisioning event",
          async () =>
            (await events(k, "dyn")).includes(
              "Normal ExternalProvisioning: Waiting for a volume to be created either by the " +
                "external provisioner 'example.com/sim' or manually by the system administrator. " +
                "If volume creation is delayed, please verify that the provisioner is running and " +
                "correctly registered.",
            ),
        );
        // Playing the provisioner: a volume made for this claim.
        const provisioned = volume(volumes[4], "1Gi", dynamic, {
          hostPath: { path: `/tmp/${volumes[4]}` },
          persistentVolumeReclaimPolicy: "Delete",
          claimRef: { namespace: ns, name: "dyn", uid: pvc.metadata.uid },
        });
        await apply(k, {
          ...provisioned,
          metadata: {
            ...provisioned.metadata,
            annotations: { "pv.kubernetes.io/provisioned-by": "example.com/sim" },
          },
        });
        await eventually("claim dyn Bound", async () => {
          const r = await row(k, "pvc", "dyn");
          return r.STATUS === "Bound" && r.VOLUME === volumes[4];
        });
        // Deleting a provisioned volume is its provisioner's job, not the binder's.
        await k.ok(["delete", "pvc", "dyn"]);
        await eventually(
          "volume Released",
          async () => (await row(k, "pv", volumes[4])).STATUS === "Released",
        );
      });

      await k.ok(["delete", "pod", "user", "--ignore-not-found", "--wait=false"]);
      await k.ok(["delete", "pv", ...volumes, "--ignore-not-found", "--wait=false"]);
      await k.ok(["delete", "storageclass", local, dynamic, "--ignore-not-found"]);
    });
  } finally {
    await cluster.close();
  }
});

/**
 * ReplicaSets and ReplicationControllers with the oldest and newest kubectl: a set adopts a
 * matching orphan pod instead of creating one more, releases a pod whose labels stop matching
 * (and replaces it), deletes surplus pods when scaled down (unscheduled ones first), and a
 * ReplicationController does the same with its plain selector.
 *
 * @module
 */
import assert from "node:assert/strict";
import type { Pod } from "../kube/client/mod.ts";
import { kubectlSteps, type ScopedKubectl } from "./harness.ts";
import { eventually, startCluster } from "./controllers_helpers_test.ts";

async function pods(k: ScopedKubectl, selector: string): Promise<Pod[]> {
  const items: Pod[] = JSON.parse(await k.ok(["get", "pods", "-l", selector, "-o", "json"])).items;
  return items.filter((p) => !p.metadata.deletionTimestamp);
}

const POD = JSON.stringify({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name: "orphan", labels: { app: "rs" } },
  spec: { containers: [{ name: "c", image: "busybox" }] },
});

const RS = JSON.stringify({
  apiVersion: "apps/v1",
  kind: "ReplicaSet",
  metadata: { name: "rs" },
  spec: {
    replicas: 3,
    selector: { matchLabels: { app: "rs" } },
    template: {
      metadata: { labels: { app: "rs" } },
      spec: { containers: [{ name: "c", image: "busybox" }] },
    },
  },
});

const RC = JSON.stringify({
  apiVersion: "v1",
  kind: "ReplicationController",
  metadata: { name: "rc" },
  spec: {
    replicas: 2,
    selector: { app: "rc" },
    template: {
      metadata: { labels: { app: "rc" } },
      spec: { containers: [{ name: "c", image: "busybox" }] },
    },
  },
});

Deno.test("ReplicaSets and ReplicationControllers keep their replicas with kubectl", async (t) => {
  const cluster = await startCluster(2);
  try {
    await kubectlSteps(t, cluster.server, "rs", async (k, t) => {
      await t.step("an orphan that matches is adopted, not duplicated", async () => {
        await k.ok(["apply", "-f", "-"], { stdin: POD });
        await k.ok(["apply", "-f", "-"], { stdin: RS });
        const all = await eventually("3 ready replicas", async () => {
          const rs = JSON.parse(await k.ok(["get", "rs", "rs", "-o", "json"]));
          return rs.status.readyReplicas === 3 && (await pods(k, "app=rs"));
        });
        assert.equal(all.length, 3);
        const orphan = all.find((p) => p.metadata.name === "orphan");
        assert.deepEqual(
          orphan?.metadata.ownerReferences?.map((
            r,
          ) => [r.kind, r.name, r.controller, r.blockOwnerDeletion]),
          [["ReplicaSet", "rs", true, true]],
        );
        const rs = JSON.parse(await k.ok(["get", "rs", "rs", "-o", "json"]));
        assert.equal(rs.status.replicas, 3);
        assert.equal(rs.status.fullyLabeledReplicas, 3);
        assert.equal(rs.status.availableReplicas, 3);
        assert.equal(rs.status.observedGeneration, rs.metadata.generation);
      });

      await t.step("a pod relabelled out of the selector is released and replaced", async () => {
        await k.ok(["label", "pod", "orphan", "app=elsewhere", "--overwrite"]);
        await eventually("the release", async () => {
          const p = JSON.parse(await k.ok(["get", "pod", "orphan", "-o", "json"]));
          return !(p.metadata.ownerReferences ?? []).length;
        });
        await eventually("3 pods again", async () => (await pods(k, "app=rs")).length === 3);
        await k.ok(["delete", "pod", "orphan", "--wait=false"]);
      });

      await t.step("a surplus pod goes unscheduled first; events record it all", async () => {
        const before = (await pods(k, "app=rs")).map((p) => p.metadata.name).sort();
        assert.equal(before.length, 3);
        // One more matching pod that no node will take: adopted, it is the surplus to delete.
        await k.ok(["apply", "-f", "-"], {
          stdin: JSON.stringify({
            apiVersion: "v1",
            kind: "Pod",
            metadata: { name: "stuck", labels: { app: "rs" } },
            spec: {
              nodeSelector: { "example.com/none": "true" },
              containers: [{ name: "c", image: "busybox" }],
            },
          }),
        });
        await eventually("the stuck pod to go", async () => {
          const r = await k.run(["get", "pod", "stuck"]);
          return r.code !== 0 && /NotFound/.test(r.stderr);
        });
        assert.deepEqual((await pods(k, "app=rs")).map((p) => p.metadata.name).sort(), before);
        const events = await k.ok([
          "get",
          "events",
          "--field-selector",
          "involvedObject.name=rs",
          "-o",
          "json",
        ]);
        const messages = JSON.parse(events).items.map((e: { reason: string; message: string }) =>
          `${e.reason}: ${e.message}`
        );
        assert.ok(messages.includes("SuccessfulDelete: Deleted pod: stuck"), messages.join("\n"));
        assert.ok(messages.some((m: string) => m.startsWith("SuccessfulCreate: Created pod: rs-")));
      });

      await t.step("a ReplicationController keeps its replicas", async () => {
        await k.ok(["apply", "-f", "-"], { stdin: RC });
        await eventually("2 ready replicas", async () => {
          const rc = JSON.parse(await k.ok(["get", "rc", "rc", "-o", "json"]));
          return rc.status.readyReplicas === 2;
        });
        const list = await pods(k, "app=rc");
        assert.equal(list.length, 2);
        assert.ok(
          list.every((p) =>
            p.metadata.ownerReferences?.[0]?.kind === "ReplicationController" &&
            p.metadata.ownerReferences[0].apiVersion === "v1"
          ),
        );
        await k.ok(["delete", "pod", list[0].metadata.name!, "--wait=false"]);
        await eventually("a replacement", async () => {
          const now = await pods(k, "app=rc");
          return now.length === 2 && !now.some((p) => p.metadata.name === list[0].metadata.name);
        });
        await k.ok(["scale", "rc", "rc", "--replicas=0"]);
        await eventually("no pods", async () => (await pods(k, "app=rc")).length === 0);
      });
    });
  } finally {
    await cluster.close();
  }
});

import assert from "node:assert/strict";
import { FakeClock, type KubeClient, type KubeObject } from "../../../kube/client/mod.ts";
import type { Deployment, ReplicaSet } from "../common/types.ts";
import { rolloutRolling } from "./rolling.ts";
import type { Sync } from "./sync.ts";
import { REVISION } from "./util.ts";

/** A deployment's pod template of `image`, as its ReplicaSets carry it. */
function template(image: string) {
  return {
    metadata: { labels: { app: "web" } },
    spec: { containers: [{ name: "c", image }] },
  };
}

function replicaSet(
  name: string,
  image: string,
  revision: string,
  replicas: number,
  available: number,
): ReplicaSet {
  return {
    apiVersion: "apps/v1",
    kind: "ReplicaSet",
    metadata: {
      name,
      namespace: "ns",
      uid: `uid-${name}`,
      resourceVersion: "10",
      creationTimestamp: `2026-01-01T00:00:0${revision}Z`,
      annotations: {
        [REVISION]: revision,
        "deployment.kubernetes.io/desired-replicas": "3",
        "deployment.kubernetes.io/max-replicas": "4",
      },
    },
    spec: { replicas, selector: { matchLabels: { app: "web" } }, template: template(image) },
    status: { replicas: available, availableReplicas: available, readyReplicas: available },
  } as ReplicaSet;
}

/** A sync over a client that records each ReplicaSet size it is asked to write. */
function syncOf(sets: ReplicaSet[]) {
  const writes: string[] = [];
  const echo = (_res: unknown, obj: KubeObject) => {
    const spec = obj.spec as { replicas?: number } | undefined;
    if (obj.kind === "ReplicaSet") writes.push(`${obj.metadata.name}=${spec?.replicas}`);
    return Promise.resolve({ ...obj, metadata: { ...obj.metadata, resourceVersion: "11" } });
  };
  const d = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web", namespace: "ns", uid: "uid-d", annotations: { [REVISION]: "2" } },
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: "web" } },
      template: template("busybox:2"),
      strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
    },
    status: {},
  } as Deployment;
  const s: Sync = {
    ctx: {
      client: { update: echo, updateStatus: echo } as unknown as KubeClient,
      recorder: { event() {} } as unknown as Sync["ctx"]["recorder"],
      clock: new FakeClock(),
      requeueAfter() {},
    },
    d,
    sets,
  };
  return { s, writes };
}

Deno.test("rolling update: an old set with more available pods than replicas is scaled down, never up", async () => {
  // The old set was scaled 2 -> 1 and its surplus pod still runs; the new set is complete.
  const { s, writes } = syncOf([
    replicaSet("web-old", "busybox:1", "1", 1, 2),
    replicaSet("web-new", "busybox:2", "2", 3, 3),
  ]);
  const result = await rolloutRolling(s);
  assert.deepEqual(writes, ["web-old=0"]);
  assert.equal(result.scaled, true);
  assert.deepEqual(result.oldRSs.map((rs) => rs.spec?.replicas), [0]);
});

Deno.test("rolling update: unavailable old replicas are cleaned up first, within the surge", async () => {
  // One of the old set's two pods is not available: it goes first, whatever availability says.
  const { s, writes } = syncOf([
    replicaSet("web-old", "busybox:1", "1", 2, 1),
    replicaSet("web-new", "busybox:2", "2", 2, 2),
  ]);
  await rolloutRolling(s);
  assert.deepEqual(writes, ["web-old=1"]);
});

import assert from "node:assert/strict";
import type { Deployment, ReplicaSet } from "../common/types.ts";
import {
  activeOrLatest,
  equalIgnoreHash,
  fenceposts,
  maxUnavailable,
  newRSNewReplicas,
  proportion,
  REVISION,
  REVISION_HISTORY,
  setNewReplicaSetAnnotations,
} from "./util.ts";

function deployment(replicas: number, maxSurge?: number | string, maxUnav?: number | string) {
  return {
    metadata: { name: "d", annotations: { team: "a", [REVISION]: "9" } },
    spec: {
      replicas,
      strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge, maxUnavailable: maxUnav } },
    },
    status: { replicas },
  } as Deployment;
}

function rs(name: string, replicas: number, annotations: Record<string, string> = {}) {
  return {
    metadata: { name, annotations, creationTimestamp: `2026-01-01T00:00:0${name.length}Z` },
    spec: { replicas },
    status: { replicas, availableReplicas: replicas },
  } as ReplicaSet;
}

Deno.test("fenceposts() rounds surge up and unavailability down, never both zero", () => {
  assert.deepEqual(fenceposts(deployment(10)), { surge: 3, unavailable: 2 });
  assert.deepEqual(fenceposts(deployment(3, "10%", "10%")), { surge: 1, unavailable: 0 });
  assert.deepEqual(fenceposts(deployment(3, 0, 0)), { surge: 0, unavailable: 1 });
  assert.equal(maxUnavailable(deployment(2, 0, 5)), 2);
});

Deno.test("newRSNewReplicas() stays within replicas + maxSurge", () => {
  const d = deployment(4, 1, 0);
  const old = rs("old", 4), fresh = rs("new", 0);
  assert.equal(newRSNewReplicas(d, [old, fresh], fresh), 1);
  const grown = rs("new", 1);
  assert.equal(newRSNewReplicas(d, [old, grown], grown), 1);
  assert.equal(newRSNewReplicas(d, [rs("old", 2), rs("new", 2)], rs("new", 2)), 3);
});

Deno.test("proportion() scales a set by the deployment's growth over its max-replicas", () => {
  // Was 10 (+3 surge = 13 recorded), now 20 (+5 = 25): a set of 6 grows by about 6 × 25/13.
  const d = deployment(20, "25%", "25%");
  const set = rs("a", 6, { "deployment.kubernetes.io/max-replicas": "13" });
  assert.equal(proportion(set, d, 12, 0), 6);
  assert.equal(proportion(set, d, 3, 0), 3, "capped by what is left to add");
});

Deno.test("activeOrLatest() is the only set with replicas, or the newest", () => {
  const a = rs("a", 0), bb = rs("bb", 0), ccc = rs("ccc", 2);
  assert.equal(activeOrLatest(undefined, [a, bb, ccc]), ccc);
  assert.equal(activeOrLatest(undefined, [a, bb]), bb);
  assert.equal(activeOrLatest(rs("n", 1), [ccc]), undefined);
});

Deno.test("setNewReplicaSetAnnotations() bumps the revision and keeps the old one in history", () => {
  const d = deployment(3);
  const set = rs("a", 3, { [REVISION]: "1" });
  assert.equal(setNewReplicaSetAnnotations(d, set, 4, true), true);
  assert.equal(set.metadata.annotations![REVISION], "4");
  assert.equal(set.metadata.annotations![REVISION_HISTORY], "1");
  assert.equal(set.metadata.annotations!.team, "a", "deployment annotations are copied");
  assert.equal(setNewReplicaSetAnnotations(d, set, 4, true), false, "nothing changes twice");
  const created = rs("b", 0);
  setNewReplicaSetAnnotations(d, created, 5, false);
  assert.equal(created.metadata.annotations!["deployment.kubernetes.io/desired-replicas"], "3");
  assert.equal(created.metadata.annotations!["deployment.kubernetes.io/max-replicas"], "4");
});

Deno.test("equalIgnoreHash() ignores the hash label and null/empty fields", () => {
  const a = {
    metadata: { labels: { app: "x", "pod-template-hash": "abc" } },
    spec: { containers: [{ name: "c", image: "i", resources: {} }] },
  };
  const b = {
    metadata: { labels: { app: "x" }, creationTimestamp: null },
    spec: { containers: [{ name: "c", image: "i" }] },
  };
  assert.ok(equalIgnoreHash(a, b as never));
  assert.ok(!equalIgnoreHash(a, { ...b, spec: { containers: [{ name: "c", image: "j" }] } }));
});

import assert from "node:assert/strict";
import type { KubeObject } from "../../../kube/meta.ts";
import { Graph } from "./graph.ts";

function obj(
  uid: string,
  owners: [string, boolean?][] = [],
  extra: Partial<KubeObject["metadata"]> = {},
) {
  return {
    metadata: {
      name: uid,
      namespace: "ns",
      uid,
      ownerReferences: owners.map(([o, block]) => ({
        apiVersion: "v1",
        kind: "ConfigMap",
        name: o,
        uid: o,
        blockOwnerDeletion: block,
      })),
      ...extra,
    },
  } as KubeObject;
}

Deno.test("Graph: an unseen owner becomes a virtual node to verify", () => {
  const g = new Graph();
  assert.deepEqual(g.observe(obj("dep", [["own"]]), "v1", "ConfigMap"), [
    { action: "delete", uid: "own" },
  ]);
  assert.equal(g.get("own")?.virtual, true);
  assert.deepEqual([...g.get("own")!.dependents].map((d) => d.identity.uid), ["dep"]);
  assert.deepEqual(g.observe(obj("own"), "v1", "ConfigMap"), []);
  assert.equal(g.get("own")?.virtual, false);
});

Deno.test("Graph: removing an owner makes work for its dependents", () => {
  const g = new Graph();
  g.observe(obj("own"), "v1", "ConfigMap");
  g.observe(obj("dep", [["own"]]), "v1", "ConfigMap");
  assert.deepEqual(g.remove("own"), [{ action: "delete", uid: "dep" }]);
  assert.equal(g.get("own"), undefined);
});

Deno.test("Graph: foreground and orphan deletion make work for owner and dependents", () => {
  const g = new Graph();
  g.observe(obj("own"), "v1", "ConfigMap");
  g.observe(obj("dep", [["own", true]]), "v1", "ConfigMap");
  const deleting = { deletionTimestamp: "2026-01-01T00:00:00Z" };
  assert.deepEqual(
    g.observe(
      obj("own", [], { ...deleting, finalizers: ["foregroundDeletion"] }),
      "v1",
      "ConfigMap",
    ),
    [{ action: "delete", uid: "own" }, { action: "delete", uid: "dep" }],
  );
  assert.deepEqual(g.blockingDependents(g.get("own")!).map((d) => d.identity.uid), ["dep"]);
  // The dependent letting go wakes the waiting owner.
  assert.deepEqual(g.observe(obj("dep"), "v1", "ConfigMap"), [{ action: "delete", uid: "own" }]);
  assert.deepEqual(
    g.observe(obj("own", [], { ...deleting, finalizers: ["orphan"] }), "v1", "ConfigMap"),
    [{ action: "orphan", uid: "own" }],
  );
});

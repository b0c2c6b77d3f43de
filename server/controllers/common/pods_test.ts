import assert from "node:assert/strict";
import type { Pod } from "./types.ts";
import { compareForDeletion, isPodAvailable, slowStartBatch } from "./pods.ts";
import { computeHash } from "./hash.ts";

function pod(
  name: string,
  o: { node?: string; phase?: string; ready?: boolean; since?: string; cost?: string } = {},
) {
  return {
    metadata: {
      name,
      creationTimestamp: "2026-01-01T00:00:00Z",
      annotations: o.cost ? { "controller.kubernetes.io/pod-deletion-cost": o.cost } : undefined,
    },
    spec: { nodeName: o.node, containers: [] },
    status: {
      phase: o.phase ?? "Running",
      conditions: [{
        type: "Ready",
        status: o.ready === false ? "False" : "True",
        lastTransitionTime: o.since ?? "2026-01-01T00:00:10Z",
      }],
    },
  } as Pod;
}

Deno.test("compareForDeletion(): unscheduled, pending, unready, cheap, recently ready go first", () => {
  const order = [
    pod("unscheduled", { phase: "Pending", ready: false }),
    pod("pending", { node: "n", phase: "Pending", ready: false }),
    pod("unready", { node: "n", ready: false }),
    pod("cheap", { node: "n", cost: "-5" }),
    pod("recent", { node: "n", since: "2026-01-01T00:05:00Z" }),
    pod("old", { node: "n" }),
  ];
  const sorted = [...order].reverse().sort((a, b) => compareForDeletion(a, b));
  assert.deepEqual(sorted.map((p) => p.metadata.name), order.map((p) => p.metadata.name));
});

Deno.test("isPodAvailable() waits minReadySeconds after readiness", () => {
  const p = pod("p", { since: "2026-01-01T00:00:10Z" });
  const at = (s: string) => Date.parse(s);
  assert.equal(isPodAvailable(p, 5, at("2026-01-01T00:00:12Z")), false);
  assert.equal(isPodAvailable(p, 5, at("2026-01-01T00:00:16Z")), true);
  assert.equal(isPodAvailable(pod("q", { ready: false }), 0, at("2026-01-01T00:00:16Z")), false);
});

Deno.test("slowStartBatch() doubles batches and stops after a failing one", async () => {
  const tried: number[] = [];
  const r = await slowStartBatch(10, (i) => {
    tried.push(i);
    return i === 4 ? Promise.reject(new Error("quota")) : Promise.resolve();
  });
  // Batches of 1, 2, 4: the third (3–6) fails at 4; 7–9 are never tried.
  assert.deepEqual(tried, [0, 1, 2, 3, 4, 5, 6]);
  assert.equal(r.created, 6);
  assert.equal(r.skipped, 3);
  assert.equal(r.error?.message, "quota");
});

Deno.test("computeHash() is stable, semantic and uses the safe alphabet", () => {
  const a = computeHash({ b: 1, a: [1, 2], c: null });
  assert.equal(a, computeHash({ a: [1, 2], b: 1 }));
  assert.notEqual(a, computeHash({ a: [1, 2], b: 1 }, 1));
  assert.match(a, /^[bcdfghjklmnpqrstvwxz2456789]+$/);
});

import assert from "node:assert/strict";
import { FitError } from "./fit_error.ts";
import { Cycle } from "./framework.ts";
import { podInfo } from "./pod_info.ts";
import { DEFAULT_PLUGINS } from "./plugins/mod.ts";
import { NoNodesError, schedulePod } from "./schedule_one.ts";
import { cacheWith, failure, node, place, placeAndBind, pod } from "./testing.ts";

Deno.test("schedulePod() spreads equal pods by least allocation", () => {
  const cache = cacheWith([node("a"), node("b"), node("c")]);
  const counts: Record<string, number> = {};
  for (let i = 0; i < 30; i++) {
    const n = placeAndBind(cache, pod(`p${i}`, { cpu: "100m", memory: "128Mi" }));
    counts[n] = (counts[n] ?? 0) + 1;
  }
  assert.deepEqual(counts, { a: 10, b: 10, c: 10 });
});

Deno.test("schedulePod() prefers the node with more free resources", () => {
  const cache = cacheWith([node("busy"), node("idle")], [[pod("x", { cpu: "3" }), "busy"]]);
  assert.equal(place(cache, pod("p", { cpu: "100m" })), "idle");
});

Deno.test("NodeResourcesFit reports every insufficient resource, as upstream words it", () => {
  const cache = cacheWith([
    node("a", { cpu: "1", memory: "1Gi", pods: "1", extra: { "example.com/gpu": "1" } }),
  ], [
    [pod("x", { cpu: "500m" }), "a"],
  ]);
  assert.equal(
    failure(cache, pod("p", { cpu: "600m", memory: "2Gi", extra: { "example.com/gpu": "2" } })),
    "0/1 nodes are available: 1 Insufficient cpu, 1 Insufficient example.com/gpu, " +
      "1 Insufficient memory, 1 Too many pods. preemption: 0/1 nodes are available: " +
      "1 No preemption victims found for incoming pod.",
  );
});

Deno.test("FitError sorts the reason histogram as strings and appends preemption", () => {
  const cache = cacheWith([
    node("cp", {
      taints: [{ key: "node-role.kubernetes.io/control-plane", effect: "NoSchedule" }],
    }),
    node("w1", { cpu: "1" }),
    node("w2", { cpu: "1" }),
  ]);
  assert.equal(
    failure(cache, pod("p", { cpu: "2" })),
    "0/3 nodes are available: 1 node(s) had untolerated taint " +
      "{node-role.kubernetes.io/control-plane: }, 2 Insufficient cpu. preemption: 0/3 nodes " +
      "are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims " +
      "found for incoming pod.",
  );
});

Deno.test("schedulePod() with no nodes says so", () => {
  assert.throws(
    () => schedulePod(DEFAULT_PLUGINS, new Cycle(podInfo(pod("p")), cacheWith([]))),
    (e) => e instanceof NoNodesError && e.message === "no nodes available to schedule pods",
  );
});

Deno.test("schedulePod() throws a FitError with a status per node", () => {
  const cache = cacheWith([node("a", { unschedulable: true }), node("b", { labels: { x: "1" } })]);
  try {
    schedulePod(DEFAULT_PLUGINS, new Cycle(podInfo(pod("p", { nodeSelector: { x: "2" } })), cache));
    assert.fail("scheduled");
  } catch (err) {
    assert.ok(err instanceof FitError);
    assert.deepEqual(
      [...err.statuses].map(([n, s]) => [n, s.plugin, s.code]),
      [
        ["a", "NodeUnschedulable", "UnschedulableAndUnresolvable"],
        ["b", "NodeAffinity", "UnschedulableAndUnresolvable"],
      ],
    );
  }
});

Deno.test("pods nominated to a node keep their room from lower-priority pods", () => {
  const cache = cacheWith([node("a", { cpu: "2" })]);
  cache.nominate(podInfo(pod("high", { cpu: "1500m", priority: 100 })), "a");
  assert.match(failure(cache, pod("low", { cpu: "1" })), /1 Insufficient cpu/);
  assert.equal(place(cache, pod("higher", { cpu: "1", priority: 200 })), "a");
});

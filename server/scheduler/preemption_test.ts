import assert from "node:assert/strict";
import { cacheWith, failure, node, pod } from "./testing.ts";

const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();

Deno.test("preemption evicts only as many lower-priority pods as needed, youngest lowest first", () => {
  const cache = cacheWith([node("a", { cpu: "4" })], [
    [pod("old-low", { cpu: "1", priority: 1, startTime: at(1) }), "a"],
    [pod("new-low", { cpu: "1", priority: 1, startTime: at(9) }), "a"],
    [pod("mid", { cpu: "1", priority: 5 }), "a"],
    [pod("top", { cpu: "1", priority: 100 }), "a"],
  ]);
  assert.equal(failure(cache, pod("p", { cpu: "1", priority: 10 })), "preempt on a: new-low");
  assert.equal(
    failure(cache, pod("q", { cpu: "2", priority: 10 })),
    "preempt on a: new-low, old-low",
  );
});

Deno.test("preemption picks the node whose victims have the lowest priority, then the fewest", () => {
  const cache = cacheWith([
    node("a", { cpu: "2" }),
    node("b", { cpu: "2" }),
    node("c", { cpu: "2" }),
  ], [
    [pod("a1", { cpu: "2", priority: 50 }), "a"],
    [pod("b1", { cpu: "1", priority: 10 }), "b"],
    [pod("b2", { cpu: "1", priority: 10 }), "b"],
    [pod("c1", { cpu: "2", priority: 10 }), "c"],
  ]);
  assert.equal(failure(cache, pod("p", { cpu: "2", priority: 100 })), "preempt on c: c1");
});

Deno.test("preemption never touches pods of equal or higher priority", () => {
  const cache = cacheWith([node("a", { cpu: "1" })], [[pod("x", { cpu: "1", priority: 10 }), "a"]]);
  assert.equal(
    failure(cache, pod("p", { cpu: "1", priority: 10 })),
    "0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: " +
      "1 No preemption victims found for incoming pod.",
  );
});

Deno.test("preemption skips nodes where it cannot help and pods that may not preempt", () => {
  const cache = cacheWith([
    node("a", { cpu: "1", taints: [{ key: "t", effect: "NoSchedule" }] }),
    node("b", { cpu: "1" }),
  ], [[pod("x", { cpu: "1" }), "a"], [pod("y", { cpu: "1" }), "b"]]);
  assert.equal(failure(cache, pod("p", { cpu: "1", priority: 10 })), "preempt on b: y");
  assert.equal(
    failure(cache, pod("never", { cpu: "1", priority: 10, preemptionPolicy: "Never" })),
    "0/2 nodes are available: 1 Insufficient cpu, 1 node(s) had untolerated taint {t: }. " +
      "preemption: not eligible due to preemptionPolicy=Never.",
  );
});

Deno.test("preemption frees a host port held by a lower-priority pod", () => {
  const cache = cacheWith([node("a")], [[pod("web", { hostPort: 80 }), "a"]]);
  assert.equal(failure(cache, pod("p", { hostPort: 80, priority: 1 })), "preempt on a: web");
});

Deno.test("preemption removes a lower-priority pod whose anti-affinity blocks the preemptor", () => {
  const anti = {
    podAntiAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: [{
        labelSelector: { matchLabels: { app: "x" } },
        topologyKey: "kubernetes.io/hostname",
      }],
    },
  };
  const cache = cacheWith([node("a")], [[
    pod("loner", { labels: { app: "y" }, affinity: anti }),
    "a",
  ]]);
  assert.equal(
    failure(cache, pod("p", { labels: { app: "x" }, priority: 5 })),
    "preempt on a: loner",
  );
});

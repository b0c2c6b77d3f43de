import assert from "node:assert/strict";
import { cacheWith, node, pod } from "./testing.ts";

Deno.test("SchedulerCache.refreshPod() points a bound pod's info at its newest version", () => {
  const bound = pod("p", { cpu: "100m" });
  bound.metadata.uid = "u1";
  const cache = cacheWith([node("a")], [[bound, "a"]]);
  const running = structuredClone(bound);
  running.status = { ...running.status, phase: "Running" };
  cache.refreshPod(running);
  const info = cache.node("a")!.pods.get("default/p")!;
  assert.equal(
    info.pod,
    running,
    "the cache holds the newest object, not the one it was built from",
  );

  const other = structuredClone(running);
  other.metadata.uid = "u2";
  cache.refreshPod(other);
  assert.equal(
    cache.node("a")!.pods.get("default/p")!.pod,
    running,
    "another pod of that name is not this one",
  );
});

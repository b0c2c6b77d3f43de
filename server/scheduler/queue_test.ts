import assert from "node:assert/strict";
import { FakeClock } from "../../kube/client/mod.ts";
import { podInfo } from "./pod_info.ts";
import { SchedulingQueue } from "./queue.ts";
import { pod } from "./testing.ts";

Deno.test("SchedulingQueue pops higher priority first, then in arrival order", async () => {
  const clock = new FakeClock();
  const q = new SchedulingQueue(clock);
  q.add(podInfo(pod("a", { priority: 1 })));
  await clock.advance(1);
  q.add(podInfo(pod("b", { priority: 5 })));
  await clock.advance(1);
  q.add(podInfo(pod("c", { priority: 1 })));
  q.add(podInfo(pod("a", { priority: 1 })));
  assert.deepEqual([q.tryPop(), q.tryPop(), q.tryPop(), q.tryPop()].map((x) => x?.info.name), [
    "b",
    "a",
    "c",
    undefined,
  ]);
});

Deno.test("SchedulingQueue parks unschedulable pods until an event that may help", async () => {
  const clock = new FakeClock();
  const q = new SchedulingQueue(clock);
  q.add(podInfo(pod("res")));
  q.add(podInfo(pod("aff")));
  const res = q.tryPop()!;
  const aff = q.tryPop()!;
  q.unschedulable(res, new Set(["NodeResourcesFit"]));
  q.unschedulable(aff, new Set(["InterPodAffinity"]));
  assert.deepEqual(q.counts(), { active: 0, backoff: 0, unschedulable: 2, popped: 0 });
  q.moveAll("AssignedPodAdd");
  await clock.advance(1_000);
  assert.equal(q.tryPop()?.info.name, "aff", "a new pod may satisfy affinity, not free cpu");
  q.moveAll("AssignedPodDelete");
  assert.equal(q.tryPop()?.info.name, "res", "its backoff (1 s) has passed: straight to active");
  const again = q.get("default/res")!;
  q.unschedulable(again, new Set(["NodeResourcesFit"]));
  q.moveAll("NodeAdd");
  assert.equal(q.tryPop(), undefined, "second attempt backs off for 2 s");
  await clock.advance(2_000);
  assert.equal(q.tryPop()?.info.name, "res");
});

Deno.test("SchedulingQueue retries after backoff when a cluster change raced the attempt", async () => {
  const clock = new FakeClock();
  const q = new SchedulingQueue(clock);
  q.add(podInfo(pod("p")));
  const p = q.tryPop()!;
  q.moveAll("NodeUpdate");
  q.unschedulable(p, new Set(["NodeAffinity"]));
  assert.equal(q.counts().backoff, 1);
  await clock.advance(1_000);
  assert.equal(q.tryPop()?.info.name, "p");
});

Deno.test("SchedulingQueue retries parked pods after five minutes anyway", async () => {
  const clock = new FakeClock();
  const q = new SchedulingQueue(clock);
  q.add(podInfo(pod("p")));
  q.unschedulable(q.tryPop()!, new Set(["NodeAffinity"]));
  await clock.advance(299_000);
  assert.equal(q.tryPop(), undefined);
  await clock.advance(2_000);
  assert.equal(q.tryPop()?.info.name, "p");
  q.close();
});

import assert from "node:assert/strict";
import { FakeClock } from "./clock.ts";
import {
  BucketRateLimiter,
  ItemExponentialRateLimiter,
  MaxOfRateLimiter,
  WorkQueue,
} from "./workqueue.ts";

function queue(clock = new FakeClock()) {
  return new WorkQueue<string>({ clock, rateLimiter: new ItemExponentialRateLimiter(5, 1000) });
}

Deno.test("WorkQueue.add() holds a key once however often it is added", async () => {
  const q = queue();
  q.add("a");
  q.add("b");
  q.add("a");
  assert.equal(q.length, 2);
  assert.equal(await q.get(), "a");
  assert.equal(await q.get(), "b");
  assert.equal(q.length, 0);
});

Deno.test("WorkQueue hands a key added during processing out again only after done()", async () => {
  const q = queue();
  q.add("a");
  const item = await q.get();
  q.add("a");
  assert.equal(q.length, 0, "not handed to a second worker while processing");
  q.done(item!);
  assert.equal(q.length, 1);
  assert.equal(await q.get(), "a");
});

Deno.test("WorkQueue.get() waits for an add and returns undefined after shutDown()", async () => {
  const q = queue();
  const waiting = q.get();
  q.add("x");
  assert.equal(await waiting, "x");
  const idle = q.get();
  q.shutDown();
  assert.equal(await idle, undefined);
  q.add("y");
  assert.equal(await q.get(), undefined);
});

Deno.test("WorkQueue.get() returns undefined when its signal aborts", async () => {
  const q = queue();
  const ac = new AbortController();
  const waiting = q.get(ac.signal);
  ac.abort();
  assert.equal(await waiting, undefined);
  q.add("z");
  assert.equal(await q.get(), "z", "the aborted getter took nothing");
});

Deno.test("WorkQueue.addAfter() queues after the delay; an earlier delay wins", async () => {
  const clock = new FakeClock();
  const q = queue(clock);
  q.addAfter("a", 1000);
  q.addAfter("a", 200);
  q.addAfter("a", 5000);
  assert.equal(q.length, 0);
  assert.equal(q.delayed, 1);
  await clock.advance(199);
  assert.equal(q.length, 0);
  await clock.advance(1);
  assert.equal(q.length, 1);
  await clock.advance(10_000);
  assert.equal(q.length, 1, "the later delays were merged into the first");
});

Deno.test("WorkQueue.addRateLimited() backs off exponentially per key until forget()", async () => {
  const clock = new FakeClock();
  const q = queue(clock);
  for (const expected of [5, 10, 20, 40]) {
    q.addRateLimited("k");
    await clock.advance(expected - 1);
    assert.equal(q.length, 0, `still waiting at ${expected - 1} ms`);
    await clock.advance(1);
    assert.equal(q.length, 1, `queued at ${expected} ms`);
    q.done((await q.get())!);
  }
  assert.equal(q.numRequeues("k"), 4);
  q.forget("k");
  assert.equal(q.numRequeues("k"), 0);
});

Deno.test("ItemExponentialRateLimiter caps its delay at the maximum", () => {
  const r = new ItemExponentialRateLimiter<string>(5, 100);
  const d = Array.from({ length: 7 }, () => r.when("a"));
  assert.deepEqual(d, [5, 10, 20, 40, 80, 100, 100]);
  assert.equal(r.when("b"), 5, "keys back off independently");
});

Deno.test("BucketRateLimiter allows a burst, then qps", async () => {
  const clock = new FakeClock();
  const r = new BucketRateLimiter<string>(10, 3, clock);
  assert.deepEqual([r.when("a"), r.when("b"), r.when("c")], [0, 0, 0]);
  assert.equal(r.when("d"), 100);
  await clock.advance(1000);
  assert.equal(r.when("e"), 0);
  const max = new MaxOfRateLimiter(new ItemExponentialRateLimiter<string>(1, 10), r);
  assert.ok(max.when("f") >= 1);
});

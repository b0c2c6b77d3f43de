import assert from "node:assert/strict";
import { PriorityLevel, Rejected } from "./priority_level.ts";

function level(seats: number, queueLengthLimit = 2, maxQueued = 10) {
  return new PriorityLevel({ name: "l", seats, queueLengthLimit, maxQueued, waitLimitMs: 60_000 });
}

Deno.test("PriorityLevel queues beyond its seats and rejects beyond its queue", async () => {
  const l = level(1, 1);
  await l.acquire("a");
  const queued = l.acquire("a");
  await assert.rejects(l.acquire("a"), Rejected);
  assert.equal(l.queued, 1);
  l.release();
  await queued;
  assert.equal(l.running, 1);
  l.release();
  assert.equal(l.running, 0);
});

Deno.test("PriorityLevel serves waiting flows round-robin", async () => {
  const l = level(1, 5);
  await l.acquire("flood");
  const order: string[] = [];
  const wait = (flow: string, n: number) =>
    l.acquire(flow).then(() => {
      order.push(`${flow}${n}`);
      l.release();
    });
  const all = [wait("flood", 1), wait("flood", 2), wait("flood", 3), wait("kubelet", 1)];
  l.release();
  await Promise.all(all);
  assert.deepEqual(order, ["flood1", "kubelet1", "flood2", "flood3"]);
});

Deno.test("PriorityLevel drops a waiting request whose client went away", async () => {
  const l = level(1);
  await l.acquire("a");
  const abort = new AbortController();
  const waiting = l.acquire("a", abort.signal);
  abort.abort();
  await assert.rejects(waiting, Rejected);
  assert.equal(l.queued, 0);
  l.release();
  assert.equal(l.running, 0);
});

Deno.test("PriorityLevel rejects at once when it has no queue (limitResponse Reject)", async () => {
  const l = level(1, 0, 0);
  await l.acquire("a");
  await assert.rejects(l.acquire("b"), /queue full/);
});

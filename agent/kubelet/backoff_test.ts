import assert from "node:assert/strict";
import { FakeClock } from "../../kube/client/clock.ts";
import { KeyedBackoff } from "./backoff.ts";

Deno.test("KeyedBackoff doubles from 10 s to 5 min and starts over after 10 quiet minutes", async () => {
  const clock = new FakeClock();
  const b = new KeyedBackoff({ clock });
  assert.equal(b.remaining("k", clock.now()), 0, "no history: no wait");
  const delays = [];
  for (let i = 0; i < 7; i++) delays.push(b.next("k") / 1000);
  assert.deepEqual(delays, [10, 20, 40, 80, 160, 300, 300]);
  const exitedAt = clock.now();
  assert.equal(b.remaining("k", exitedAt), 300_000);
  await clock.advance(100_000);
  assert.equal(b.remaining("k", exitedAt), 200_000);
  await clock.advance(600_001);
  assert.equal(b.next("k"), 10_000, "a key quiet for twice the maximum starts over");
  b.reset("k");
  assert.equal(b.delay("k"), 0);
});

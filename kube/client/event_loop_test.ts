import assert from "node:assert/strict";
import { yieldToEventLoop } from "./event_loop.ts";

/** Keeps the thread busy for `ms`, as decoding a large page does. */
function busy(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) { /* spin */ }
}

Deno.test("a timer gets its turn during a long run of work that yields", async () => {
  let firedAt = -1;
  let step = 0;
  setTimeout(() => (firedAt = step), 0);
  for (; step < 100; step++) {
    busy(2);
    await yieldToEventLoop();
  }
  // Without turns the timer would fire only after all 200 ms of work (step 100).
  assert.ok(firedAt >= 0 && firedAt < 30, `the timer fired at step ${firedAt}`);
});

Deno.test("a socket is served during a long run of work that yields", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const served = (async () => {
    const conn = await listener.accept();
    await conn.write(new TextEncoder().encode("hi"));
    conn.close();
  })();
  const client = Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port }).then(
    async (conn) => {
      const buf = new Uint8Array(2);
      await conn.read(buf);
      conn.close();
      return performance.now();
    },
  );
  const start = performance.now();
  for (let step = 0; step < 200; step++) {
    busy(2);
    await yieldToEventLoop();
  }
  const end = performance.now();
  const answered = await client;
  await served;
  listener.close();
  // The exchange (accept, write, read) finished before the 400 ms of work did.
  assert.ok(answered < end, `answered ${answered - start} ms into ${end - start} ms`);
});

Deno.test("waiters in line go on in the order they yielded", async () => {
  busy(25); // past a slice: the next yields wait in line
  const order: number[] = [];
  await Promise.all([0, 1, 2, 3, 4].map((i) => yieldToEventLoop().then(() => order.push(i))));
  assert.deepEqual(order, [0, 1, 2, 3, 4]);
});

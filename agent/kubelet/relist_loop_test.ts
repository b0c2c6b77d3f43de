import assert from "node:assert/strict";
import { FakeClock } from "../../kube/client/clock.ts";
import { silentLogger } from "../../kube/client/log.ts";
import { CriError } from "../../cri/errors.ts";
import type { RuntimeEvent, RuntimeEvents } from "../../cri/service.ts";
import { RelistLoop } from "./relist_loop.ts";

const START = Date.UTC(2026, 0, 1);

/** An event stream the test drives: `send()` an event, `fail()` the subscription. */
class FakeEvents implements RuntimeEvents {
  subscriptions = 0;
  #onEvent: ((e: RuntimeEvent) => void) | undefined;
  #fail: ((error: Error) => void) | undefined;
  readonly #first: Error | undefined;

  constructor(first?: Error) {
    this.#first = first;
  }

  watchEvents(onEvent: (e: RuntimeEvent) => void, signal: AbortSignal): Promise<void> {
    this.subscriptions++;
    if (this.#first) return Promise.reject(this.#first);
    this.#onEvent = onEvent;
    return new Promise((resolve, reject) => {
      this.#fail = reject;
      signal.addEventListener("abort", () => resolve(), { once: true });
    });
  }

  send(): void {
    this.#onEvent!({ topic: "/tasks/exit", containerId: "c1" });
  }

  fail(): void {
    this.#fail!(new CriError("Subscribe", "UNAVAILABLE", "gone"));
  }
}

/** Runs a loop on a fake clock; `times()` are the relists' times in ms from the start. */
function start(events?: RuntimeEvents) {
  const clock = new FakeClock(START);
  const at: number[] = [];
  const stop = new AbortController();
  const loop = new RelistLoop({
    relist: () => {
      at.push(clock.now() - START);
      return Promise.resolve();
    },
    events,
    clock,
    log: silentLogger,
  });
  const done = loop.run(stop.signal);
  return {
    clock,
    loop,
    times: () => [...at],
    async stop() {
      stop.abort();
      await done;
    },
  };
}

Deno.test("RelistLoop relists every second without an event stream", async () => {
  const t = start();
  await t.clock.advance(3500);
  assert.deepEqual(t.times(), [0, 1000, 2000, 3000]);
  await t.stop();
});

Deno.test("RelistLoop relists on events and every 10 s once the stream stands", async () => {
  const events = new FakeEvents();
  const t = start(events);
  await t.clock.advance(2500);
  // Every second until the subscription has stood for 2 s.
  assert.deepEqual(t.times(), [0, 1000]);
  assert.equal(t.loop.evented, true);
  await t.clock.advance(9000);
  assert.deepEqual(t.times(), [0, 1000, 11_000], "the safety relist, 10 s after the last");
  await t.clock.advance(1000);
  events.send();
  await t.clock.advance(0);
  assert.deepEqual(t.times().at(-1), 12_500, "an event is relisted at once");
  events.send();
  events.send();
  await t.clock.advance(2000);
  assert.deepEqual(t.times().slice(-2), [12_500, 13_500], "at most one relist a second");
  await t.stop();
});

Deno.test("RelistLoop relists at once when the stream breaks, every second until it is back", async () => {
  const events = new FakeEvents();
  const t = start(events);
  await t.clock.advance(5000);
  assert.deepEqual(t.times(), [0, 1000]);
  events.fail();
  await t.clock.advance(0);
  assert.deepEqual(t.times(), [0, 1000, 5000]);
  await t.clock.advance(2500);
  assert.deepEqual(t.times(), [0, 1000, 5000, 6000, 7000]);
  assert.equal(events.subscriptions, 2, "subscribed again after a second");
  await t.clock.advance(10_000);
  assert.deepEqual(t.times().filter((ms) => ms > 7000), [17_000], "evented again");
  await t.stop();
});

Deno.test("RelistLoop keeps relisting every second on a runtime without events", async () => {
  const events = new FakeEvents(new CriError("Subscribe", "UNIMPLEMENTED", "unknown service"));
  const t = start(events);
  await t.clock.advance(5500);
  assert.deepEqual(t.times(), [0, 1000, 2000, 3000, 4000, 5000]);
  assert.equal(events.subscriptions, 1, "not asked again");
  await t.stop();
});

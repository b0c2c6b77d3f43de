import assert from "node:assert/strict";
import {
  CONFIGMAPS,
  FakeClock,
  InformerFactory,
  ItemExponentialRateLimiter,
  KubeClient,
  type KubeObject,
  type StreamResponse,
  type Transport,
  type TransportRequest,
  type TransportResponse,
} from "../../../kube/client/mod.ts";
import { ConfigError, Controller, type ControllerConfig, ControllerManager } from "./mod.ts";

/** Serves a list of ConfigMaps and a watch that carries whatever `push` sends. */
class FakeApi implements Transport {
  items: KubeObject[] = [];
  rv = 100;
  #watchers = new Set<(line: string | null) => void>();

  push(type: string, name: string) {
    const obj = { metadata: { name, namespace: "ns", resourceVersion: String(++this.rv) } };
    for (const w of this.#watchers) w(JSON.stringify({ type, object: obj }) + "\n");
  }

  request(req: TransportRequest): Promise<TransportResponse> {
    if (req.method !== "GET") throw new Error(`unexpected ${req.method} ${req.path}`);
    const body = { metadata: { resourceVersion: String(this.rv) }, items: this.items };
    return Promise.resolve({ status: 200, headers: {}, body: JSON.stringify(body) });
  }

  stream(req: TransportRequest): Promise<StreamResponse> {
    const queue: (string | null)[] = [];
    let wake = () => {};
    const w = (l: string | null) => {
      queue.push(l);
      wake();
    };
    this.#watchers.add(w);
    req.signal?.addEventListener("abort", () => w(null));
    const watchers = this.#watchers;
    return Promise.resolve({
      status: 200,
      headers: {},
      chunks: (async function* () {
        try {
          for (;;) {
            while (queue.length) {
              const l = queue.shift()!;
              if (l === null) return;
              yield l;
            }
            await new Promise<void>((r) => (wake = r));
          }
        } finally {
          watchers.delete(w);
        }
      })(),
      close: () => w(null),
    });
  }

  close() {}
}

class Recorder extends Controller {
  seen: string[] = [];
  failUntil = new Map<string, number>();
  constructor(config: ControllerConfig) {
    super(config);
    this.watch(CONFIGMAPS);
  }
  protected reconcile(key: string): Promise<void> {
    this.seen.push(key);
    const left = this.failUntil.get(key) ?? 0;
    if (left > 0) {
      this.failUntil.set(key, left - 1);
      return Promise.reject(new Error("not yet"));
    }
    return Promise.resolve();
  }
}

function setup(extra: Partial<ControllerConfig> = {}) {
  const api = new FakeApi();
  api.items = [{ metadata: { name: "a", namespace: "ns", resourceVersion: "1" } }];
  const client = new KubeClient({ server: "https://fake.invalid" }, api);
  const clock = new FakeClock();
  const informers = new InformerFactory(client, { clock });
  const c = new Recorder({ name: "recorder", client, informers, clock, ...extra });
  return { api, client, clock, informers, c };
}

async function until(cond: () => boolean) {
  for (let i = 0; i < 500 && !cond(); i++) await new Promise((r) => setTimeout(r, 1));
  assert.ok(cond(), "condition never held");
}

Deno.test("Controller reconciles each listed object, then each change, by key", async () => {
  const { api, informers, c } = setup();
  const ac = new AbortController();
  informers.start(ac.signal);
  const running = c.run(2, ac.signal);
  await until(() => c.seen.length === 1);
  api.push("ADDED", "b");
  api.push("MODIFIED", "a");
  api.push("DELETED", "b");
  await until(() => c.seen.length >= 3);
  assert.deepEqual(c.seen.slice(0, 1), ["ns/a"]);
  assert.ok(c.seen.includes("ns/b"));
  ac.abort();
  await running;
});

Deno.test("Controller retries a failing key with backoff and drops it after maxRetries", async () => {
  const { informers, c, clock } = setup({
    maxRetries: 3,
    rateLimiter: new ItemExponentialRateLimiter(100, 10_000),
  });
  c.failUntil.set("ns/a", 10);
  const ac = new AbortController();
  informers.start(ac.signal);
  const running = c.run(1, ac.signal);
  await until(() => c.seen.length === 1);
  await clock.advance(99);
  assert.equal(c.seen.length, 1, "waits out the first backoff");
  await clock.advance(1);
  await until(() => c.seen.length === 2);
  await clock.advance(200);
  await until(() => c.seen.length === 3);
  await clock.advance(400);
  await until(() => c.seen.length === 4);
  await clock.advance(60_000);
  assert.equal(c.seen.length, 4, "dropped after 1 + 3 attempts");
  ac.abort();
  await running;
});

Deno.test("Controller config is validated with errors naming the controller and field", () => {
  const { client, informers } = setup();
  assert.throws(
    () => new Recorder({ name: "Bad Name", client, informers }),
    (e) => e instanceof ConfigError && /lowercase/.test(e.message),
  );
  assert.throws(
    () => new Recorder({ name: "x", client: undefined as unknown as KubeClient, informers }),
    { name: "ConfigError", message: "Cannot create controller x: client is required" },
  );
  assert.throws(
    () => new Recorder({ name: "x", client, informers, maxRetries: -1 }),
    /Cannot create controller x: maxRetries must be a number ≥ 0, got -1/,
  );
});

Deno.test("ControllerManager runs enabled controllers with fresh informers and stops them", async () => {
  const api = new FakeApi();
  api.items = [{ metadata: { name: "a", namespace: "ns", resourceVersion: "1" } }];
  const client = new KubeClient({ server: "https://fake.invalid" }, api);
  const built: Recorder[] = [];
  const manager = new ControllerManager({
    client,
    leaderElect: false,
    disabled: ["off"],
    controllers: [
      {
        name: "on",
        workers: 2,
        create: (ctx) => {
          const r = new Recorder({ ...ctx, name: "on" });
          built.push(r);
          return r;
        },
      },
      { name: "off", create: () => assert.fail("a disabled controller was built") },
    ],
  });
  assert.throws(
    () => manager.register({ name: "on", create: () => built[0] }),
    /registered already/,
  );
  const ac = new AbortController();
  const running = manager.run(ac.signal);
  await until(() => built.length === 1 && built[0].seen.length === 1);
  assert.deepEqual(manager.running, ["on"]);
  ac.abort();
  await running;
  assert.deepEqual(manager.running, []);
});

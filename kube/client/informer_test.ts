import assert from "node:assert/strict";
import { gone } from "../errors.ts";
import type { KubeList, KubeObject } from "../meta.ts";
import { BY_NAMESPACE, BY_NODE_NAME, namespaceIndex, nodeNameIndex } from "./cache.ts";
import { FakeClock } from "./clock.ts";
import { SharedInformer, stripManagedFields } from "./informer.ts";
import type { ListerWatcher, ListWatchOptions } from "./reflector.ts";
import type { WatchEvent } from "./watch.ts";

/**
 * An in-memory resource with a revision counter and an event history from `oldest` on: lists,
 * and watches that replay from a revision (410 before `oldest`) and then follow live changes.
 */
class FakeResource implements ListerWatcher<KubeObject> {
  rv = 10;
  oldest = 10;
  items = new Map<string, KubeObject>();
  history: { rv: number; ev: WatchEvent }[] = [];
  lists = 0;
  watches: ListWatchOptions[] = [];
  #live = new Set<(ev: WatchEvent | null) => void>();

  write(type: "ADDED" | "MODIFIED" | "DELETED", name: string, extra: Record<string, unknown> = {}) {
    this.rv++;
    const obj: KubeObject = {
      metadata: { name, namespace: "ns", resourceVersion: String(this.rv) },
      ...extra,
    };
    if (type === "DELETED") this.items.delete(name);
    else this.items.set(name, obj);
    const ev: WatchEvent = { type, object: obj };
    this.history.push({ rv: this.rv, ev });
    for (const l of this.#live) l(ev);
  }

  /** Ends every open watch, as the server does at a watch's timeout. */
  endWatches() {
    for (const l of this.#live) l(null);
  }

  list(_o: ListWatchOptions): Promise<KubeList<KubeObject>> {
    this.lists++;
    return Promise.resolve({
      metadata: { resourceVersion: String(this.rv) },
      items: [...this.items.values()],
    });
  }

  async *watch(o: ListWatchOptions): AsyncGenerator<WatchEvent> {
    this.watches.push(o);
    const from = Number(o.resourceVersion);
    if (from < this.oldest) throw gone(`too old resource version: ${from} (${this.oldest})`);
    const queue: (WatchEvent | null)[] = this.history.filter((h) => h.rv > from).map((h) => h.ev);
    let wake = () => {};
    const listener = (ev: WatchEvent | null) => {
      queue.push(ev);
      wake();
    };
    this.#live.add(listener);
    const onAbort = () => listener(null);
    o.signal?.addEventListener("abort", onAbort);
    try {
      for (;;) {
        while (queue.length) {
          const ev = queue.shift()!;
          if (ev === null) return;
          yield ev;
        }
        await new Promise<void>((r) => (wake = r));
      }
    } finally {
      this.#live.delete(listener);
      o.signal?.removeEventListener("abort", onAbort);
    }
  }
}

function record(inf: SharedInformer<KubeObject>) {
  const seen: string[] = [];
  inf.addEventHandler({
    add: (o, initial) => seen.push(`add ${o.metadata.name}${initial ? " (initial)" : ""}`),
    update: (a, b) =>
      seen.push(
        `update ${b.metadata.name} ${a.metadata.resourceVersion}->${b.metadata.resourceVersion}`,
      ),
    delete: (o, unknown) => seen.push(`delete ${o.metadata.name}${unknown ? " (relist)" : ""}`),
  });
  return seen;
}

async function until(cond: () => boolean) {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 1));
  assert.ok(cond(), "condition never held");
}

Deno.test("SharedInformer delivers the list, then each watched change once, in order", async () => {
  const api = new FakeResource();
  api.write("ADDED", "a");
  const inf = new SharedInformer({ name: "t", listerWatcher: api, clock: new FakeClock() });
  const seen = record(inf);
  const ac = new AbortController();
  inf.run(ac.signal);
  assert.equal(await inf.waitForSync(ac.signal), true);
  api.write("ADDED", "b");
  api.write("MODIFIED", "a");
  api.write("DELETED", "b");
  await until(() => seen.length === 4);
  assert.deepEqual(seen, ["add a (initial)", "add b", "update a 11->13", "delete b"]);
  assert.deepEqual([...inf.store.keys()], ["ns/a"]);
  ac.abort();
});

Deno.test("SharedInformer with stripManagedFields caches and hands out objects without them", async () => {
  const api = new FakeResource();
  const fields = { managedFields: [{ manager: "kubectl", operation: "Update" }] };
  const withFields = (name: string, type: "ADDED" | "MODIFIED") => {
    api.write(type, name);
    Object.assign(api.items.get(name)!.metadata, fields, { labels: { app: "x" } });
  };
  withFields("a", "ADDED");
  const inf = new SharedInformer({
    name: "t",
    listerWatcher: api,
    clock: new FakeClock(),
    transform: stripManagedFields,
  });
  const handed: KubeObject[] = [];
  inf.addEventHandler({ add: (o) => handed.push(o), update: (_old, o) => handed.push(o) });
  const ac = new AbortController();
  inf.run(ac.signal);
  assert.equal(await inf.waitForSync(ac.signal), true);
  withFields("b", "ADDED");
  await until(() => handed.length === 2);
  for (const o of [...handed, ...inf.store.values()]) {
    assert.equal("managedFields" in o.metadata, false);
    assert.equal(o.metadata.namespace, "ns");
  }
  assert.deepEqual(inf.store.get("ns/a")!.metadata.labels, { app: "x" });
  ac.abort();
});

Deno.test("SharedInformer re-watches from the last version when a watch ends", async () => {
  const api = new FakeResource();
  const inf = new SharedInformer({ name: "t", listerWatcher: api, clock: new FakeClock() });
  const seen = record(inf);
  const ac = new AbortController();
  inf.run(ac.signal);
  await inf.waitForSync();
  api.write("ADDED", "a");
  await until(() => seen.length === 1);
  api.endWatches();
  await until(() => api.watches.length === 2);
  api.write("ADDED", "b");
  await until(() => seen.length === 2);
  assert.equal(api.lists, 1, "no relist");
  assert.equal(api.watches[1].resourceVersion, "11");
  assert.deepEqual(seen, ["add a", "add b"]);
  ac.abort();
});

Deno.test("SharedInformer relists after 410 Gone and reports only real differences", async () => {
  const api = new FakeResource();
  api.write("ADDED", "keep");
  api.write("ADDED", "gone");
  const inf = new SharedInformer({ name: "t", listerWatcher: api, clock: new FakeClock() });
  const seen = record(inf);
  const ac = new AbortController();
  inf.run(ac.signal);
  await inf.waitForSync();
  await until(() => api.watches.length === 1);
  // Changes the informer misses, then a history that no longer reaches back to it.
  api.endWatches();
  api.write("DELETED", "gone");
  api.write("ADDED", "new");
  api.write("MODIFIED", "keep", { data: 2 });
  api.oldest = api.rv;
  await until(() => api.lists === 2 && seen.length === 5);
  assert.deepEqual(seen, [
    "add keep (initial)",
    "add gone (initial)",
    "update keep 11->15",
    "add new",
    "delete gone (relist)",
  ]);
  assert.equal(inf.listCount, 2);
  ac.abort();
});

Deno.test("SharedInformer with useWatchList syncs from initial events and the end bookmark", async () => {
  const api = new FakeResource();
  api.write("ADDED", "a");
  const initial: ListerWatcher<KubeObject> = {
    list: () => Promise.reject(new Error("no list in watch-list mode")),
    async *watch(o) {
      if (o.sendInitialEvents) {
        // One stream, as the server's: changes after the bookmark's revision follow it.
        const rv = String(api.rv);
        for (const obj of api.items.values()) yield { type: "ADDED", object: obj };
        yield {
          type: "BOOKMARK",
          object: {
            metadata: { resourceVersion: rv, annotations: { "k8s.io/initial-events-end": "true" } },
          },
        };
        yield* api.watch({ ...o, resourceVersion: rv });
      } else yield* api.watch(o);
    },
  };
  const inf = new SharedInformer({ name: "t", listerWatcher: initial, useWatchList: true });
  const seen = record(inf);
  const ac = new AbortController();
  inf.run(ac.signal);
  await inf.waitForSync();
  api.write("ADDED", "b");
  await until(() => seen.length === 2);
  assert.deepEqual(seen, ["add a (initial)", "add b"]);
  ac.abort();
});

Deno.test("SharedInformer replays the cache to a handler added after sync", async () => {
  const api = new FakeResource();
  api.write("ADDED", "a");
  const inf = new SharedInformer({ name: "t", listerWatcher: api });
  const ac = new AbortController();
  inf.run(ac.signal);
  await inf.waitForSync();
  assert.deepEqual(record(inf), ["add a (initial)"]);
  ac.abort();
});

Deno.test("Cache indexes follow updates and removals", () => {
  const inf = new SharedInformer({
    name: "t",
    listerWatcher: new FakeResource(),
    indexers: { [BY_NAMESPACE]: namespaceIndex, [BY_NODE_NAME]: nodeNameIndex },
  });
  const pod = (name: string, node: string, rv: string): KubeObject => ({
    metadata: { name, namespace: "ns", resourceVersion: rv },
    spec: { nodeName: node },
  });
  inf.add(pod("p", "", "1"));
  inf.add(pod("q", "n1", "2"));
  assert.deepEqual(inf.store.byIndex(BY_NODE_NAME, "").map((p) => p.metadata.name), ["p"]);
  inf.update(pod("p", "n1", "3"));
  assert.deepEqual(inf.store.byIndex(BY_NODE_NAME, "n1").map((p) => p.metadata.name), ["q", "p"]);
  assert.deepEqual(inf.store.byIndex(BY_NODE_NAME, ""), []);
  inf.delete(pod("q", "n1", "4"));
  assert.deepEqual(inf.store.byIndex(BY_NAMESPACE, "ns").map((p) => p.metadata.name), ["p"]);
});

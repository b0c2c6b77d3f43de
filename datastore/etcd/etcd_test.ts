import assert from "node:assert/strict";
import { CompactedError, DatastoreUnavailableError } from "../backend.ts";
import { conformance } from "../conformance.ts";
import { bytes, eventually, take, text } from "../conformance_helpers.ts";
import { freePort, startEtcd } from "./etcd_server.ts";
import { EtcdBackend, type EtcdBackendOptions } from "./mod.ts";

// The etcd client (grpc-js) keeps sockets and timers of its own past close(); each test stops
// the etcd it started by PID.
const leaky = { sanitizeOps: false, sanitizeResources: false };

async function opened(options: EtcdBackendOptions): Promise<EtcdBackend> {
  const backend = new EtcdBackend({ compactIntervalMs: 0, ...options });
  await backend.start();
  return backend;
}

Deno.test({
  name: "EtcdBackend passes the datastore conformance suite",
  ...leaky,
  async fn(t) {
    const etcd = await startEtcd();
    try {
      await conformance(t, () => opened({ endpoint: etcd.endpoint }));
    } finally {
      await etcd.stop();
    }
  },
});

Deno.test({
  name: "EtcdBackend.start() fails with an error naming an unreachable endpoint",
  ...leaky,
  async fn() {
    const endpoint = `http://127.0.0.1:${await freePort()}`;
    const backend = new EtcdBackend({ endpoint, startTimeoutMs: 800 });
    const retries: number[] = [];
    const error = await backend.start().then(() => null, (error) => error);
    assert.ok(error instanceof DatastoreUnavailableError, `got ${error}`);
    assert.match(error.message, new RegExp(`Cannot reach etcd at ${endpoint}`));
    await backend.close();
    const aborted = new AbortController();
    const second = new EtcdBackend({
      endpoint,
      signal: aborted.signal,
      onRetry: (_, attempt) => {
        retries.push(attempt);
        aborted.abort();
      },
    });
    await assert.rejects(second.start(), /aborted after 1 attempts/);
    assert.deepEqual(retries, [1]);
  },
});

Deno.test({
  name: "EtcdBackend.start() succeeds once etcd comes up within the retry window",
  ...leaky,
  async fn() {
    const clientPort = await freePort();
    let failedOnce!: () => void;
    const failed = new Promise<void>((resolve) => failedOnce = resolve);
    const backend = new EtcdBackend({
      endpoint: `http://127.0.0.1:${clientPort}`,
      startTimeoutMs: 30_000,
      compactIntervalMs: 0,
      onRetry: () => failedOnce(),
    });
    const starting = backend.start();
    await failed;
    const etcd = await startEtcd({ clientPort });
    try {
      await starting;
      const revision = await backend.create("/late", bytes("fine"));
      assert.equal(text((await backend.get("/late")).kv?.value), "fine");
      assert.ok(revision > 1);
    } finally {
      await backend.close();
      await etcd.stop();
    }
  },
});

Deno.test({
  name: "EtcdBackend resumes a watch after etcd restarts, without losing or repeating events",
  ...leaky,
  async fn() {
    const first = await startEtcd();
    let etcd = first;
    const backend = await opened({ endpoint: first.endpoint, onError: () => {} });
    const controller = new AbortController();
    try {
      const start = await backend.currentRevision();
      const watch = backend.watch("/r/", { afterRevision: start, signal: controller.signal });
      const a = await backend.create("/r/a", bytes("1"));
      assert.deepEqual((await take(watch, 1)).map((e) => e.kv.modRevision), [a]);
      await first.kill();
      etcd = await startEtcd({ clientPort: first.clientPort, dataDir: first.dataDir });
      const acknowledged: number[] = [];
      while (acknowledged.length < 50) {
        // A write can fail while the client reconnects; only acknowledged ones are expected.
        const written = await backend.create(`/r/b${acknowledged.length}`, bytes("2")).catch(
          () => null,
        );
        if (written) acknowledged.push(written);
      }
      const seen: number[] = [];
      while (seen.at(-1) !== acknowledged.at(-1)) {
        seen.push(...(await take(watch, 1, 30_000)).map((event) => event.kv.modRevision));
      }
      assert.deepEqual(seen, seen.toSorted((x, y) => x - y), "in order");
      assert.equal(new Set(seen).size, seen.length, "each event once");
      assert.deepEqual(acknowledged.filter((revision) => !seen.includes(revision)), []);
    } finally {
      controller.abort();
      await backend.close();
      await etcd.kill();
      await first.stop();
    }
  },
});

Deno.test({
  name: "EtcdBackend compacts automatically, keeping a window of revisions",
  ...leaky,
  async fn() {
    const etcd = await startEtcd();
    const backend = await opened({
      endpoint: etcd.endpoint,
      compactIntervalMs: 50,
      compactKeep: 5,
    });
    try {
      let revision = await backend.create("/a", bytes("0"));
      for (let i = 1; i <= 20; i++) {
        revision = (await backend.update("/a", bytes(`${i}`), revision)).revision;
      }
      await eventually("etcd is compacted", async () => {
        return (await backend.compactRevision()) >= revision - 5;
      });
      await assert.rejects(backend.get("/a", revision - 10), CompactedError);
      assert.equal(text((await backend.get("/a", revision - 2)).kv?.value), "18");
    } finally {
      await backend.close();
      await etcd.stop();
    }
  },
});

Deno.test({
  name: "EtcdBackend moves on to the next member when the first cannot be reached",
  ...leaky,
  async fn() {
    const etcd = await startEtcd();
    const unreachable = await freePort();
    const retries: string[] = [];
    const backend = await opened({
      endpoint: `http://127.0.0.1:${unreachable},127.0.0.1:${etcd.clientPort}`,
      startTimeoutMs: 10_000,
      onRetry: (error) => retries.push(error.message),
    });
    try {
      assert.deepEqual(retries, [], "the read that connects moved on at once");
      const controller = new AbortController();
      const start = await backend.currentRevision();
      const watch = backend.watch("/members/", { afterRevision: start, signal: controller.signal });
      const revision = await backend.create("/members/a", bytes("second"));
      assert.equal(text((await backend.get("/members/a")).kv?.value), "second");
      assert.deepEqual((await take(watch, 1)).map((event) => event.kv.modRevision), [revision]);
      controller.abort();
    } finally {
      await backend.close();
      await etcd.stop();
    }
  },
});

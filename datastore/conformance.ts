/**
 * The datastore conformance suite: every {@link Backend} runs these cases, as test steps, through
 * a factory of started backends. Cases use unique key prefixes and relative revisions, so a
 * factory may hand out clients of one shared store (one etcd for the whole run).
 *
 * @module
 */
import assert from "node:assert/strict";
import { CompactedError, FutureRevisionError, KeyExistsError } from "./backend.ts";
import {
  type BackendFactory,
  bytes,
  describe,
  eventually,
  firstOutcome,
  take,
  text,
  withBackend,
} from "./conformance_helpers.ts";
import { watchCases } from "./conformance_watch.ts";

export type { BackendFactory } from "./conformance_helpers.ts";

/** Registers the suite's cases as steps of `t`. */
export async function conformance(t: Deno.TestContext, open: BackendFactory): Promise<void> {
  for (const [name, body] of Object.entries({ ...cases, ...watchCases })) {
    await t.step(name, () => withBackend(open, body));
  }
}

type Case = Parameters<typeof withBackend>[1];

const cases: Record<string, Case> = {
  "create() stores a value that get() returns with its revisions": async (backend, p) => {
    const before = await backend.currentRevision();
    const revision = await backend.create(`${p}a`, bytes("one"));
    assert.ok(revision > before);
    assert.equal(await backend.currentRevision(), revision);
    const { revision: read, kv } = await backend.get(`${p}a`);
    assert.equal(read, revision);
    assert.deepEqual({ ...kv, value: text(kv?.value) }, {
      key: `${p}a`,
      value: "one",
      createRevision: revision,
      modRevision: revision,
      lease: 0,
    });
    assert.equal((await backend.get(`${p}missing`)).kv, null);
  },

  "create() rejects an existing key with KeyExistsError, and works again after a delete": async (
    backend,
    p,
  ) => {
    const first = await backend.create(`${p}a`, bytes("one"));
    await assert.rejects(backend.create(`${p}a`, bytes("two")), KeyExistsError);
    assert.equal(text((await backend.get(`${p}a`)).kv?.value), "one");
    assert.ok((await backend.delete(`${p}a`, first)).ok);
    const again = await backend.create(`${p}a`, bytes("three"));
    const { kv } = await backend.get(`${p}a`);
    assert.equal(text(kv?.value), "three");
    assert.equal(kv?.createRevision, again);
  },

  "update() succeeds only at the key's current revision": async (backend, p) => {
    const created = await backend.create(`${p}a`, bytes("one"));
    const stale = await backend.update(`${p}a`, bytes("x"), created - 1);
    assert.equal(stale.ok, false);
    assert.equal(text(stale.kv?.value), "one");
    assert.equal(stale.kv?.modRevision, created);
    const updated = await backend.update(`${p}a`, bytes("two"), created);
    assert.equal(updated.ok, true);
    assert.ok(updated.revision > created);
    assert.equal(updated.kv?.modRevision, updated.revision);
    assert.equal(updated.kv?.createRevision, created);
    assert.equal(text(updated.kv?.value), "two");
    const lost = await backend.update(`${p}a`, bytes("three"), created);
    assert.equal(lost.ok, false);
    assert.equal(text(lost.kv?.value), "two");
    const missing = await backend.update(`${p}missing`, bytes("x"), created);
    assert.deepEqual([missing.ok, missing.kv], [false, null]);
    assert.equal(text((await backend.get(`${p}a`)).kv?.value), "two");
  },

  "delete() succeeds only at the key's current revision, or always with revision 0": async (
    backend,
    p,
  ) => {
    const created = await backend.create(`${p}a`, bytes("one"));
    const updated = await backend.update(`${p}a`, bytes("two"), created);
    const stale = await backend.delete(`${p}a`, created);
    assert.equal(stale.ok, false);
    assert.equal(stale.kv?.modRevision, updated.revision);
    const deleted = await backend.delete(`${p}a`, updated.revision);
    assert.equal(deleted.ok, true);
    assert.ok(deleted.revision > updated.revision);
    assert.equal(text(deleted.kv?.value), "two");
    assert.equal((await backend.get(`${p}a`)).kv, null);
    const again = await backend.delete(`${p}a`, 0);
    assert.deepEqual([again.ok, again.kv], [false, null]);
    await backend.create(`${p}b`, bytes("b"));
    assert.equal((await backend.delete(`${p}b`, 0)).ok, true);
    assert.equal((await backend.get(`${p}b`)).kv, null);
  },

  "values are stored byte for byte: binary, empty and large": async (backend, p) => {
    const binary = new Uint8Array(256).map((_, i) => i);
    const large = new Uint8Array(512 * 1024).map((_, i) => (i * 31) % 251);
    const values: Array<[string, Uint8Array]> = [
      ["binary", binary],
      ["empty", new Uint8Array(0)],
      ["large", large],
    ];
    for (const [name, value] of values) {
      const revision = await backend.create(`${p}${name}`, value);
      const { kv } = await backend.get(`${p}${name}`);
      assert.deepEqual(kv?.value, value, name);
      const updated = await backend.update(`${p}${name}`, value, revision);
      assert.deepEqual(updated.kv?.value, value, name);
    }
    const listed = await backend.list(p);
    assert.deepEqual(listed.kvs.map((kv) => kv.value.length), [256, 0, large.length]);
  },

  "update() with a TTL gives the key that TTL, and without one makes it permanent": async (
    backend,
    p,
  ) => {
    const created = await backend.create(`${p}a`, bytes("1"));
    const withTtl = await backend.update(`${p}a`, bytes("2"), created, 60);
    assert.equal(withTtl.kv?.lease, 60);
    assert.equal((await backend.get(`${p}a`)).kv?.lease, 60);
    const without = await backend.update(`${p}a`, bytes("3"), withTtl.revision);
    assert.equal(without.kv?.lease, 0);
    assert.equal((await backend.get(`${p}a`)).kv?.lease, 0);
  },

  "get() reads a key as of an older revision and rejects a future one": async (backend, p) => {
    const created = await backend.create(`${p}a`, bytes("one"));
    const updated = await backend.update(`${p}a`, bytes("two"), created);
    const deleted = await backend.delete(`${p}a`, updated.revision);
    assert.equal((await backend.get(`${p}a`, created - 1)).kv, null);
    assert.equal(text((await backend.get(`${p}a`, created)).kv?.value), "one");
    const old = (await backend.get(`${p}a`, updated.revision)).kv;
    assert.deepEqual([text(old?.value), old?.modRevision], ["two", updated.revision]);
    assert.equal((await backend.get(`${p}a`, deleted.revision)).kv, null);
    await assert.rejects(backend.get(`${p}a`, deleted.revision + 100), FutureRevisionError);
  },

  "list() returns the live keys under a prefix in key order, paged by limit and startKey": async (
    backend,
    p,
  ) => {
    for (const key of ["x/2", "x/1", "x0", "y/1", "x/3", "x/4", "x", "w/1"]) {
      await backend.create(`${p}${key}`, bytes(key));
    }
    await backend.delete(`${p}x/4`, 0);
    const all = await backend.list(`${p}x/`);
    assert.deepEqual(all.kvs.map((kv) => kv.key), [`${p}x/1`, `${p}x/2`, `${p}x/3`]);
    assert.deepEqual(all.kvs.map((kv) => text(kv.value)), ["x/1", "x/2", "x/3"]);
    assert.equal(all.more, false);
    assert.equal(all.revision, await backend.currentRevision());
    const page1 = await backend.list(`${p}x/`, { limit: 2 });
    assert.deepEqual([page1.kvs.map((kv) => kv.key), page1.more], [[`${p}x/1`, `${p}x/2`], true]);
    const page2 = await backend.list(`${p}x/`, { limit: 2, startKey: `${p}x/2\0` });
    assert.deepEqual([page2.kvs.map((kv) => kv.key), page2.more], [[`${p}x/3`], false]);
    const exact = await backend.list(`${p}x/`, { limit: 3 });
    assert.deepEqual([exact.kvs.length, exact.more], [3, false]);
    assert.equal((await backend.list(`${p}nothing/`)).kvs.length, 0);
  },

  "list() at an older revision returns the keys as they were then": async (backend, p) => {
    const a = await backend.create(`${p}a`, bytes("a1"));
    await backend.create(`${p}b`, bytes("b1"));
    const then = await backend.currentRevision();
    await backend.update(`${p}a`, bytes("a2"), a);
    await backend.delete(`${p}b`, 0);
    await backend.create(`${p}c`, bytes("c1"));
    const old = await backend.list(p, { revision: then });
    assert.equal(old.revision, then);
    assert.deepEqual(old.kvs.map((kv) => `${kv.key.slice(p.length)}=${text(kv.value)}`), [
      "a=a1",
      "b=b1",
    ]);
    const now = await backend.list(p);
    assert.deepEqual(now.kvs.map((kv) => `${kv.key.slice(p.length)}=${text(kv.value)}`), [
      "a=a2",
      "c=c1",
    ]);
    const paged = await backend.list(p, { revision: then, limit: 1, startKey: `${p}b` });
    assert.deepEqual(paged.kvs.map((kv) => text(kv.value)), ["b1"]);
  },

  "count() counts the live keys under a prefix": async (backend, p) => {
    for (const key of ["x/1", "x/2", "x/3", "x0", "y/1"]) {
      await backend.create(`${p}${key}`, bytes(key));
    }
    await backend.delete(`${p}x/2`, 0);
    const { count, revision } = await backend.count(`${p}x/`);
    assert.equal(count, 2);
    assert.equal(revision, await backend.currentRevision());
    assert.equal((await backend.count(p)).count, 4);
  },

  "two writers racing to update one key from the same revision: exactly one succeeds": async (
    backend,
    p,
  ) => {
    const created = await backend.create(`${p}a`, bytes("0"));
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => backend.update(`${p}a`, bytes(`w${i}`), created)),
    );
    const winners = results.filter((result) => result.ok);
    assert.equal(winners.length, 1);
    const { kv } = await backend.get(`${p}a`);
    assert.equal(text(kv?.value), text(winners[0].kv?.value));
    for (const loser of results.filter((result) => !result.ok)) {
      assert.equal(loser.kv?.modRevision, winners[0].revision);
    }
  },

  "two writers racing to create one key: exactly one succeeds": async (backend, p) => {
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) => backend.create(`${p}a`, bytes(`w${i}`))),
    );
    assert.equal(results.filter((result) => result.status === "fulfilled").length, 1);
    for (const result of results) {
      if (result.status === "rejected") assert.ok(result.reason instanceof KeyExistsError);
    }
  },

  "compact() makes reads and watches below the compacted revision fail with CompactedError": async (
    backend,
    p,
  ) => {
    const r1 = await backend.create(`${p}a`, bytes("1"));
    const r2 = (await backend.update(`${p}a`, bytes("2"), r1)).revision;
    const r3 = (await backend.update(`${p}a`, bytes("3"), r2)).revision;
    const r4 = (await backend.update(`${p}a`, bytes("4"), r3)).revision;
    assert.equal(await backend.compact(r3), r3);
    assert.equal(await backend.compactRevision(), r3);
    await assert.rejects(backend.get(`${p}a`, r2), CompactedError);
    await assert.rejects(backend.list(p, { revision: r2 }), CompactedError);
    assert.equal(text((await backend.get(`${p}a`, r3)).kv?.value), "3");
    assert.equal(text((await backend.list(p, { revision: r4 })).kvs[0]?.value), "4");
    const controller = new AbortController();
    try {
      const below = await firstOutcome(backend.watch(p, { afterRevision: r1 }));
      assert.ok(below.error instanceof CompactedError, `got ${JSON.stringify(below)}`);
      const watch = backend.watch(p, { afterRevision: r2, signal: controller.signal });
      const events = await take(watch, 2);
      assert.deepEqual(events.map((e) => describe(e, p).revision), [r3, r4]);
    } finally {
      controller.abort();
    }
    assert.equal(await backend.compact(r2), r3);
    await assert.rejects(backend.compact(r4 + 100), FutureRevisionError);
  },

  "a key written with a TTL expires with a delete event": async (backend, p) => {
    const start = await backend.currentRevision();
    await backend.create(`${p}forever`, bytes("stays"));
    const created = await backend.create(`${p}short`, bytes("goes"), 1);
    assert.equal((await backend.get(`${p}short`)).kv?.lease, 1);
    const controller = new AbortController();
    try {
      const watch = backend.watch(p, { afterRevision: start, signal: controller.signal });
      await eventually("the key with a TTL is gone", async () => {
        return (await backend.get(`${p}short`)).kv === null;
      });
      const events = (await take(watch, 3)).map((event) => describe(event, p));
      assert.deepEqual(events[2], {
        type: "delete",
        key: "short",
        revision: events[2].revision,
        value: "goes",
        prev: "goes",
      });
      assert.ok(events[2].revision > created);
    } finally {
      controller.abort();
    }
    assert.equal(text((await backend.get(`${p}forever`)).kv?.value), "stays");
  },
};

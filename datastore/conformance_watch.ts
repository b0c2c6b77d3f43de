/**
 * The watch cases of the datastore conformance suite.
 *
 * @module
 */
import assert from "node:assert/strict";
import type { Backend } from "./backend.ts";
import { bytes, describe, firstOutcome, take, text, withBackend } from "./conformance_helpers.ts";

type Case = Parameters<typeof withBackend>[1];

export const watchCases: Record<string, Case> = {
  "watch() delivers creates, updates and deletes in revision order with prevKv": async (
    backend,
    p,
  ) => {
    const controller = new AbortController();
    try {
      const start = await backend.currentRevision();
      const watch = backend.watch(p, { afterRevision: start, signal: controller.signal });
      const created = await backend.create(`${p}a`, bytes("one"));
      const updated = await backend.update(`${p}a`, bytes("two"), created);
      const deleted = await backend.delete(`${p}a`, updated.revision);
      const events = await take(watch, 3);
      assert.deepEqual(events.map((event) => describe(event, p)), [
        { type: "create", key: "a", revision: created, value: "one", prev: undefined },
        { type: "update", key: "a", revision: updated.revision, value: "two", prev: "one" },
        { type: "delete", key: "a", revision: deleted.revision, value: "two", prev: "two" },
      ]);
      assert.equal(events[1].prevKv?.modRevision, created);
      assert.equal(events[1].kv.createRevision, created);
      assert.equal(events[2].prevKv?.modRevision, updated.revision);
    } finally {
      controller.abort();
    }
  },

  "watch() from an older revision replays history, then continues live without gap or duplicate":
    async (backend, p) => {
      const controller = new AbortController();
      try {
        const r1 = await backend.create(`${p}a`, bytes("1"));
        const r2 = (await backend.update(`${p}a`, bytes("2"), r1)).revision;
        const r3 = await backend.create(`${p}b`, bytes("b"));
        const watch = backend.watch(p, { afterRevision: r1, signal: controller.signal });
        const r4 = (await backend.update(`${p}a`, bytes("3"), r2)).revision;
        const events = await take(watch, 3);
        assert.deepEqual(events.map((event) => event.kv.modRevision), [r2, r3, r4]);
        const r5 = (await backend.delete(`${p}b`, r3)).revision;
        assert.deepEqual((await take(watch, 1)).map((event) => event.kv.modRevision), [r5]);
      } finally {
        controller.abort();
      }
    },

  "watch() delivers only the keys under its prefix": async (backend, p) => {
    const controller = new AbortController();
    try {
      const start = await backend.currentRevision();
      const watch = backend.watch(`${p}x/`, { afterRevision: start, signal: controller.signal });
      await backend.create(`${p}x0`, bytes("no"));
      await backend.create(`${p}y/1`, bytes("no"));
      const wanted = await backend.create(`${p}x/1`, bytes("yes"));
      const events = await take(watch, 1);
      assert.deepEqual(events.map((event) => [event.kv.key, event.kv.modRevision]), [
        [`${p}x/1`, wanted],
      ]);
    } finally {
      controller.abort();
    }
  },

  "a watcher from revision R sees every later change exactly once, in order, under concurrent writes":
    async (backend, p) => {
      const controller = new AbortController();
      try {
        const acknowledged: Array<{ revision: number; key: string; value: string }> = [];
        const writers = Array.from(
          { length: 8 },
          (_, w) => write(backend, `${p}w${w}`, acknowledged),
        );
        while (acknowledged.length < 40) await new Promise((resolve) => setTimeout(resolve, 1));
        const from = await backend.currentRevision();
        const watch = backend.watch(p, { afterRevision: from, signal: controller.signal });
        await Promise.all(writers);
        const expected = acknowledged.filter((ack) => ack.revision > from)
          .sort((a, b) => a.revision - b.revision);
        const events = await take(watch, expected.length);
        assert.deepEqual(
          events.map((event) => ({
            revision: event.kv.modRevision,
            key: event.kv.key,
            value: event.type === "delete" ? "<deleted>" : text(event.kv.value)!,
          })),
          expected,
        );
        const extra = await take(watch, 1, 300).catch(() => []);
        assert.deepEqual(extra, [], "no event is delivered twice");
      } finally {
        controller.abort();
      }
    },

  "watch() ends when its signal aborts": async (backend, p) => {
    const controller = new AbortController();
    const watch = backend.watch(p, { signal: controller.signal });
    const outcome = firstOutcome(watch);
    controller.abort();
    assert.deepEqual(await outcome, { done: true });
  },

  "close() ends the watches that are open": async (backend, p) => {
    const watch = backend.watch(p, { afterRevision: await backend.currentRevision() });
    const outcome = firstOutcome(watch);
    await backend.close();
    const result = await outcome;
    assert.ok(result.done || result.error, `got ${JSON.stringify(result)}`);
  },
};

/** One writer: creates its key, updates it, deletes and recreates it, recording every ack. */
async function write(
  backend: Backend,
  key: string,
  acknowledged: Array<{ revision: number; key: string; value: string }>,
): Promise<void> {
  let revision = await backend.create(key, bytes("0"));
  acknowledged.push({ revision, key, value: "0" });
  for (let i = 1; i <= 30; i++) {
    if (i % 10 === 0) {
      const deleted = await backend.delete(key, revision);
      acknowledged.push({ revision: deleted.revision, key, value: "<deleted>" });
      revision = await backend.create(key, bytes(`${i}`));
    } else {
      const result = await backend.update(key, bytes(`${i}`), revision);
      assert.ok(result.ok, `update ${key} ${i}`);
      revision = result.revision;
    }
    acknowledged.push({ revision, key, value: `${i}` });
  }
}

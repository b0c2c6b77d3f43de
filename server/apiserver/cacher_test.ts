import assert from "node:assert/strict";
import type { Backend } from "../../datastore/backend.ts";
import { SqliteBackend } from "../../datastore/sqlite/mod.ts";
import type { KubeObject } from "../../kube/meta.ts";
import { Cacher, type CacherOptions, type Codec, jsonCodec } from "./cacher.ts";
import { type EventType, TooOldError, type WatchCache } from "./watch_cache.ts";

const CMS = "/registry/core/configmaps/";
const SECRETS = "/registry/core/secrets/";
const encoder = new TextEncoder();

const value = (name: string, data: Record<string, string> = {}) =>
  encoder.encode(JSON.stringify({ metadata: { name, namespace: "ns" }, data }));

/** A SQLite store in a temporary folder with a started cacher over it. */
async function withCacher(
  body: (backend: Backend, cacher: Cacher) => Promise<void>,
  options: { codec?: Codec } & CacherOptions = {},
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "cacher-test-" });
  const backend = new SqliteBackend({ path: `${dir}/state.db` });
  await backend.start();
  const cacher = new Cacher(backend, options.codec ?? jsonCodec, options);
  await cacher.start();
  try {
    await body(backend, cacher);
  } finally {
    await cacher.close();
    await backend.close();
    await Deno.remove(dir, { recursive: true });
  }
}

/** Everything a watch from `fromRv` replays, as `TYPE name rv`. */
function replay(cache: WatchCache, fromRv: number): string[] {
  const seen: string[] = [];
  const stop = cache.watch({
    fromRv,
    filter: () => true,
    sink: (type: EventType | "BOOKMARK", item, rv) => {
      if (item) seen.push(`${type} ${(item.obj as KubeObject).metadata.name} ${rv}`);
      return true;
    },
  });
  stop();
  return seen;
}

/** Writes one configmap's life and, in the same transactions, secrets. Returns the revisions. */
async function interleavedWrites(backend: Backend) {
  const [created] = await Promise.all([
    backend.create(`${CMS}ns/a`, value("a")),
    backend.create(`${SECRETS}ns/s1`, value("s1")),
  ]);
  const [first] = await Promise.all([
    backend.update(`${CMS}ns/a`, value("a", { n: "1" }), created),
    backend.create(`${SECRETS}ns/s2`, value("s2")),
    backend.create(`${SECRETS}ns/s3`, value("s3")),
  ]);
  const [, second] = await Promise.all([
    backend.create(`${SECRETS}ns/s4`, value("s4")),
    backend.update(`${CMS}ns/a`, value("a", { n: "2" }), first.revision),
  ]);
  const deleted = await backend.delete(`${CMS}ns/a`, second.revision);
  return { created, first: first.revision, second: second.revision, deleted: deleted.revision };
}

Deno.test("a cache filled after its resource changed replays those changes from any revision since the cacher started", async () => {
  await withCacher(async (backend, cacher) => {
    const start = cacher.revision;
    const rv = await interleavedWrites(backend);
    await cacher.sync();
    const cache = await cacher.cache(CMS);
    assert.deepEqual(replay(cache, rv.first), [
      `MODIFIED a ${rv.second}`,
      `DELETED a ${rv.deleted}`,
    ]);
    // A revision of another resource, between the configmap's own.
    assert.deepEqual(replay(cache, rv.first + 1), [
      `MODIFIED a ${rv.second}`,
      `DELETED a ${rv.deleted}`,
    ]);
    assert.deepEqual(replay(cache, start), [
      `ADDED a ${rv.created}`,
      `MODIFIED a ${rv.first}`,
      `MODIFIED a ${rv.second}`,
      `DELETED a ${rv.deleted}`,
    ]);
    assert.deepEqual(replay(cache, rv.deleted), []);
    assert.equal(cache.oldestRevision, start);
  });
});

Deno.test("a cache filled while a transaction's events are being dispatched misses none of them", async () => {
  let gate: Promise<void> | null = null;
  let reached = () => {};
  // Decoding a configmap waits at the gate: the cacher is then in the middle of a batch.
  const codec: Codec = {
    encode: jsonCodec.encode,
    async decode(bytes, key) {
      if (gate && key.startsWith(CMS)) {
        reached();
        await gate;
      }
      return await jsonCodec.decode(bytes, key);
    },
  };
  await withCacher(async (backend, cacher) => {
    await cacher.cache(CMS);
    let open = () => {};
    gate = new Promise((resolve) => open = resolve);
    const atGate = new Promise<void>((resolve) => reached = resolve);
    // One transaction: the secret's event is dispatched, the configmap's waits at the gate.
    const [secretRv] = await Promise.all([
      backend.create(`${SECRETS}ns/s`, value("s")),
      backend.create(`${CMS}ns/c`, value("c")),
    ]);
    await atGate;
    const filling = cacher.cache(SECRETS);
    gate = null;
    open();
    const secrets = await filling;
    await cacher.sync();
    assert.deepEqual(secrets.list(SECRETS).map((o) => o.key), [`${SECRETS}ns/s`]);
    assert.deepEqual(replay(secrets, secretRv - 1), [`ADDED s ${secretRv}`]);
  }, { codec });
});

Deno.test("a watch from a revision the window no longer holds is refused, one at its start is not", async () => {
  await withCacher(async (backend, cacher) => {
    const cache = await cacher.cache(CMS);
    const revisions: number[] = [];
    for (const name of ["a", "b", "c", "d"]) {
      revisions.push(await backend.create(`${CMS}ns/${name}`, value(name)));
    }
    await cacher.sync();
    assert.equal(cache.oldestRevision, revisions[1]);
    assert.throws(() => replay(cache, revisions[0]), TooOldError);
    assert.deepEqual(replay(cache, revisions[1]), [
      `ADDED c ${revisions[2]}`,
      `ADDED d ${revisions[3]}`,
    ]);
    // A cache filled now has the same window.
    await backend.create(`${SECRETS}ns/s`, value("s"));
    await cacher.sync();
    const secrets = await cacher.cache(SECRETS);
    assert.equal(secrets.oldestRevision, revisions[2]);
  }, { window: { maxEvents: 2, maxAgeMs: 60_000 } });
});

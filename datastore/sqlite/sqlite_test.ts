import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { CompactedError } from "../backend.ts";
import { conformance } from "../conformance.ts";
import { bytes, eventually, text } from "../conformance_helpers.ts";
import { SqliteBackend, type SqliteBackendOptions } from "./mod.ts";

/** Runs `body` with a temporary data dir holding `server/db/state.db`, removed afterwards. */
async function withDataDir(body: (dbPath: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "datastore-sqlite-" });
  try {
    await body(`${dir}/server/db/state.db`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function opened(options: SqliteBackendOptions): Promise<SqliteBackend> {
  const backend = new SqliteBackend(options);
  await backend.start();
  return backend;
}

Deno.test("SqliteBackend passes the datastore conformance suite", async (t) => {
  const dirs: string[] = [];
  try {
    await conformance(t, async () => {
      const dir = await Deno.makeTempDir({ prefix: "datastore-sqlite-" });
      dirs.push(dir);
      return await opened({ path: `${dir}/server/db/state.db` });
    });
  } finally {
    for (const dir of dirs) await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("SqliteBackend keeps keys, revisions and compaction across a restart", async () => {
  await withDataDir(async (path) => {
    const first = await opened({ path });
    const a = await first.create("/a", bytes("1"));
    await first.update("/a", bytes("2"), a);
    await first.create("/b", bytes("b"));
    const deleted = await first.delete("/b", 0);
    // Compacting to the newest revision (a delete) must keep that row: it carries the counter.
    await first.compact(deleted.revision);
    await first.close();
    const second = await opened({ path });
    try {
      assert.equal(await second.currentRevision(), deleted.revision);
      assert.equal(await second.compactRevision(), deleted.revision);
      assert.equal(text((await second.get("/a")).kv?.value), "2");
      assert.equal((await second.get("/b")).kv, null);
      assert.equal(await second.create("/c", bytes("c")), deleted.revision + 1);
    } finally {
      await second.close();
    }
  });
});

Deno.test("SqliteBackend commits writes arriving in the same tick in one transaction", async () => {
  await withDataDir(async (path) => {
    const backend = await opened({ path });
    try {
      const base = await backend.create("/hot", bytes("0"));
      const before = backend.stats();
      const creates = Array.from(
        { length: 32 },
        (_, i) => backend.create(`/k/${i}`, bytes(`${i}`)),
      );
      const stale = backend.update("/hot", bytes("stale"), base - 1);
      const fresh = backend.update("/hot", bytes("fresh"), base);
      const duplicate = backend.create("/k/0", bytes("again"));
      const revisions = await Promise.all(creates);
      assert.equal((await stale).ok, false);
      assert.equal((await fresh).ok, true);
      await assert.rejects(duplicate);
      const after = backend.stats();
      assert.deepEqual([after.commits - before.commits, after.writes - before.writes], [1, 35]);
      assert.deepEqual(revisions, revisions.toSorted((a, b) => a - b));
      assert.equal(new Set(revisions).size, 32);
      assert.equal((await backend.count("/k/")).count, 32);
    } finally {
      await backend.close();
    }
  });
});

Deno.test("SqliteBackend compacts automatically, keeping a window of revisions", async () => {
  await withDataDir(async (path) => {
    const backend = await opened({
      path,
      compactIntervalMs: 20,
      compactKeep: 10,
      compactBatch: 7,
    });
    try {
      const revisions = [await backend.create("/a", bytes("0"))];
      for (let i = 1; i <= 100; i++) {
        revisions[i] = (await backend.update("/a", bytes(`${i}`), revisions[i - 1])).revision;
        if (i % 10 === 0) await backend.create(`/gone/${i}`, bytes("x"));
        if (i % 10 === 0) await backend.delete(`/gone/${i}`, 0);
      }
      const current = await backend.currentRevision();
      await eventually("the history is compacted", async () => {
        return (await backend.compactRevision()) >= current - 10;
      });
      await assert.rejects(backend.get("/a", revisions[90]), CompactedError);
      assert.equal(text((await backend.get("/a")).kv?.value), "100");
      assert.equal(text((await backend.get("/a", revisions[97])).kv?.value), "97");
      await eventually("old rows are dropped from the file", () => {
        const db = new DatabaseSync(path, { readOnly: true });
        try {
          const { n } = db.prepare("SELECT COUNT(*) AS n FROM log").get() as { n: number };
          return Promise.resolve(n <= 13);
        } finally {
          db.close();
        }
      });
    } finally {
      await backend.close();
    }
  });
});

Deno.test("SqliteBackend checkpoints the WAL so state.db-wal stays bounded", async () => {
  await withDataDir(async (path) => {
    const limit = 256 * 1024;
    const backend = await opened({ path, walLimitBytes: limit, checkpointIntervalMs: 20 });
    try {
      const value = new Uint8Array(16 * 1024).fill(7);
      await Promise.all(Array.from({ length: 200 }, (_, i) => backend.create(`/big/${i}`, value)));
      // Synchronously, before the checkpoint timer (a macrotask) can run.
      assert.ok(Deno.statSync(`${path}-wal`).size > limit, "the writes grew the WAL");
      await eventually("the WAL is truncated", async () => {
        return (await Deno.stat(`${path}-wal`)).size <= limit;
      });
      assert.equal((await backend.count("/big/")).count, 200);
    } finally {
      await backend.close();
    }
  });
});

Deno.test("SqliteBackend expires a TTL key written before a restart", async () => {
  await withDataDir(async (path) => {
    const first = await opened({ path });
    await first.create("/ttl", bytes("x"), 1);
    await first.close();
    const second = await opened({ path });
    try {
      await eventually("the key expired", async () => (await second.get("/ttl")).kv === null);
    } finally {
      await second.close();
    }
  });
});

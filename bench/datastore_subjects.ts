/**
 * The things the datastore benchmark measures, behind one small interface: a datastore
 * {@link Backend}, raw etcd through `etcd3`, and raw `node:sqlite` single-row transactions.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { DatabaseSync } from "node:sqlite";
import { Etcd3 } from "etcd3";
import type { Backend } from "../datastore/mod.ts";

export interface Subject {
  /** Creates `key`; update() and get() then use it. */
  create(key: string, value: Uint8Array): Promise<void>;
  /** Rewrites `key` at its current revision. */
  update(key: string, value: Uint8Array): Promise<void>;
  get(key: string): Promise<void>;
  /** Lists `prefix`, returning how many keys came back. */
  list(prefix: string): Promise<number>;
  /** Opens `watchers` watches on `prefix`, runs `write`, and waits until all saw `events`. */
  fanOut?(prefix: string, watchers: number, events: number, write: () => Promise<void>): Promise<
    void
  >;
  close(): Promise<void>;
}

/** Any datastore backend (already started). */
export function backendSubject(backend: Backend): Subject {
  const revisions = new Map<string, number>();
  return {
    async create(key, value) {
      revisions.set(key, await backend.create(key, value));
    },
    async update(key, value) {
      const result = await backend.update(key, value, revisions.get(key)!);
      if (!result.ok) throw new Error(`update of ${key} lost`);
      revisions.set(key, result.revision);
    },
    async get(key) {
      await backend.get(key);
    },
    async list(prefix) {
      return (await backend.list(prefix)).kvs.length;
    },
    async fanOut(prefix, watchers, events, write) {
      const controller = new AbortController();
      const from = await backend.currentRevision();
      const done = Array.from({ length: watchers }, async () => {
        let seen = 0;
        const watch = backend.watch(prefix, { afterRevision: from, signal: controller.signal });
        for await (const batch of watch) {
          seen += batch.length;
          if (seen >= events) break;
        }
      });
      await write();
      await Promise.all(done);
      controller.abort();
    },
    close: () => backend.close(),
  };
}

/** etcd through the etcd3 client, with the same transactions the etcd backend sends. */
export function rawEtcdSubject(endpoint: string): Subject {
  const client = new Etcd3({ hosts: endpoint });
  const revisions = new Map<string, string>();
  return {
    async create(key, value) {
      const k = Buffer.from(key);
      const response = await client.kv.txn({
        compare: [{ key: k, target: "Create", result: "Equal", create_revision: 0 }],
        success: [{ request_put: { key: k, value: Buffer.from(value) } }],
      });
      revisions.set(key, response.header.revision);
    },
    async update(key, value) {
      const k = Buffer.from(key);
      const response = await client.kv.txn({
        compare: [{ key: k, target: "Mod", result: "Equal", mod_revision: revisions.get(key) }],
        success: [{ request_put: { key: k, value: Buffer.from(value) } }],
      });
      if (!response.succeeded) throw new Error(`update of ${key} lost`);
      revisions.set(key, response.header.revision);
    },
    async get(key) {
      await client.kv.range({ key: Buffer.from(key) });
    },
    async list(prefix) {
      return (await client.getAll().prefix(prefix).exec()).kvs.length;
    },
    async fanOut(prefix, watchers, events, write) {
      const all = await Promise.all(Array.from({ length: watchers }, async () => {
        const watcher = await client.watch().prefix(prefix).withPreviousKV().create();
        let seen = 0;
        const done = new Promise<void>((resolve) =>
          watcher.on("put", () => ++seen === events && resolve())
        );
        return { watcher, done };
      }));
      await write();
      await Promise.all(all.map(({ done }) => done));
      await Promise.all(all.map(({ watcher }) => watcher.cancel()));
    },
    close: () => Promise.resolve(client.close()),
  };
}

/** node:sqlite with the backend's pragmas, one BEGIN IMMEDIATE … COMMIT per write. */
export function rawSqliteSubject(path: string): Subject {
  const db = new DatabaseSync(path);
  db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL");
  db.exec("CREATE TABLE kv (key TEXT PRIMARY KEY, value BLOB, revision INTEGER)");
  const insert = db.prepare("INSERT INTO kv (key, value, revision) VALUES (?, ?, 1)");
  const update = db.prepare("UPDATE kv SET value = ?, revision = revision + 1 WHERE key = ?");
  const select = db.prepare("SELECT value, revision FROM kv WHERE key = ?");
  const list = db.prepare("SELECT key, value, revision FROM kv WHERE key >= ? AND key < ?");
  const transaction = (run: () => void) => {
    db.exec("BEGIN IMMEDIATE");
    run();
    db.exec("COMMIT");
  };
  return {
    create: (key, value) => Promise.resolve(transaction(() => insert.run(key, value))),
    update: (key, value) => Promise.resolve(transaction(() => update.run(value, key))),
    get: (key) => Promise.resolve(void select.get(key)),
    list: (prefix) => Promise.resolve(list.all(prefix, prefix + "\uffff").length),
    close: () => Promise.resolve(db.close()),
  };
}

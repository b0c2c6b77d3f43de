/**
 * The default datastore: a kine-like log-structured table in one SQLite file (`node:sqlite`).
 *
 * One process owns the file: revisions and watches are tracked in memory and fed by this process's
 * commits, so watchers are notified right after COMMIT, without polling.
 *
 * @module
 */
import {
  type Backend,
  CompactedError,
  DatastoreUnavailableError,
  FutureRevisionError,
  type KeyValue,
  type ListOptions,
  type ListResult,
  type Watch,
  type WatchOptions,
  type WriteResult,
} from "../backend.ts";
import { WatchQueue } from "../watch_queue.ts";
import { keyKv, LogStore, rowEvent } from "./log_store.ts";
import { type Commit, LogWriter } from "./log_writer.ts";
import { fileSize, Maintenance } from "./maintenance.ts";
import { openDatabase, type Synchronous } from "./schema.ts";

export interface SqliteBackendOptions {
  /** The database file, e.g. `<data-dir>/server/db/state.db`; its folder is created. */
  path: string;
  /** `NORMAL` (default) survives a crash of the process, `FULL` also a power cut; see schema.ts. */
  synchronous?: Synchronous;
  /** Revisions of history the automatic compaction keeps (default 1000). */
  compactKeep?: number;
  /** How often the automatic compaction runs, in ms (default 5 minutes); 0 turns it off. */
  compactIntervalMs?: number;
  /** Revisions handled per compaction transaction (default 1000), so writes interleave. */
  compactBatch?: number;
  /** How often the WAL size is checked, in ms (default 30 s); 0 turns it off. */
  checkpointIntervalMs?: number;
  /** WAL size in bytes above which a TRUNCATE checkpoint runs (default 8 MiB). */
  walLimitBytes?: number;
  /** The clock for TTLs, in ms since the epoch. */
  now?: () => number;
  /** Where failures of background work (compaction, checkpoint, TTL expiry) are reported. */
  onError?: (error: Error) => void;
}

interface Watcher {
  prefix: string;
  /** Only events with a revision above this are delivered. */
  after: number;
  queue: WatchQueue;
}

/** Replayed history is delivered in batches of at most this many events. */
const REPLAY_BATCH = 1000;

export class SqliteBackend implements Backend {
  #options: Required<SqliteBackendOptions>;
  #store: LogStore | null = null;
  #writer: LogWriter | null = null;
  #maintenance: Maintenance | null = null;
  #watchers = new Set<Watcher>();
  #closed = false;

  constructor(options: SqliteBackendOptions) {
    if (!options.path) throw new TypeError("SqliteBackend needs a database path");
    this.#options = {
      synchronous: "NORMAL",
      compactKeep: 1000,
      compactIntervalMs: 5 * 60_000,
      compactBatch: 1000,
      checkpointIntervalMs: 30_000,
      walLimitBytes: 8 * 1024 * 1024,
      now: Date.now,
      onError: (error) => console.error(error.message),
      ...options,
    };
  }

  /** The database file. */
  get path(): string {
    return this.#options.path;
  }

  /** Transactions committed and writes in them since start (writes per commit shows batching). */
  stats(): { commits: number; writes: number } {
    return this.#live().writer.stats;
  }

  start(): Promise<void> {
    if (this.#closed) return Promise.reject(this.#unusable("it is closed"));
    if (this.#store) return Promise.resolve();
    try {
      const options = this.#options;
      const store = new LogStore(openDatabase(options.path, options.synchronous));
      const writer = new LogWriter(
        store,
        store.lastRevision(),
        options.now,
        (commit) => this.#committed(commit),
      );
      this.#store = store;
      this.#writer = writer;
      this.#maintenance = new Maintenance(store, writer, options);
      return Promise.resolve();
    } catch (error) {
      return Promise.reject(error);
    }
  }

  currentRevision(): Promise<number> {
    return this.#run(({ writer }) => writer.revision);
  }

  get(key: string, revision = 0): Promise<{ revision: number; kv: KeyValue | null }> {
    return this.#run(({ store, writer }) => {
      const at = revision > 0 ? this.#readRevision(revision, writer.revision) : 0;
      const row = store.latest(key, at);
      return { revision: writer.revision, kv: row && !row.deleted ? keyKv(row) : null };
    });
  }

  async create(key: string, value: Uint8Array, ttlSeconds = 0): Promise<number> {
    const ttl = Math.ceil(ttlSeconds);
    return await this.#live().writer.submit({ kind: "create", key, value, ttl }) as number;
  }

  async update(
    key: string,
    value: Uint8Array,
    revision: number,
    ttlSeconds = 0,
  ): Promise<WriteResult> {
    const op = { kind: "update", key, value, revision, ttl: Math.ceil(ttlSeconds) } as const;
    return await this.#live().writer.submit(op) as WriteResult;
  }

  async delete(key: string, revision: number): Promise<WriteResult> {
    return await this.#live().writer.submit({ kind: "delete", key, revision }) as WriteResult;
  }

  list(prefix: string, options: ListOptions = {}): Promise<ListResult> {
    return this.#run(({ store, writer }) => {
      const revision = this.#readRevision(options.revision ?? 0, writer.revision);
      const limit = options.limit ?? 0;
      const rows = store.list(prefix, options.startKey ?? "", limit > 0 ? limit + 1 : 0, revision);
      const more = limit > 0 && rows.length > limit;
      return { revision, kvs: (more ? rows.slice(0, limit) : rows).map(keyKv), more };
    });
  }

  count(prefix: string): Promise<{ revision: number; count: number }> {
    return this.#run(({ store, writer }) => ({
      revision: writer.revision,
      count: store.count(prefix),
    }));
  }

  watch(prefix: string, options: WatchOptions = {}): Watch {
    const watcher: Watcher = { prefix, after: 0, queue: null! };
    watcher.queue = new WatchQueue(() => this.#watchers.delete(watcher), options.signal);
    try {
      const { store, writer } = this.#live();
      const current = writer.revision;
      const after = options.afterRevision ?? 0;
      if (after > 0) {
        const compacted = this.#maintenance!.compacted;
        if (after + 1 < compacted) throw new CompactedError(after + 1, compacted);
        // Reads are synchronous and commits notify synchronously, so history up to `current`
        // plus live events above it is gap-free and without duplicates.
        const rows = after < current ? store.history(prefix, after, current) : [];
        for (let i = 0; i < rows.length; i += REPLAY_BATCH) {
          watcher.queue.push(rows.slice(i, i + REPLAY_BATCH).map(rowEvent));
        }
      }
      watcher.after = Math.max(after, current);
      if (!watcher.queue.ended) this.#watchers.add(watcher);
    } catch (error) {
      watcher.queue.fail(error);
    }
    return watcher.queue;
  }

  async compact(revision: number): Promise<number> {
    const { writer } = this.#live();
    if (revision > writer.revision) throw new FutureRevisionError(revision, writer.revision);
    return await this.#maintenance!.compact(revision);
  }

  compactRevision(): Promise<number> {
    return this.#run(() => this.#maintenance!.compacted);
  }

  dbSize(): Promise<number> {
    return this.#run(() => fileSize(this.path) + fileSize(`${this.path}-wal`));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#writer?.flush();
    for (const watcher of this.#watchers) watcher.queue.end();
    await this.#maintenance?.stop();
    this.#store?.close();
  }

  #committed(commit: Commit): void {
    for (const watcher of this.#watchers) {
      const events = commit.events.filter((event) =>
        event.kv.modRevision > watcher.after && event.kv.key.startsWith(watcher.prefix)
      );
      watcher.queue.push(events);
    }
    if (commit.nextExpiry > 0) this.#maintenance?.expireAt(commit.nextExpiry);
  }

  /** The revision a read runs at: `requested` checked against history, or the newest for 0. */
  #readRevision(requested: number, current: number): number {
    if (requested <= 0) return current;
    if (requested > current) throw new FutureRevisionError(requested, current);
    const compacted = this.#maintenance!.compacted;
    if (requested < compacted) throw new CompactedError(requested, compacted);
    return requested;
  }

  #live(): { store: LogStore; writer: LogWriter } {
    if (this.#closed) throw this.#unusable("it is closed");
    if (!this.#store || !this.#writer) throw this.#unusable("it is not started");
    return { store: this.#store, writer: this.#writer };
  }

  #run<T>(read: (live: { store: LogStore; writer: LogWriter }) => T): Promise<T> {
    try {
      return Promise.resolve(read(this.#live()));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  #unusable(reason: string): DatastoreUnavailableError {
    return new DatastoreUnavailableError(`Cannot use the datastore ${this.path}: ${reason}`);
  }
}

/**
 * Synchronous access to the log table through prepared statements. All SQL of the sqlite backend
 * lives here; nothing above it sees a statement.
 *
 * @module
 */
import type { DatabaseSync, SQLInputValue, StatementSync } from "node:sqlite";
import type { KeyValue, WatchEvent } from "../backend.ts";
import { prefixEndString } from "../key_range.ts";

/** One row of the log: one write of one key. */
export interface LogRow {
  id: number;
  name: string;
  created: number;
  deleted: number;
  create_revision: number;
  prev_revision: number;
  lease: number;
  value: Uint8Array | null;
  old_value: Uint8Array | null;
  old_lease: number;
}

/** The columns that say what a key was after a row's write (not how it was before). */
export type KeyRow = Pick<
  LogRow,
  "id" | "name" | "created" | "deleted" | "create_revision" | "lease" | "value"
>;

/** What a write appends to the log (the id is assigned by SQLite). */
export type NewRow = Omit<LogRow, "id"> & { expires_at: number };

const COLUMNS =
  "id, name, created, deleted, create_revision, prev_revision, lease, value, old_value, old_lease";
const KEY_COLUMNS = "id, name, created, deleted, create_revision, lease, value";
const EMPTY = new Uint8Array(0);

/** Rows of `l` that are the newest of their key (`NEWEST_AT`: at revision `:rev`). */
const SUCCESSOR = "SELECT 1 FROM log AS s WHERE s.name = l.name AND s.prev_revision = l.id";
const NEWEST = `NOT EXISTS (${SUCCESSOR})`;
const NEWEST_AT = `NOT EXISTS (${SUCCESSOR} AND s.id <= :rev)`;

const LATEST = `SELECT ${KEY_COLUMNS} FROM log WHERE name = ? ORDER BY prev_revision DESC LIMIT 1`;
const LATEST_AT =
  `SELECT ${KEY_COLUMNS} FROM log WHERE name = ? AND id <= ? ORDER BY prev_revision DESC LIMIT 1`;
const INSERT = "INSERT INTO log (name, created, deleted, create_revision, prev_revision, lease, " +
  "expires_at, value, old_value, old_lease) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

export class LogStore {
  #db: DatabaseSync;
  #statements = new Map<string, StatementSync>();
  // The write path's statements, prepared once (transaction control included).
  #latest: StatementSync;
  #latestAt: StatementSync;
  #insert: StatementSync;
  #begin: StatementSync;
  #commit: StatementSync;

  constructor(db: DatabaseSync) {
    this.#db = db;
    this.#latest = db.prepare(LATEST);
    this.#latestAt = db.prepare(LATEST_AT);
    this.#insert = db.prepare(INSERT);
    this.#begin = db.prepare("BEGIN IMMEDIATE");
    this.#commit = db.prepare("COMMIT");
  }

  begin(): void {
    this.#begin.run();
  }

  commit(): void {
    this.#commit.run();
  }

  /** Rolls back the open transaction, if SQLite has not already. */
  rollback(): void {
    if (this.#db.isTransaction) this.#db.exec("ROLLBACK");
  }

  #sql(sql: string): StatementSync {
    let statement = this.#statements.get(sql);
    if (!statement) {
      statement = this.#db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  /**
   * The newest revision: the largest id (see schema.ts for why it is never compacted away), or
   * for a file from before the table dropped AUTOINCREMENT, its sequence if that is larger.
   */
  lastRevision(): number {
    const { id } = this.#sql("SELECT MAX(id) AS id FROM log").get() as { id: number | null };
    const sequence = this.#sql("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence'").get()
      ? this.#sql("SELECT seq FROM sqlite_sequence WHERE name = 'log'").get() as { seq: number }
      : undefined;
    return Math.max(id ?? 0, sequence?.seq ?? 0);
  }

  meta(name: string): number {
    const row = this.#sql("SELECT value FROM meta WHERE name = ?").get(name) as
      | { value: number }
      | undefined;
    return row?.value ?? 0;
  }

  setMeta(name: string, value: number): void {
    this.#sql("INSERT OR REPLACE INTO meta (name, value) VALUES (?, ?)").run(name, value);
  }

  /** The key's newest row, or its newest row at or below `revision`. */
  latest(key: string, revision = 0): KeyRow | undefined {
    if (revision > 0) return this.#latestAt.get(key, revision) as KeyRow | undefined;
    return this.#latest.get(key) as KeyRow | undefined;
  }

  /** Live keys under `prefix` from `startKey` on, as of `revision`, in key order. */
  list(prefix: string, startKey: string, limit: number, revision: number): KeyRow[] {
    const [where, params] = nameRange(prefix, startKey);
    return this.#sql(
      `SELECT ${KEY_COLUMNS} FROM log AS l WHERE ${where} AND l.id <= :rev AND l.deleted = 0 AND ` +
        `${NEWEST_AT} ORDER BY l.name LIMIT :limit`,
    ).all({ ...params, rev: revision, limit: limit > 0 ? limit : -1 }) as unknown as KeyRow[];
  }

  /** How many keys under `prefix` are live now. */
  count(prefix: string): number {
    const [where, params] = nameRange(prefix, prefix);
    const row = this.#sql(
      `SELECT COUNT(*) AS n FROM log AS l WHERE ${where} AND l.deleted = 0 AND ${NEWEST}`,
    ).get(params) as { n: number };
    return row.n;
  }

  /** Every write under `prefix` with `after` < revision <= `upTo`, in revision order. */
  history(prefix: string, after: number, upTo: number): LogRow[] {
    const [where, params] = nameRange(prefix, prefix);
    return this.#sql(
      `SELECT ${COLUMNS} FROM log AS l WHERE l.id > :after AND l.id <= :upTo AND ${where} ` +
        "ORDER BY l.id",
    ).all({ ...params, after, upTo }) as unknown as LogRow[];
  }

  /** Appends a row; the returned id is the write's revision. */
  insert(row: NewRow): number {
    const result = this.#insert.run(
      row.name,
      row.created,
      row.deleted,
      row.create_revision,
      row.prev_revision,
      row.lease,
      row.expires_at,
      row.value,
      row.old_value,
      row.old_lease,
    );
    return Number(result.lastInsertRowid);
  }

  /**
   * One bounded step of compaction to `target`, for the rows with `lo` < id <= `hi` (`hi` <=
   * `target`): drops the rows they replaced (each row has at most one successor, so every replaced
   * row is dropped exactly once, in the step that covers its successor), and the delete markers
   * with `lo` <= id < `hi` (a marker at `target` itself stays for watches starting there; the next
   * compaction's first step drops it). Returns how many rows went.
   */
  purge(lo: number, hi: number): number {
    const replaced = this.#sql(
      "DELETE FROM log WHERE id IN (SELECT prev_revision FROM log WHERE id > ? AND id <= ?)",
    ).run(lo, hi);
    const markers = this.#sql("DELETE FROM log WHERE deleted = 1 AND id >= ? AND id < ?").run(
      lo,
      hi,
    );
    return Number(replaced.changes) + Number(markers.changes);
  }

  /** Live keys whose TTL ran out at `now`, oldest first. */
  expired(now: number, limit: number): KeyRow[] {
    return this.#sql(
      `SELECT ${KEY_COLUMNS} FROM log AS l WHERE l.expires_at > 0 AND l.expires_at <= :now AND ` +
        `l.deleted = 0 AND ${NEWEST} ` +
        "ORDER BY l.expires_at LIMIT :limit",
    ).all({ now, limit }) as unknown as KeyRow[];
  }

  /** When the next live key with a TTL expires, or null. */
  nextExpiry(): number | null {
    const row = this.#sql(
      "SELECT l.expires_at AS at FROM log AS l WHERE l.expires_at > 0 AND l.deleted = 0 AND " +
        `${NEWEST} ORDER BY l.expires_at LIMIT 1`,
    ).get() as { at: number } | undefined;
    return row?.at ?? null;
  }

  get inTransaction(): boolean {
    return this.#db.isTransaction;
  }

  /** Copies the WAL into the database file and truncates the WAL to zero bytes. */
  checkpoint(): void {
    this.#db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  }

  close(): void {
    this.#statements.clear();
    this.#db.close();
  }
}

/** The WHERE clause for keys under `prefix` at or after `startKey`, with its parameters. */
function nameRange(
  prefix: string,
  startKey: string,
): [string, Record<string, SQLInputValue>] {
  const start = startKey > prefix ? startKey : prefix;
  const end = prefixEndString(prefix);
  if (end === null) return ["l.name >= :start", { start }];
  return ["l.name >= :start AND l.name < :end", { start, end }];
}

/** The key as this row left it (for a delete row: as it was before the delete). */
export function rowKv(row: LogRow): KeyValue {
  return row.deleted ? previousKv(row) : keyKv(row);
}

/** The key as a create or update row left it. */
export function keyKv(row: KeyRow): KeyValue {
  return {
    key: row.name,
    value: row.value ?? EMPTY,
    createRevision: row.created ? row.id : row.create_revision,
    modRevision: row.id,
    lease: row.lease,
  };
}

function previousKv(row: LogRow): KeyValue {
  return {
    key: row.name,
    value: row.old_value ?? EMPTY,
    createRevision: row.create_revision,
    modRevision: row.prev_revision,
    lease: row.old_lease,
  };
}

/** The watch event a row stands for. */
export function rowEvent(row: LogRow): WatchEvent {
  if (row.created) return { type: "create", kv: rowKv(row) };
  const prevKv = previousKv(row);
  if (row.deleted) return { type: "delete", kv: { ...prevKv, modRevision: row.id }, prevKv };
  return { type: "update", kv: rowKv(row), prevKv };
}

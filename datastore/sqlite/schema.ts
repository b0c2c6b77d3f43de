/**
 * Opening the SQLite file: integrity check first, then pragmas and the log-structured schema.
 *
 * A file that cannot be read as our database is never recreated or "repaired": opening fails with
 * a {@link DatastoreUnavailableError} naming the file, and nothing is written to it.
 *
 * @module
 */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { DatastoreUnavailableError } from "../backend.ts";

/** Bumped when the schema changes; a newer file is refused rather than misread. */
const SCHEMA_VERSION = 1;

/**
 * One table is the whole history: the autoincrement row id IS the revision, each row is one write
 * (create, update or delete) of one key. `prev_revision` links a row to the key's previous row, so
 * the UNIQUE (name, prev_revision) index lets only one writer extend a key's history from a given
 * revision; it is also the index every lookup by name uses (prev_revision grows with id per name).
 * `old_value`/`old_lease` keep the previous value so a watch can give `prevKv` after compaction.
 * For a row with `created` = 1 the create revision is its own id (stored as 0).
 *
 * Revisions are never reused without AUTOINCREMENT (which costs a third page write per commit):
 * compaction only drops rows below the compacted revision, never the newest row, so the next
 * rowid (largest + 1) is always a new revision.
 *
 * A new store starts at revision 1, as etcd does, so that revision 0 can only mean "from now" and
 * a list of an empty store followed by a watch from its revision misses nothing: revision 1 is a
 * delete marker for the empty name, which no read or watch returns.
 */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS log (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  created INTEGER NOT NULL,
  deleted INTEGER NOT NULL,
  create_revision INTEGER NOT NULL,
  prev_revision INTEGER NOT NULL,
  lease INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  value BLOB,
  old_value BLOB,
  old_lease INTEGER NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS log_name_prev_revision ON log (name, prev_revision);
CREATE INDEX IF NOT EXISTS log_expires_at ON log (expires_at) WHERE expires_at > 0;
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
PRAGMA user_version = ${SCHEMA_VERSION};
INSERT INTO log (id, name, created, deleted, create_revision, prev_revision, lease, expires_at,
  old_lease) SELECT 1, '', 0, 1, 0, 0, 0, 0, 0 WHERE NOT EXISTS (SELECT 1 FROM log);
`;

export type Synchronous = "NORMAL" | "FULL";

/**
 * Opens (creating when absent) the database at `path`.
 *
 * Durability: WAL with `synchronous = NORMAL` by default. A COMMIT appends the transaction to
 * `state.db-wal` with write(2) before it returns, so an acknowledged write is in the kernel's page
 * cache and survives SIGKILL or any crash of this process; the WAL is fsynced at each checkpoint.
 * Only an OS crash or power cut can lose the last commits since the previous checkpoint, and it
 * never corrupts the file. `FULL` fsyncs every commit, for those who value surviving power loss
 * over write latency (an fsync per commit costs milliseconds on SD cards).
 */
export function openDatabase(path: string, synchronous: Synchronous): DatabaseSync {
  try {
    mkdirSync(dirname(path), { recursive: true });
  } catch (error) {
    throw unavailable(path, error);
  }
  let db: DatabaseSync;
  try {
    db = new DatabaseSync(path);
  } catch (error) {
    throw unavailable(path, error);
  }
  try {
    db.exec("PRAGMA busy_timeout = 5000");
    checkIntegrity(db);
    checkOwnership(db);
    const mode = db.prepare("PRAGMA journal_mode = WAL").get() as { journal_mode: string };
    if (mode.journal_mode.toLowerCase() !== "wal") {
      throw new Error(`the file system does not support WAL mode (got ${mode.journal_mode})`);
    }
    db.exec(`PRAGMA synchronous = ${synchronous}`);
    // WAL is truncated back to this size when it is reset; the periodic checkpoint does the rest.
    db.exec("PRAGMA journal_size_limit = 16777216");
    db.exec(`BEGIN IMMEDIATE; ${SCHEMA} COMMIT;`);
  } catch (error) {
    db.close();
    throw unavailable(path, error);
  }
  return db;
}

/** Reads every page once: a garbage header or a damaged page fails here, before any write. */
function checkIntegrity(db: DatabaseSync): void {
  const rows = db.prepare("PRAGMA quick_check").all() as { quick_check: string }[];
  const problems = rows.map((row) => row.quick_check).filter((line) => line !== "ok");
  if (problems.length > 0) {
    throw new Error(`the integrity check failed: ${problems.slice(0, 3).join("; ")}`);
  }
}

/** Refuses files that are SQLite but not ours (a newer schema, or K3s's kine table). */
function checkOwnership(db: DatabaseSync): void {
  const { user_version: version } = db.prepare("PRAGMA user_version").get() as {
    user_version: number;
  };
  if (version > SCHEMA_VERSION) {
    throw new Error(`its schema version ${version} is newer than this server's ${SCHEMA_VERSION}`);
  }
  const kine = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'kine'");
  if (kine.get() !== undefined) {
    throw new Error("it holds a kine (K3s) database, whose encoding this server does not read");
  }
}

function unavailable(path: string, error: unknown): DatastoreUnavailableError {
  const detail = error instanceof Error ? error.message : String(error);
  return new DatastoreUnavailableError(
    `Cannot open the datastore ${path}: ${detail}. The file was left as it is: restore it from a ` +
      `backup, or move it away to start with an empty datastore`,
    { cause: error },
  );
}

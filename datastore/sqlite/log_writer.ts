/**
 * The write path of the sqlite backend. Writes submitted in the same tick are committed together
 * in one `BEGIN IMMEDIATE … COMMIT`; each keeps its own conditional check (run in order, inside the
 * transaction, against the rows the earlier writes of the batch left) and each promise settles
 * only after the COMMIT returned, so nothing is acknowledged that is not in the WAL.
 *
 * @module
 */
import {
  DatastoreUnavailableError,
  KeyExistsError,
  type WatchEvent,
  type WriteResult,
} from "../backend.ts";
import { keyKv, type LogRow, type LogStore, type NewRow, rowEvent, rowKv } from "./log_store.ts";

export type WriteOp =
  | { kind: "create"; key: string; value: Uint8Array; ttl: number }
  | { kind: "update"; key: string; value: Uint8Array; revision: number; ttl: number }
  | { kind: "delete"; key: string; revision: number };

/** What one committed batch changed, for the watchers and the TTL timer. */
export interface Commit {
  events: WatchEvent[];
  /** The earliest expiry among the batch's writes with a TTL, or 0. */
  nextExpiry: number;
}

type Outcome = number | WriteResult;

interface Pending {
  op: WriteOp;
  resolve: (outcome: Outcome) => void;
  reject: (error: unknown) => void;
}

interface Applied {
  outcome: Outcome;
  event?: WatchEvent;
  expiresAt: number;
}

export class LogWriter {
  #store: LogStore;
  #revision: number;
  #now: () => number;
  #onCommit: (commit: Commit) => void;
  #pending: Pending[] = [];
  #commits = 0;
  #writes = 0;

  constructor(
    store: LogStore,
    revision: number,
    now: () => number,
    onCommit: (commit: Commit) => void,
  ) {
    this.#store = store;
    this.#revision = revision;
    this.#now = now;
    this.#onCommit = onCommit;
  }

  /** The newest committed revision. */
  get revision(): number {
    return this.#revision;
  }

  /** Transactions committed and writes submitted to them so far. */
  get stats(): { commits: number; writes: number } {
    return { commits: this.#commits, writes: this.#writes };
  }

  submit(op: WriteOp): Promise<Outcome> {
    return new Promise((resolve, reject) => {
      this.#pending.push({ op, resolve, reject });
      if (this.#pending.length === 1) queueMicrotask(() => this.flush());
    });
  }

  /** Commits everything submitted so far in one transaction. */
  flush(): void {
    const batch = this.#pending;
    this.#pending = [];
    if (batch.length === 0) return;
    try {
      this.#store.begin();
    } catch (error) {
      for (const pending of batch) pending.reject(lost(error));
      return;
    }
    let revision = this.#revision;
    const settled: Array<{ pending: Pending; applied?: Applied; error?: unknown }> = [];
    const events: WatchEvent[] = [];
    let nextExpiry = 0;
    for (const pending of batch) {
      try {
        const applied = this.#apply(pending.op, revision);
        if (applied.event) {
          events.push(applied.event);
          revision = applied.event.kv.modRevision;
        }
        if (applied.expiresAt > 0 && (nextExpiry === 0 || applied.expiresAt < nextExpiry)) {
          nextExpiry = applied.expiresAt;
        }
        settled.push({ pending, applied });
      } catch (error) {
        // Some SQLite errors (disk full, I/O) roll the whole transaction back.
        if (!this.#store.inTransaction) {
          for (const other of batch) other.reject(lost(error));
          return;
        }
        settled.push({ pending, error });
      }
    }
    try {
      this.#store.commit();
    } catch (error) {
      this.#store.rollback();
      for (const pending of batch) pending.reject(lost(error));
      return;
    }
    this.#revision = revision;
    this.#commits++;
    this.#writes += batch.length;
    this.#onCommit({ events, nextExpiry });
    for (const { pending, applied, error } of settled) {
      if (applied) pending.resolve(applied.outcome);
      else pending.reject(error);
    }
  }

  #apply(op: WriteOp, revision: number): Applied {
    const latest = this.#store.latest(op.key);
    const live = latest && !latest.deleted ? latest : undefined;
    const failed = (): Applied => ({
      outcome: { ok: false, revision, kv: live ? keyKv(live) : null },
      expiresAt: 0,
    });
    if (op.kind === "create") {
      if (live) throw new KeyExistsError(op.key);
      return this.#append({
        name: op.key,
        created: 1,
        deleted: 0,
        create_revision: 0,
        prev_revision: latest?.id ?? 0,
        ...this.#ttl(op.ttl),
        value: op.value,
        old_value: null,
        old_lease: 0,
      }, (id) => id);
    }
    const unconditional = op.kind === "delete" && op.revision === 0;
    if (!live || (!unconditional && live.id !== op.revision)) return failed();
    const base = {
      name: op.key,
      created: 0,
      create_revision: keyKv(live).createRevision,
      prev_revision: live.id,
      old_value: live.value,
      old_lease: live.lease,
    };
    if (op.kind === "update") {
      return this.#append(
        { ...base, deleted: 0, ...this.#ttl(op.ttl), value: op.value },
        (id, row) => ({ ok: true, revision: id, kv: rowKv(row) }),
      );
    }
    return this.#append(
      { ...base, deleted: 1, lease: 0, expires_at: 0, value: null },
      (id) => ({ ok: true, revision: id, kv: keyKv(live) }),
    );
  }

  #ttl(ttl: number): { lease: number; expires_at: number } {
    return { lease: ttl, expires_at: ttl > 0 ? this.#now() + ttl * 1000 : 0 };
  }

  #append(row: NewRow, outcome: (id: number, row: LogRow) => Outcome): Applied {
    const id = this.#store.insert(row);
    const stored: LogRow = { ...row, id };
    return { outcome: outcome(id, stored), event: rowEvent(stored), expiresAt: row.expires_at };
  }
}

function lost(error: unknown): DatastoreUnavailableError {
  const detail = error instanceof Error ? error.message : String(error);
  return new DatastoreUnavailableError(`Cannot commit the write: ${detail}`, { cause: error });
}

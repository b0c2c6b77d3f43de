/**
 * Background work of the sqlite backend: compaction in bounded steps, WAL checkpoints and TTL
 * expiry. Every timer is unref'd and cleared by {@link Maintenance.stop}.
 *
 * @module
 */
import { statSync } from "node:fs";
import { clearInterval, clearTimeout, setImmediate, setInterval, setTimeout } from "node:timers";
import type { LogStore } from "./log_store.ts";
import type { LogWriter } from "./log_writer.ts";

export interface MaintenanceOptions {
  path: string;
  compactKeep: number;
  compactIntervalMs: number;
  compactBatch: number;
  checkpointIntervalMs: number;
  walLimitBytes: number;
  now: () => number;
  onError: (error: Error) => void;
}

/** Expired keys deleted per transaction. */
const EXPIRE_BATCH = 500;
/** Longest single timer delay; a later expiry re-arms when it fires. */
const MAX_DELAY_MS = 60 * 60_000;

type Timer = ReturnType<typeof setTimeout>;

export class Maintenance {
  #store: LogStore;
  #writer: LogWriter;
  #options: MaintenanceOptions;
  #compacted: number;
  #intervals: Array<ReturnType<typeof setInterval>> = [];
  #expiryTimer: Timer | null = null;
  #expiryAt = 0;
  #purging: Promise<void> = Promise.resolve();
  #stopped = false;

  constructor(store: LogStore, writer: LogWriter, options: MaintenanceOptions) {
    this.#store = store;
    this.#writer = writer;
    this.#options = options;
    this.#compacted = store.meta("compact_revision");
    if (options.compactIntervalMs > 0) {
      this.#every(options.compactIntervalMs, () => this.#autoCompact());
    }
    if (options.checkpointIntervalMs > 0) {
      this.#every(options.checkpointIntervalMs, () => this.#checkpoint());
    }
    this.expireAt(store.nextExpiry() ?? 0);
    // A compaction cut short by a crash resumes where its last committed step ended.
    if (store.meta("compact_done") < this.#compacted) this.#purge().catch((e) => this.#report(e));
  }

  /** Reads below this revision fail: their history is gone. */
  get compacted(): number {
    return this.#compacted;
  }

  /**
   * Raises the compacted revision to `revision` (the caller checked it is not in the future),
   * then drops the history below it in steps of `compactBatch` revisions, each its own short
   * transaction with writes running between, so compaction can neither block writes for long nor
   * stall: every step moves the durable `compact_done` cursor forward.
   */
  async compact(revision: number): Promise<number> {
    if (revision > this.#compacted) {
      this.#store.setMeta("compact_revision", revision);
      this.#compacted = revision;
    }
    await this.#purge();
    return this.#compacted;
  }

  /** Makes sure the TTL sweep runs no later than `at` (ms since the epoch). */
  expireAt(at: number): void {
    if (at <= 0 || this.#stopped) return;
    if (this.#expiryTimer && this.#expiryAt <= at) return;
    if (this.#expiryTimer) clearTimeout(this.#expiryTimer);
    this.#expiryAt = at;
    const delay = Math.min(Math.max(at - this.#options.now(), 0), MAX_DELAY_MS);
    this.#expiryTimer = setTimeout(() => {
      this.#expiryTimer = null;
      this.#expiryAt = 0;
      this.#expire().catch((e) => this.#report(e));
    }, delay);
    this.#expiryTimer.unref();
  }

  /** Stops the timers and waits for a compaction step in progress. */
  async stop(): Promise<void> {
    this.#stopped = true;
    for (const interval of this.#intervals) clearInterval(interval);
    if (this.#expiryTimer) clearTimeout(this.#expiryTimer);
    await this.#purging.catch(() => undefined);
  }

  #every(ms: number, task: () => void): void {
    const interval = setInterval(() => {
      try {
        task();
      } catch (error) {
        this.#report(error);
      }
    }, ms);
    interval.unref();
    this.#intervals.push(interval);
  }

  #autoCompact(): void {
    const target = this.#writer.revision - this.#options.compactKeep;
    if (target > this.#compacted) this.compact(target).catch((e) => this.#report(e));
  }

  #purge(): Promise<void> {
    const run = this.#purging.catch(() => undefined).then(() => this.#purgeSteps());
    this.#purging = run;
    return run;
  }

  async #purgeSteps(): Promise<void> {
    const store = this.#store;
    while (!this.#stopped) {
      const done = store.meta("compact_done");
      const target = this.#compacted;
      if (done >= target) break;
      const hi = Math.min(done + this.#options.compactBatch, target);
      store.begin();
      try {
        store.purge(done, hi);
        store.setMeta("compact_done", hi);
        store.commit();
      } catch (error) {
        store.rollback();
        throw error;
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
    if (!this.#stopped) this.#checkpoint();
  }

  /** Keeps `state.db-wal` bounded: SQLite's own checkpoints reuse the file but never shrink it. */
  #checkpoint(): void {
    if (fileSize(`${this.#options.path}-wal`) > this.#options.walLimitBytes) {
      this.#store.checkpoint();
    }
  }

  async #expire(): Promise<void> {
    if (this.#stopped) return;
    const rows = this.#store.expired(this.#options.now(), EXPIRE_BATCH);
    // Conditional deletes: a key rewritten since the query keeps its new value.
    const results = await Promise.allSettled(
      rows.map((row) => this.#writer.submit({ kind: "delete", key: row.name, revision: row.id })),
    );
    const failure = results.find((result) => result.status === "rejected");
    if (failure) this.#report(failure.reason);
    if (this.#stopped) return;
    const next = this.#store.nextExpiry() ?? 0;
    // After a failure, retry no sooner than in a second rather than spin.
    this.expireAt(failure && next > 0 ? Math.max(next, this.#options.now() + 1000) : next);
  }

  #report(error: unknown): void {
    this.#options.onError(error instanceof Error ? error : new Error(String(error)));
  }
}

/** The size of a file in bytes, 0 when it does not exist. */
export function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch (error) {
    if ((error as { code?: string }).code === "ENOENT") return 0;
    throw error;
  }
}

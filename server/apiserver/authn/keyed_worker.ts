/**
 * A minimal reconcile loop for the in-process controllers of this folder: keys are queued at
 * most once, handled one at a time, and a key whose handler failed comes back with exponential
 * backoff. Handlers re-read current state, so a key queued twice costs one pass.
 *
 * @module
 */

export interface KeyedWorkerOptions {
  handle(key: string): Promise<void>;
  onError?(key: string, err: Error): void;
  baseBackoffMs?: number;
  maxBackoffMs?: number;
}

export class KeyedWorker {
  #opts: KeyedWorkerOptions;
  #queue = new Set<string>();
  #failures = new Map<string, number>();
  #timers = new Set<ReturnType<typeof setTimeout>>();
  #running: Promise<void> | null = null;
  #idle: (() => void)[] = [];
  #stopped = false;

  constructor(opts: KeyedWorkerOptions) {
    this.#opts = opts;
  }

  add(key: string): void {
    if (this.#stopped) return;
    this.#queue.add(key);
    this.#running ??= this.#drain().finally(() => {
      this.#running = null;
      if (this.#queue.size) this.add([...this.#queue][0]);
      else if (this.#timers.size === 0) { for (const f of this.#idle.splice(0)) f(); }
    });
  }

  /** Resolves once nothing is queued, running or waiting to be retried. */
  idle(): Promise<void> {
    if (!this.#running && this.#queue.size === 0 && this.#timers.size === 0) {
      return Promise.resolve();
    }
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  stop(): void {
    this.#stopped = true;
    this.#queue.clear();
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
    for (const f of this.#idle.splice(0)) f();
  }

  async #drain(): Promise<void> {
    while (!this.#stopped && this.#queue.size) {
      const key = this.#queue.values().next().value!;
      this.#queue.delete(key);
      try {
        await this.#opts.handle(key);
        this.#failures.delete(key);
      } catch (err) {
        if (this.#stopped) return;
        this.#opts.onError?.(key, err as Error);
        const n = this.#failures.get(key) ?? 0;
        this.#failures.set(key, n + 1);
        const delay = Math.min(
          (this.#opts.baseBackoffMs ?? 200) * 2 ** n,
          this.#opts.maxBackoffMs ?? 30_000,
        );
        const t = setTimeout(() => {
          this.#timers.delete(t);
          this.add(key);
        }, delay);
        this.#timers.add(t);
      }
    }
  }
}

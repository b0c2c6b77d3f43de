/**
 * Per-key exponential backoff as the kubelet uses it for restarting crashed containers
 * (CrashLoopBackOff) and for pulling images (ImagePullBackOff): 10 s doubling to 5 min. A key
 * untouched for twice the maximum (10 min: a container that ran that long) starts over.
 *
 * @module
 */
import { type Clock, realClock } from "../../kube/client/clock.ts";

export interface KeyedBackoffOptions {
  initialMs?: number;
  maxMs?: number;
  clock?: Clock;
}

interface Entry {
  delayMs: number;
  /** When `next()` was last called, ms since the epoch. */
  updatedAt: number;
}

export class KeyedBackoff {
  readonly #initial: number;
  readonly #max: number;
  readonly #clock: Clock;
  readonly #entries = new Map<string, Entry>();

  constructor(options: KeyedBackoffOptions = {}) {
    this.#initial = options.initialMs ?? 10_000;
    this.#max = options.maxMs ?? 300_000;
    this.#clock = options.clock ?? realClock;
  }

  #expired(entry: Entry, at: number): boolean {
    return at - entry.updatedAt > 2 * this.#max;
  }

  /** Counts an attempt at `eventAt` (e.g. a container's exit): the delay grows. */
  next(key: string, eventAt = this.#clock.now()): number {
    const entry = this.#entries.get(key);
    if (!entry || this.#expired(entry, eventAt)) {
      this.#entries.set(key, { delayMs: this.#initial, updatedAt: this.#clock.now() });
      return this.#initial;
    }
    entry.delayMs = Math.min(entry.delayMs * 2, this.#max);
    entry.updatedAt = this.#clock.now();
    return entry.delayMs;
  }

  /** The current delay of `key` (0 when none). */
  delay(key: string): number {
    return this.#entries.get(key)?.delayMs ?? 0;
  }

  /**
   * How long `key` must still wait after an event at `eventAt` (0: it may go now). A key with no
   * history never waits.
   */
  remaining(key: string, eventAt: number): number {
    const entry = this.#entries.get(key);
    if (!entry || this.#expired(entry, this.#clock.now())) return 0;
    return Math.max(0, eventAt + entry.delayMs - this.#clock.now());
  }

  reset(key: string): void {
    this.#entries.delete(key);
  }

  /** Forgets keys untouched for longer than twice the maximum. */
  gc(): void {
    const now = this.#clock.now();
    for (const [key, entry] of this.#entries) {
      if (this.#expired(entry, now)) this.#entries.delete(key);
    }
  }
}

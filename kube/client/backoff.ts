/**
 * Exponential backoff with jitter that forgets past failures after a quiet period, as client-go's
 * reflector uses between failed list/watch attempts (800 ms doubling to 30 s, reset after 2 min).
 *
 * @module
 */
import type { Clock } from "./clock.ts";

/** Options of {@linkcode Backoff}. */
export interface BackoffOptions {
  /** First delay, ms. */
  initialMs?: number;
  /** Largest delay, ms. */
  maxMs?: number;
  factor?: number;
  /** Adds up to `jitter × delay` at random. */
  jitter?: number;
  /** After this long without a failure, the next delay starts from `initialMs` again. */
  resetAfterMs?: number;
}

/** Delays for successive failures. */
export class Backoff {
  readonly #clock: Clock;
  readonly #initial: number;
  readonly #max: number;
  readonly #factor: number;
  readonly #jitter: number;
  readonly #resetAfter: number;
  #current = 0;
  #lastFailure = -Infinity;

  constructor(clock: Clock, options: BackoffOptions = {}) {
    this.#clock = clock;
    this.#initial = options.initialMs ?? 800;
    this.#max = options.maxMs ?? 30_000;
    this.#factor = options.factor ?? 2;
    this.#jitter = options.jitter ?? 1;
    this.#resetAfter = options.resetAfterMs ?? 120_000;
  }

  /** The delay before the next attempt after a failure now. */
  next(): number {
    const now = this.#clock.now();
    if (this.#current === 0 || now - this.#lastFailure > this.#resetAfter) {
      this.#current = this.#initial;
    } else {
      this.#current = Math.min(this.#max, this.#current * this.#factor);
    }
    this.#lastFailure = now;
    return this.#current + Math.random() * this.#jitter * this.#current;
  }

  /** Forgets past failures. */
  reset(): void {
    this.#current = 0;
  }
}

/**
 * The delivery side of a watch, shared by the backends: a single-consumer queue of event batches
 * that is an `AsyncIterable`, ends on abort or close, and can end with an error (for example
 * {@link CompactedError}) after the batches queued before it.
 *
 * It does not apply back-pressure: a consumer that stops reading makes the queue grow, as a kine
 * watch channel would. The API server's watch cache reads continuously.
 *
 * @module
 */
import type { WatchEvent } from "./backend.ts";

export class WatchQueue implements AsyncIterable<WatchEvent[]> {
  #batches: WatchEvent[][] = [];
  #error: unknown = null;
  #ended = false;
  #wake: (() => void) | null = null;
  #onEnd: () => void;
  #signal?: AbortSignal;
  #onAbort = () => this.end();

  /** `onEnd` runs once when the queue ends for any reason (abort, close, error, consumer exit). */
  constructor(onEnd: () => void, signal?: AbortSignal) {
    this.#onEnd = onEnd;
    this.#signal = signal;
    if (signal?.aborted) {
      queueMicrotask(() => this.end());
    } else {
      signal?.addEventListener("abort", this.#onAbort, { once: true });
    }
  }

  get ended(): boolean {
    return this.#ended;
  }

  /** Queues one batch; empty batches and batches after the end are dropped. */
  push(events: WatchEvent[]): void {
    if (this.#ended || events.length === 0) return;
    this.#batches.push(events);
    this.#notify();
  }

  /** Ends the queue with an error, thrown to the consumer after the batches already queued. */
  fail(error: unknown): void {
    if (this.#ended) return;
    this.#error = error;
    this.end();
  }

  /** Ends the queue; queued batches are still delivered, pending ones after an abort are not. */
  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    if (this.#signal?.aborted) this.#batches = [];
    this.#signal?.removeEventListener("abort", this.#onAbort);
    this.#notify();
    this.#onEnd();
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }

  [Symbol.asyncIterator](): AsyncIterator<WatchEvent[]> {
    return {
      next: async (): Promise<IteratorResult<WatchEvent[]>> => {
        while (this.#batches.length === 0 && !this.#ended) {
          await new Promise<void>((resolve) => this.#wake = resolve);
        }
        const batch = this.#batches.shift();
        if (batch) return { value: batch, done: false };
        if (this.#error !== null) {
          const error = this.#error;
          this.#error = null;
          throw error;
        }
        return { value: undefined, done: true };
      },
      return: (): Promise<IteratorResult<WatchEvent[]>> => {
        this.#batches = [];
        this.#error = null;
        this.end();
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }
}

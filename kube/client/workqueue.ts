/**
 * The controller workqueue: a FIFO of keys that holds each key at most once, never hands the
 * same key to two workers at a time (a key added while being processed comes back after
 * `done`), delays keys (`addAfter`), and backs off per key (`addRateLimited`, cleared by
 * `forget`).
 *
 * @module
 */
import { type Clock, realClock, type Timer } from "./clock.ts";

/** Decides how long an item waits before its next retry. */
export interface RateLimiter<K> {
  /** The delay for this retry of `item`, ms (counts the retry). */
  when(item: K): number;
  /** Forgets `item`'s failures. */
  forget(item: K): void;
  /** Retries counted for `item`. */
  numRequeues(item: K): number;
}

/** `base × 2^failures`, capped at `max` (client-go's default: 5 ms to 1000 s). */
export class ItemExponentialRateLimiter<K> implements RateLimiter<K> {
  readonly #failures = new Map<K, number>();
  constructor(readonly baseMs = 5, readonly maxMs = 1_000_000) {}

  when(item: K): number {
    const n = this.#failures.get(item) ?? 0;
    this.#failures.set(item, n + 1);
    return Math.min(this.maxMs, this.baseMs * 2 ** n);
  }

  forget(item: K): void {
    this.#failures.delete(item);
  }

  numRequeues(item: K): number {
    return this.#failures.get(item) ?? 0;
  }
}

/** A token bucket over all items: `qps` retries a second, bursts of `burst`. */
export class BucketRateLimiter<K> implements RateLimiter<K> {
  #tokens: number;
  #last: number;
  constructor(readonly qps = 10, readonly burst = 100, readonly clock: Clock = realClock) {
    this.#tokens = burst;
    this.#last = clock.now();
  }

  when(_item: K): number {
    const now = this.clock.now();
    this.#tokens = Math.min(this.burst, this.#tokens + ((now - this.#last) / 1000) * this.qps);
    this.#last = now;
    this.#tokens -= 1;
    return this.#tokens >= 0 ? 0 : (-this.#tokens / this.qps) * 1000;
  }

  forget(_item: K): void {}

  numRequeues(_item: K): number {
    return 0;
  }
}

/** The longest delay of several limiters. */
export class MaxOfRateLimiter<K> implements RateLimiter<K> {
  readonly #limiters: RateLimiter<K>[];
  constructor(...limiters: RateLimiter<K>[]) {
    this.#limiters = limiters;
  }

  when(item: K): number {
    let max = 0;
    for (const l of this.#limiters) max = Math.max(max, l.when(item));
    return max;
  }

  forget(item: K): void {
    for (const l of this.#limiters) l.forget(item);
  }

  numRequeues(item: K): number {
    let max = 0;
    for (const l of this.#limiters) max = Math.max(max, l.numRequeues(item));
    return max;
  }
}

/** client-go's controller default: per-item 5 ms…1000 s, and 10 qps / 100 burst overall. */
export function defaultControllerRateLimiter<K>(clock: Clock = realClock): RateLimiter<K> {
  return new MaxOfRateLimiter<K>(
    new ItemExponentialRateLimiter<K>(5, 1_000_000),
    new BucketRateLimiter<K>(10, 100, clock),
  );
}

/** Options of {@linkcode WorkQueue}. */
export interface WorkQueueOptions<K> {
  clock?: Clock;
  rateLimiter?: RateLimiter<K>;
}

/** A deduplicating, delaying, rate-limited queue of keys. */
export class WorkQueue<K = string> {
  readonly #clock: Clock;
  readonly #limiter: RateLimiter<K>;
  #queue: K[] = [];
  #head = 0;
  readonly #dirty = new Set<K>();
  readonly #processing = new Set<K>();
  readonly #waiting = new Map<K, { at: number; timer: Timer }>();
  #getters: ((item: K | undefined) => void)[] = [];
  #shuttingDown = false;

  constructor(options: WorkQueueOptions<K> = {}) {
    this.#clock = options.clock ?? realClock;
    this.#limiter = options.rateLimiter ?? defaultControllerRateLimiter<K>(this.#clock);
  }

  /** Items waiting to be handed out (not counting delayed or in-process ones). */
  get length(): number {
    return this.#queue.length - this.#head;
  }

  /** Items handed out and not yet `done`. */
  get processing(): number {
    return this.#processing.size;
  }

  /** Items waiting for a delay to pass. */
  get delayed(): number {
    return this.#waiting.size;
  }

  get shuttingDown(): boolean {
    return this.#shuttingDown;
  }

  /** Queues `item` unless it is queued already. */
  add(item: K): void {
    if (this.#shuttingDown || this.#dirty.has(item)) return;
    this.#dirty.add(item);
    if (this.#processing.has(item)) return;
    const getter = this.#getters.shift();
    if (getter) {
      this.#dirty.delete(item);
      this.#processing.add(item);
      getter(item);
    } else this.#queue.push(item);
  }

  /** Queues `item` after `ms` (at once for 0); a pending earlier delay wins. */
  addAfter(item: K, ms: number): void {
    if (this.#shuttingDown) return;
    if (ms <= 0) return this.add(item);
    const at = this.#clock.now() + ms;
    const pending = this.#waiting.get(item);
    if (pending) {
      if (pending.at <= at) return;
      pending.timer.cancel();
    }
    const timer = this.#clock.after(ms, () => {
      this.#waiting.delete(item);
      this.add(item);
    });
    this.#waiting.set(item, { at, timer });
  }

  /** Queues `item` after its rate limiter's delay (the retry of a failure). */
  addRateLimited(item: K): void {
    this.addAfter(item, this.#limiter.when(item));
  }

  /** Clears `item`'s failure count (after a success, or when giving up). */
  forget(item: K): void {
    this.#limiter.forget(item);
  }

  /** Failures counted for `item`. */
  numRequeues(item: K): number {
    return this.#limiter.numRequeues(item);
  }

  /**
   * The next item, waiting for one if need be; `undefined` once the queue shuts down (or
   * `signal` aborts). Call {@link done} when finished with it.
   */
  get(signal?: AbortSignal): Promise<K | undefined> {
    if (this.#head < this.#queue.length) {
      const item = this.#queue[this.#head++];
      if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
        this.#queue = this.#queue.slice(this.#head);
        this.#head = 0;
      }
      this.#dirty.delete(item);
      this.#processing.add(item);
      return Promise.resolve(item);
    }
    if (this.#shuttingDown || signal?.aborted) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const getter = (item: K | undefined) => {
        signal?.removeEventListener("abort", onAbort);
        resolve(item);
      };
      const onAbort = () => {
        this.#getters = this.#getters.filter((g) => g !== getter);
        resolve(undefined);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#getters.push(getter);
    });
  }

  /** Marks `item` processed; if it was added meanwhile, it is queued again. */
  done(item: K): void {
    this.#processing.delete(item);
    if (this.#dirty.has(item)) {
      this.#dirty.delete(item);
      this.add(item);
    }
  }

  /** Stops handing out items: waiting getters get `undefined`, delayed items are dropped. */
  shutDown(): void {
    this.#shuttingDown = true;
    for (const { timer } of this.#waiting.values()) timer.cancel();
    this.#waiting.clear();
    const getters = this.#getters;
    this.#getters = [];
    for (const g of getters) g(undefined);
  }
}

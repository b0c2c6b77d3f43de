/**
 * One priority level's seats and queues: at most `seats` requests run at once; the rest wait in
 * a FIFO queue per flow, served round-robin across flows so one flooding client cannot starve
 * another of the same level, each flow holding at most `queueLengthLimit` and the level at most
 * `maxQueued`. A request that finds no room, or waits longer than the wait limit, is rejected.
 *
 * @module
 */

export interface PriorityLevelOptions {
  name: string;
  /** Requests running at once; Infinity for an exempt level. */
  seats: number;
  /** Waiting requests per flow; 0 rejects at once (limitResponse Reject). */
  queueLengthLimit: number;
  /** Waiting requests in the whole level. */
  maxQueued: number;
  /** The longest a request waits for a seat. */
  waitLimitMs: number;
}

interface Waiter {
  resolve(): void;
  reject(): void;
}

/** Why a request got no seat. */
export class Rejected extends Error {
  constructor(level: string, why: string) {
    super(`priority level ${level}: ${why}`);
    this.name = "Rejected";
  }
}

export class PriorityLevel {
  #opts: PriorityLevelOptions;
  #running = 0;
  #queued = 0;
  /** Waiting requests by flow; Map order is the round-robin order. */
  readonly #queues = new Map<string, Waiter[]>();

  constructor(opts: PriorityLevelOptions) {
    this.#opts = opts;
  }

  get opts(): PriorityLevelOptions {
    return this.#opts;
  }

  /** New limits (the configuration object changed); more seats admit waiting requests now. */
  reconfigure(opts: PriorityLevelOptions): void {
    this.#opts = opts;
    this.#dispatch();
  }

  get running(): number {
    return this.#running;
  }

  get queued(): number {
    return this.#queued;
  }

  /** Resolves once a seat is taken (call `release()` after); rejects with {@link Rejected}. */
  acquire(flow: string, signal?: AbortSignal): Promise<void> {
    if (this.#running < this.#opts.seats && this.#queued === 0) {
      this.#running++;
      return Promise.resolve();
    }
    const queue = this.#queues.get(flow) ?? [];
    if (queue.length >= this.#opts.queueLengthLimit || this.#queued >= this.#opts.maxQueued) {
      return Promise.reject(new Rejected(this.#opts.name, "queue full"));
    }
    return new Promise<void>((resolve, reject) => {
      const leave = () => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        const q = this.#queues.get(flow);
        const i = q?.indexOf(waiter) ?? -1;
        if (i < 0) return false;
        q!.splice(i, 1);
        if (!q!.length) this.#queues.delete(flow);
        this.#queued--;
        return true;
      };
      const waiter: Waiter = {
        resolve: () => {
          clearTimeout(timer);
          signal?.removeEventListener("abort", onAbort);
          resolve();
        },
        reject: () => reject(new Rejected(this.#opts.name, "waited too long")),
      };
      const timer = setTimeout(() => {
        if (leave()) waiter.reject();
      }, this.#opts.waitLimitMs);
      const onAbort = () => {
        if (leave()) reject(new Rejected(this.#opts.name, "client went away"));
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      queue.push(waiter);
      this.#queues.set(flow, queue);
      this.#queued++;
    });
  }

  /** Frees a seat and hands it to the next flow's oldest waiting request. */
  release(): void {
    this.#running--;
    this.#dispatch();
  }

  #dispatch(): void {
    while (this.#running < this.#opts.seats && this.#queued > 0) {
      const [flow, queue] = this.#queues.entries().next().value!;
      const waiter = queue.shift()!;
      this.#queues.delete(flow);
      if (queue.length) this.#queues.set(flow, queue);
      this.#queued--;
      this.#running++;
      waiter.resolve();
    }
  }
}

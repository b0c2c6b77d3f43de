/**
 * A bounded window of recent events in revision order, with the revision from which it is
 * complete: every event after {@link EventWindow.oldest} is still held, so a watch may start at
 * any revision from `oldest` on. Each resource's watch cache keeps one, and so does the cacher for
 * every resource at once (to seed a cache that is filled later).
 *
 * @module
 */

/** How far back a watch may start, in events and in time. */
export interface WindowLimits {
  maxEvents: number;
  maxAgeMs: number;
}

export const DEFAULT_WINDOW: WindowLimits = { maxEvents: 2_000, maxAgeMs: 3 * 60_000 };

/** One held event: its revision, what it is, and when it arrived (ms). */
export interface WindowEntry<T> {
  rv: number;
  item: T;
  at: number;
}

export class EventWindow<T> {
  #entries: WindowEntry<T>[] = [];
  #start = 0;
  #oldest: number;
  #limits: WindowLimits;

  /** An empty window, complete from `oldest` (the revision its owner started at). */
  constructor(oldest: number, limits: WindowLimits = DEFAULT_WINDOW) {
    this.#oldest = oldest;
    this.#limits = limits;
  }

  /** Every event with a revision above this one is held. */
  get oldest(): number {
    return this.#oldest;
  }

  get length(): number {
    return this.#entries.length - this.#start;
  }

  /** Appends an event newer than every held one, then drops the ones too many or too old. */
  push(rv: number, item: T, at: number): void {
    this.#entries.push({ rv, item, at });
    this.#trim(at);
  }

  /** The held events with a revision above `rv`, oldest first. */
  *after(rv: number): Generator<WindowEntry<T>> {
    for (let i = this.#start; i < this.#entries.length; i++) {
      const entry = this.#entries[i];
      if (entry.rv > rv) yield entry;
    }
  }

  #trim(now: number): void {
    const entries = this.#entries;
    const { maxEvents, maxAgeMs } = this.#limits;
    while (
      this.#start < entries.length &&
      (entries.length - this.#start > maxEvents || now - entries[this.#start].at > maxAgeMs)
    ) {
      // Nothing after the dropped event is missing, so a watch may still start right at it.
      this.#oldest = entries[this.#start].rv;
      this.#start++;
    }
    if (this.#start > 1024 && this.#start * 2 > entries.length) {
      this.#entries = entries.slice(this.#start);
      this.#start = 0;
    }
  }
}

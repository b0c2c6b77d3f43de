/**
 * The {@link Reflector}: keeps a store in step with the server by listing, then watching from the
 * list's resourceVersion; re-watches from the last seen version when a watch ends, relists after
 * 410 Gone, and backs off after failures. With `useWatchList` it starts with one
 * `sendInitialEvents` watch instead of a list.
 *
 * @module
 */
import type { KubeList, KubeObject } from "../meta.ts";
import { Backoff, type BackoffOptions } from "./backoff.ts";
import type { KubeClient } from "./client.ts";
import { type Clock, realClock } from "./clock.ts";
import { isGone } from "./errors.ts";
import { type Logger, silentLogger } from "./log.ts";
import type { Resource } from "./resources.ts";
import { INITIAL_EVENTS_END, type WatchEvent } from "./watch.ts";

/** Options a {@link ListerWatcher} receives from the reflector. */
export interface ListWatchOptions {
  resourceVersion?: string;
  limit?: number;
  continue?: string;
  allowWatchBookmarks?: boolean;
  sendInitialEvents?: boolean;
  timeoutSeconds?: number;
  signal?: AbortSignal;
}

/** The two calls a reflector makes; {@linkcode listWatch} builds one from a client. */
export interface ListerWatcher<T extends KubeObject> {
  list(options: ListWatchOptions): Promise<KubeList<T>>;
  watch(options: ListWatchOptions): AsyncIterable<WatchEvent<T>>;
}

/** What the selectors of a list+watch narrow to. */
export interface ListWatchScope {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
}

/** A {@link ListerWatcher} for one resource through a client. */
export function listWatch<T extends KubeObject>(
  client: KubeClient,
  res: Resource<T>,
  scope: ListWatchScope = {},
): ListerWatcher<T> {
  return {
    list: (o) =>
      client.list(res, {
        ...scope,
        resourceVersion: o.resourceVersion,
        limit: o.limit,
        continue: o.continue,
        signal: o.signal,
      }),
    watch: (o) =>
      client.watch(res, {
        ...scope,
        resourceVersion: o.resourceVersion,
        allowWatchBookmarks: o.allowWatchBookmarks,
        sendInitialEvents: o.sendInitialEvents,
        timeoutSeconds: o.timeoutSeconds,
        signal: o.signal,
      }),
  };
}

/** Where a reflector puts what it sees. */
export interface ReflectorStore<T extends KubeObject> {
  /** Everything the server has now (after a list, or the initial events of a watch). */
  replace(items: T[], resourceVersion: string): void | Promise<void>;
  add(obj: T): void;
  update(obj: T): void;
  delete(obj: T): void;
}

/** Options of {@linkcode Reflector}. */
export interface ReflectorOptions<T extends KubeObject> {
  /** For log lines, e.g. `pods`. */
  name: string;
  listerWatcher: ListerWatcher<T>;
  store: ReflectorStore<T>;
  clock?: Clock;
  log?: Logger;
  /** Page size of lists (default 500). */
  pageSize?: number;
  /** Start with a `sendInitialEvents` watch instead of a list. */
  useWatchList?: boolean;
  /** Each watch asks the server to end after a random time in [min, 2×min] s (default 300). */
  minWatchTimeoutSeconds?: number;
  backoff?: BackoffOptions;
}

/** Keeps a store in step with a resource on the server. */
export class Reflector<T extends KubeObject> {
  readonly #o: ReflectorOptions<T>;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #backoff: Backoff;
  #rv = "";
  #lists = 0;

  constructor(options: ReflectorOptions<T>) {
    this.#o = options;
    this.#clock = options.clock ?? realClock;
    this.#log = options.log ?? silentLogger;
    this.#backoff = new Backoff(this.#clock, options.backoff);
  }

  /** The resourceVersion the store is current to ("" before the first sync). */
  get lastSyncResourceVersion(): string {
    return this.#rv;
  }

  /** How many full lists (or initial-event watches) were made: 1 plus one per relist. */
  get listCount(): number {
    return this.#lists;
  }

  /** Runs until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        if (this.#rv === "") {
          if (this.#o.useWatchList) await this.#watchList(signal);
          else await this.#list(signal);
        }
        await this.#watch(this.#rv, signal);
        this.#backoff.reset();
      } catch (err) {
        if (signal.aborted) break;
        if (isGone(err)) {
          this.#log.info(`${this.#o.name}: ${(err as Error).message}; relisting`);
          this.#rv = "";
          continue;
        }
        const wait = this.#backoff.next();
        this.#log.warn(
          `${this.#o.name}: list/watch failed: ${(err as Error).message}; retrying in ${
            Math.round(wait)
          } ms`,
        );
        await this.#clock.sleep(wait, signal);
      }
    }
  }

  async #list(signal: AbortSignal): Promise<void> {
    const items: T[] = [];
    let cont: string | undefined;
    let rv = "";
    do {
      const page = await this.#o.listerWatcher.list({
        limit: this.#o.pageSize ?? 500,
        continue: cont,
        signal,
      });
      items.push(...page.items);
      cont = page.metadata?.continue || undefined;
      rv = page.metadata?.resourceVersion ?? "";
    } while (cont);
    if (signal.aborted) return;
    this.#lists++;
    await this.#o.store.replace(items, rv);
    this.#rv = rv;
  }

  /** A `sendInitialEvents` watch: initial ADDED events, then the end bookmark, then changes. */
  async #watchList(signal: AbortSignal): Promise<void> {
    const dog = this.#watchdog(signal);
    const events = this.#o.listerWatcher.watch({
      sendInitialEvents: true,
      allowWatchBookmarks: true,
      timeoutSeconds: this.#timeoutSeconds(),
      signal: dog.signal,
    });
    const initial: T[] = [];
    let synced = false;
    try {
      for await (const ev of events) {
        dog.touch();
        const rv = ev.object.metadata?.resourceVersion ?? "";
        if (!synced) {
          if (ev.type === "BOOKMARK") {
            if (ev.object.metadata?.annotations?.[INITIAL_EVENTS_END] === "true") {
              synced = true;
              this.#lists++;
              await this.#o.store.replace(initial, rv);
              this.#rv = rv;
            }
          } else if (ev.type === "ADDED") initial.push(ev.object);
          continue;
        }
        this.#apply(ev);
        if (rv) this.#rv = rv;
      }
    } finally {
      dog.done();
    }
  }

  async #watch(from: string, signal: AbortSignal): Promise<void> {
    const dog = this.#watchdog(signal);
    const events = this.#o.listerWatcher.watch({
      resourceVersion: from,
      allowWatchBookmarks: true,
      timeoutSeconds: this.#timeoutSeconds(),
      signal: dog.signal,
    });
    try {
      for await (const ev of events) {
        dog.touch();
        this.#apply(ev);
        const rv = ev.object.metadata?.resourceVersion;
        if (rv) this.#rv = rv;
      }
    } finally {
      dog.done();
    }
  }

  #apply(ev: WatchEvent<T>): void {
    const store = this.#o.store;
    if (ev.type === "ADDED") store.add(ev.object);
    else if (ev.type === "MODIFIED") store.update(ev.object);
    else if (ev.type === "DELETED") store.delete(ev.object);
  }

  #timeoutSeconds(): number {
    const min = this.#o.minWatchTimeoutSeconds ?? 300;
    return Math.floor(min * (1 + Math.random()));
  }

  /**
   * A signal for one watch that also aborts when the watch has been silent for longer than its
   * own timeout plus a minute (a dead connection that never said so); the run loop then
   * re-watches.
   */
  #watchdog(signal: AbortSignal): { signal: AbortSignal; touch(): void; done(): void } {
    const ac = new AbortController();
    const onAbort = () => ac.abort();
    signal.addEventListener("abort", onAbort, { once: true });
    const limitMs = ((this.#o.minWatchTimeoutSeconds ?? 300) * 2 + 60) * 1000;
    const clock = this.#clock;
    let last = clock.now();
    let timer = clock.after(limitMs, function check() {
      if (clock.now() - last >= limitMs) {
        stale = true;
        ac.abort();
      } else timer = clock.after(limitMs - (clock.now() - last), check);
    });
    let stale = false;
    return {
      signal: ac.signal,
      touch: () => void (last = clock.now()),
      done: () => {
        timer.cancel();
        signal.removeEventListener("abort", onAbort);
        if (stale && !signal.aborted) throw new Error("the watch was silent for too long");
      },
    };
  }
}

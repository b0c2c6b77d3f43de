/**
 * One etcd watch stream per {@link Watch}: created at `afterRevision + 1` with `prev_kv`, resumed
 * after a broken stream from the revision after the last one delivered (so no event is lost or
 * repeated), and ended with {@link CompactedError} when etcd reports the start was compacted.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { setTimeout as sleep } from "node:timers/promises";
import type { Etcd3, IEvent, IWatchResponse } from "etcd3";
import { CompactedError, type WatchEvent } from "../backend.ts";
import { prefixEndBytes } from "../key_range.ts";
import type { WatchQueue } from "../watch_queue.ts";

type Stream = Awaited<ReturnType<Etcd3["watchClient"]["watch"]>>;

export interface EtcdWatchOptions {
  client: Etcd3;
  prefix: string;
  /** 0: from when the stream is created. */
  afterRevision: number;
  queue: WatchQueue;
  /** Maps etcd events to ours (async: lease TTLs may need a lookup). */
  convert: (events: IEvent[]) => Promise<WatchEvent[]>;
  /** Reports a broken stream before it is resumed. */
  onError: (error: Error) => void;
}

const MAX_BACKOFF_MS = 5_000;

type Outcome = { compacted: number } | { error: Error; healthy: boolean };

/** Streams events into `options.queue` until the queue ends. */
export class EtcdWatch {
  #options: EtcdWatchOptions;
  /** The revision to (re)start from; 0 until known for a watch "from now". */
  #next: number;
  #stream: Stream | null = null;
  #delivering: Promise<void> = Promise.resolve();
  #abort = new AbortController();

  constructor(options: EtcdWatchOptions) {
    this.#options = options;
    this.#next = options.afterRevision > 0 ? options.afterRevision + 1 : 0;
    this.#run().catch((error) => options.queue.fail(error));
  }

  /** Cancels the stream (the queue has ended). */
  cancel(): void {
    this.#abort.abort();
    this.#stream?.cancel();
  }

  async #run(): Promise<void> {
    const { queue } = this.#options;
    let backoff = 100;
    while (!queue.ended) {
      const outcome = await this.#streamOnce().catch((error: Error) => ({ error, healthy: false }));
      if (queue.ended) return;
      if ("compacted" in outcome) {
        await this.#delivering;
        queue.fail(new CompactedError(this.#next, outcome.compacted));
        return;
      }
      if (outcome.healthy) backoff = 100;
      this.#options.onError(outcome.error);
      await sleep(backoff, undefined, { signal: this.#abort.signal }).catch(() => undefined);
      backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
    }
  }

  /** Runs one stream until it breaks; `healthy` when etcd had created the watch. */
  async #streamOnce(): Promise<Outcome> {
    const stream = await this.#options.client.watchClient.watch();
    this.#stream = stream;
    if (this.#options.queue.ended) {
      stream.cancel();
      return { error: new Error("the watch ended"), healthy: false };
    }
    const prefix = Buffer.from(this.#options.prefix);
    let healthy = false;
    const outcome = await new Promise<Outcome>((resolve) => {
      stream.on("data", (response: IWatchResponse) => {
        const compacted = Number(response.compact_revision);
        if (compacted > 0) return resolve({ compacted });
        if (response.canceled) {
          const error = new Error(`etcd canceled the watch: ${response.cancel_reason}`);
          return resolve({ error, healthy });
        }
        if (response.created) {
          healthy = true;
          if (this.#next === 0) this.#next = Number(response.header.revision) + 1;
        }
        if (response.events.length > 0) this.#deliver(response.events);
      });
      stream.on("error", (error: Error) => resolve({ error, healthy }));
      stream.on("end", () => resolve({ error: new Error("etcd ended the watch stream"), healthy }));
      stream.write({
        create_request: {
          // An empty prefix is every key: from "\0" with etcd's "to the end" range_end "\0".
          key: prefix.length > 0 ? prefix : Buffer.from([0]),
          range_end: Buffer.from(prefixEndBytes(prefix)),
          start_revision: this.#next,
          prev_kv: true,
        },
      });
    });
    stream.cancel();
    return outcome;
  }

  #deliver(events: IEvent[]): void {
    this.#next = Number(events[events.length - 1].kv.mod_revision) + 1;
    const { convert, queue } = this.#options;
    this.#delivering = this.#delivering
      .then(() => convert(events))
      .then((converted) => queue.push(converted), (error) => queue.fail(error));
  }
}

/**
 * The etcd backend's watches, all multiplexed on one gRPC watch stream (as etcd's own client
 * does) with watch IDs chosen here. Each watch starts at `afterRevision + 1` with `prev_kv`;
 * after a broken stream every watch is re-created on a new one from the revision after the last
 * it delivered, so no event is lost or repeated; a start etcd reports as compacted ends that
 * watch with {@link CompactedError}.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { clearTimeout, setTimeout } from "node:timers";
import { CompactedError, DatastoreUnavailableError, type WatchEvent } from "../backend.ts";
import { prefixEndBytes } from "../key_range.ts";
import type { WatchQueue } from "../watch_queue.ts";
import type { EtcdClient, WatchStream } from "./client.ts";
import { type Event, int, type WatchResponse } from "./messages.ts";

/** Maps etcd events to ours (async: lease TTLs may need a lookup). */
export type ConvertEvents = (events: Event[]) => Promise<WatchEvent[]>;

interface Entry {
  id: number;
  prefix: Buffer;
  /** The revision to (re)start from; 0 until etcd says where "from now" is. */
  next: number;
  queue: WatchQueue;
  delivering: Promise<void>;
}

const FIRST_BACKOFF_MS = 100;
const MAX_BACKOFF_MS = 5_000;

export class WatchMux {
  #client: EtcdClient;
  #convert: ConvertEvents;
  #onError: (error: Error) => void;
  #entries = new Map<number, Entry>();
  #stream: WatchStream | null = null;
  #retry: ReturnType<typeof setTimeout> | null = null;
  #backoff = FIRST_BACKOFF_MS;
  #lastId = 0;
  #closed = false;

  /** `onError` hears of each broken stream before it is replaced. */
  constructor(client: EtcdClient, convert: ConvertEvents, onError: (error: Error) => void) {
    this.#client = client;
    this.#convert = convert;
    this.#onError = onError;
  }

  /** Streams changes under `prefix` into `queue`; returns the function that cancels it. */
  watch(prefix: string, afterRevision: number, queue: WatchQueue): () => void {
    const entry: Entry = {
      id: ++this.#lastId,
      prefix: Buffer.from(prefix),
      next: afterRevision > 0 ? afterRevision + 1 : 0,
      queue,
      delivering: Promise.resolve(),
    };
    this.#entries.set(entry.id, entry);
    if (this.#stream) this.#create(this.#stream, entry);
    else this.#open();
    return () => this.#cancel(entry);
  }

  close(): void {
    this.#closed = true;
    if (this.#retry) clearTimeout(this.#retry);
    this.#entries.clear();
    this.#drop();
  }

  #cancel(entry: Entry): void {
    if (!this.#entries.delete(entry.id)) return;
    if (this.#entries.size === 0) this.#drop();
    else this.#stream?.write({ cancelRequest: { watchId: entry.id } });
  }

  #open(): void {
    if (this.#stream || this.#retry || this.#closed || this.#entries.size === 0) return;
    let stream: WatchStream;
    try {
      stream = this.#client.watch();
    } catch (error) {
      return this.#broken(null, error as Error);
    }
    this.#stream = stream;
    stream.on("data", (response: WatchResponse) => this.#dispatch(response));
    stream.on("error", (error: Error) => this.#broken(stream, error));
    stream.on("end", () => this.#broken(stream, new Error("etcd ended the watch stream")));
    for (const entry of this.#entries.values()) this.#create(stream, entry);
  }

  #create(stream: WatchStream, entry: Entry): void {
    stream.write({
      createRequest: {
        watchId: entry.id,
        // An empty prefix is every key: from "\0" with etcd's "to the end" range_end "\0".
        key: entry.prefix.length > 0 ? entry.prefix : Buffer.from([0]),
        rangeEnd: Buffer.from(prefixEndBytes(entry.prefix)),
        startRevision: entry.next,
        prevKv: true,
      },
    });
  }

  #dispatch(response: WatchResponse): void {
    const entry = this.#entries.get(int(response.watchId));
    if (!entry) {
      // Only a create etcd refused has no ID of ours (-1); it is a bug here, so say so.
      if (response.canceled && response.cancelReason) {
        this.#onError(new Error(`etcd refused a watch: ${response.cancelReason}`));
      }
      return;
    }
    const compacted = int(response.compactRevision);
    if (compacted > 0 || response.canceled) {
      this.#entries.delete(entry.id);
      const error = compacted > 0
        ? new CompactedError(entry.next, compacted)
        : new DatastoreUnavailableError(`etcd canceled the watch: ${response.cancelReason}`);
      entry.delivering = entry.delivering.then(() => entry.queue.fail(error));
      return;
    }
    if (response.created) {
      this.#backoff = FIRST_BACKOFF_MS;
      if (entry.next === 0) entry.next = int(response.header.revision) + 1;
    }
    const events = response.events;
    if (events.length === 0) return;
    entry.next = int(events[events.length - 1].kv!.modRevision) + 1;
    entry.delivering = entry.delivering
      .then(() => this.#convert(events))
      .then((converted) => entry.queue.push(converted), (error) => entry.queue.fail(error));
  }

  /** A stream broke: every watch moves to a new stream after a backoff. */
  #broken(stream: WatchStream | null, error: Error): void {
    if (stream && stream !== this.#stream) return;
    this.#drop();
    if (this.#closed || this.#entries.size === 0) return;
    this.#onError(error);
    this.#retry = setTimeout(() => {
      this.#retry = null;
      this.#open();
    }, this.#backoff);
    this.#retry.unref();
    this.#backoff = Math.min(this.#backoff * 2, MAX_BACKOFF_MS);
  }

  /** Forgets the current stream, then cancels it (its own error event is then ignored). */
  #drop(): void {
    const stream = this.#stream;
    this.#stream = null;
    stream?.cancel();
  }
}

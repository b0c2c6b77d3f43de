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
import type { Etcd3, IEvent, IWatchResponse } from "etcd3";
import { CompactedError, DatastoreUnavailableError, type WatchEvent } from "../backend.ts";
import { prefixEndBytes } from "../key_range.ts";
import type { WatchQueue } from "../watch_queue.ts";

type Stream = Awaited<ReturnType<Etcd3["watchClient"]["watch"]>>;

/** Maps etcd events to ours (async: lease TTLs may need a lookup). */
export type ConvertEvents = (events: IEvent[]) => Promise<WatchEvent[]>;

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
  #client: Etcd3;
  #convert: ConvertEvents;
  #onError: (error: Error) => void;
  #entries = new Map<number, Entry>();
  #stream: Stream | null = null;
  #opening = false;
  #retry: ReturnType<typeof setTimeout> | null = null;
  #backoff = FIRST_BACKOFF_MS;
  #lastId = 0;
  #closed = false;

  /** `onError` hears of each broken stream before it is replaced. */
  constructor(client: Etcd3, convert: ConvertEvents, onError: (error: Error) => void) {
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
    else this.#stream?.write({ cancel_request: { watch_id: entry.id } });
  }

  #open(): void {
    if (this.#opening || this.#stream || this.#retry || this.#closed) return;
    if (this.#entries.size === 0) return;
    this.#opening = true;
    this.#client.watchClient.watch().then((stream) => {
      this.#opening = false;
      if (this.#closed || this.#entries.size === 0) return stream.cancel();
      this.#stream = stream;
      stream.on("data", (response: IWatchResponse) => this.#dispatch(response));
      stream.on("error", (error: Error) => this.#broken(stream, error));
      stream.on("end", () => this.#broken(stream, new Error("etcd ended the watch stream")));
      for (const entry of this.#entries.values()) this.#create(stream, entry);
    }, (error: Error) => {
      this.#opening = false;
      this.#broken(null, error);
    });
  }

  #create(stream: Stream, entry: Entry): void {
    stream.write({
      create_request: {
        watch_id: entry.id,
        // An empty prefix is every key: from "\0" with etcd's "to the end" range_end "\0".
        key: entry.prefix.length > 0 ? entry.prefix : Buffer.from([0]),
        range_end: Buffer.from(prefixEndBytes(entry.prefix)),
        start_revision: entry.next,
        prev_kv: true,
      },
    });
  }

  #dispatch(response: IWatchResponse): void {
    const entry = this.#entries.get(Number(response.watch_id));
    if (!entry) {
      // Only a create etcd refused has no ID of ours (-1); it is a bug here, so say so.
      if (response.canceled && response.cancel_reason) {
        this.#onError(new Error(`etcd refused a watch: ${response.cancel_reason}`));
      }
      return;
    }
    const compacted = Number(response.compact_revision);
    if (compacted > 0 || response.canceled) {
      this.#entries.delete(entry.id);
      const error = compacted > 0
        ? new CompactedError(entry.next, compacted)
        : new DatastoreUnavailableError(`etcd canceled the watch: ${response.cancel_reason}`);
      entry.delivering = entry.delivering.then(() => entry.queue.fail(error));
      return;
    }
    if (response.created) {
      this.#backoff = FIRST_BACKOFF_MS;
      if (entry.next === 0) entry.next = Number(response.header.revision) + 1;
    }
    const events = response.events;
    if (events.length === 0) return;
    entry.next = Number(events[events.length - 1].kv.mod_revision) + 1;
    entry.delivering = entry.delivering
      .then(() => this.#convert(events))
      .then((converted) => entry.queue.push(converted), (error) => entry.queue.fail(error));
  }

  /** A stream broke: every watch moves to a new stream after a backoff. */
  #broken(stream: Stream | null, error: Error): void {
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

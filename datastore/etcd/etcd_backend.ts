/**
 * The datastore on a real etcd cluster, through the small gRPC client in `client.ts` (loaded by
 * start()). Every conditional write is one etcd transaction comparing `mod_revision` (update,
 * delete) or `create_revision == 0` (create); TTLs are etcd leases; keys are used as given.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { clearInterval, setInterval } from "node:timers";
import {
  type Backend,
  CompactedError,
  DatastoreUnavailableError,
  FutureRevisionError,
  KeyExistsError,
  type KeyValue,
  type ListOptions,
  type ListResult,
  type Watch,
  type WatchOptions,
  type WriteResult,
} from "../backend.ts";
import { prefixEndBytes } from "../key_range.ts";
import { WatchQueue } from "../watch_queue.ts";
import type { EtcdClient } from "./client.ts";
import {
  connect,
  type ConnectOptions,
  describe,
  isCompacted,
  isFutureRevision,
} from "./connect.ts";
import { Converter } from "./convert.ts";
import { WatchMux } from "./etcd_watch.ts";
import { LeaseTtls } from "./lease_ttls.ts";
import {
  EQUAL,
  int,
  type KeyValue as EtcdKeyValue,
  TARGET_CREATE,
  TARGET_MOD,
} from "./messages.ts";

export interface EtcdBackendOptions extends ConnectOptions {
  /** Revisions of history the automatic compaction keeps (default 1000). */
  compactKeep?: number;
  /** How often the automatic compaction runs, in ms (default 5 minutes); 0 turns it off. */
  compactIntervalMs?: number;
  /** Where failures of background work (compaction, broken watch streams) are reported. */
  onError?: (error: Error) => void;
}

const FIRST_KEY = Buffer.from([0]);

export class EtcdBackend implements Backend {
  #options: EtcdBackendOptions;
  #client: EtcdClient | null = null;
  /** A lower bound of etcd's compacted revision (what this process compacted or saw). */
  #compacted = 0;
  #leases: LeaseTtls | null = null;
  #convert: Converter | null = null;
  #mux: WatchMux | null = null;
  #watches = new Set<WatchQueue>();
  #compactTimer: ReturnType<typeof setInterval> | null = null;
  #closed = false;

  constructor(options: EtcdBackendOptions) {
    this.#options = options;
  }

  /**
   * Connects, retrying with backoff while etcd is unreachable for up to `startTimeoutMs`
   * (default 60 s) or until `signal` aborts; see {@link connect}.
   */
  async start(): Promise<void> {
    if (this.#closed) throw new DatastoreUnavailableError("Cannot start a closed etcd datastore");
    if (this.#client) return;
    const client = await connect(this.#options);
    if (this.#closed) {
      client.close();
      throw this.#unusable();
    }
    this.#client = client;
    this.#leases = new LeaseTtls(client);
    const convert = new Converter(this.#leases);
    this.#convert = convert;
    this.#mux = new WatchMux(client, (events) => convert.events(events), (e) => this.#report(e));
    const interval = this.#options.compactIntervalMs ?? 5 * 60_000;
    if (interval > 0) {
      this.#compactTimer = setInterval(() => this.#autoCompact(), interval);
      this.#compactTimer.unref();
    }
  }

  async currentRevision(): Promise<number> {
    const response = await this.#call((c) => c.range({ key: FIRST_KEY, countOnly: true }));
    return int(response.header.revision);
  }

  async get(key: string, revision = 0): Promise<{ revision: number; kv: KeyValue | null }> {
    const response = await this.#call((c) => c.range({ key: Buffer.from(key), revision }), {
      revision,
    });
    const [kv] = await this.#kvs(response.kvs);
    return { revision: int(response.header.revision), kv: kv ?? null };
  }

  async create(key: string, value: Uint8Array, ttlSeconds = 0): Promise<number> {
    const lease = await this.#lease(ttlSeconds);
    const k = Buffer.from(key);
    const response = await this.#call((c) =>
      c.txn({
        compare: [{ key: k, target: TARGET_CREATE, result: EQUAL, createRevision: 0 }],
        success: [{ requestPut: { key: k, value: buffer(value), lease } }],
      })
    );
    if (!response.succeeded) {
      this.#leases!.revoke(lease);
      throw new KeyExistsError(key);
    }
    return int(response.header.revision);
  }

  async update(
    key: string,
    value: Uint8Array,
    revision: number,
    ttlSeconds = 0,
  ): Promise<WriteResult> {
    if (revision <= 0) return await this.#failed(key);
    const lease = await this.#lease(ttlSeconds);
    const k = Buffer.from(key);
    const response = await this.#call((c) =>
      c.txn({
        compare: [{ key: k, target: TARGET_MOD, result: EQUAL, modRevision: revision }],
        success: [{ requestPut: { key: k, value: buffer(value), lease, prevKv: true } }],
        failure: [{ requestRange: { key: k } }],
      })
    );
    const written = int(response.header.revision);
    if (!response.succeeded) {
      this.#leases!.revoke(lease);
      const [kv] = await this.#kvs(response.responses[0].responseRange!.kvs);
      return { ok: false, revision: written, kv: kv ?? null };
    }
    const previous = response.responses[0].responsePut!.prevKv!;
    return {
      ok: true,
      revision: written,
      kv: {
        key,
        value,
        createRevision: int(previous.createRevision),
        modRevision: written,
        lease: Math.ceil(ttlSeconds),
      },
    };
  }

  async delete(key: string, revision: number): Promise<WriteResult> {
    const k = Buffer.from(key);
    const response = await this.#call((c) =>
      c.txn({
        compare: revision > 0
          ? [{ key: k, target: TARGET_MOD, result: EQUAL, modRevision: revision }]
          : [],
        success: [{ requestDeleteRange: { key: k, prevKv: true } }],
        failure: [{ requestRange: { key: k } }],
      })
    );
    const current = int(response.header.revision);
    if (!response.succeeded) {
      const [kv] = await this.#kvs(response.responses[0].responseRange!.kvs);
      return { ok: false, revision: current, kv: kv ?? null };
    }
    const [kv] = await this.#kvs(response.responses[0].responseDeleteRange!.prevKvs);
    return kv ? { ok: true, revision: current, kv } : { ok: false, revision: current, kv: null };
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListResult> {
    const revision = options.revision ?? 0;
    const [key, rangeEnd] = range(prefix, options.startKey);
    const response = await this.#call(
      (c) => c.range({ key, rangeEnd, limit: options.limit ?? 0, revision }),
      { revision },
    );
    return {
      revision: revision > 0 ? revision : int(response.header.revision),
      kvs: await this.#kvs(response.kvs),
      more: response.more,
    };
  }

  async count(prefix: string): Promise<{ revision: number; count: number }> {
    const [key, rangeEnd] = range(prefix);
    const response = await this.#call((c) => c.range({ key, rangeEnd, countOnly: true }));
    return { revision: int(response.header.revision), count: int(response.count) };
  }

  watch(prefix: string, options: WatchOptions = {}): Watch {
    let cancel = () => {};
    const queue = new WatchQueue(() => {
      this.#watches.delete(queue);
      cancel();
    }, options.signal);
    if (!this.#mux || this.#closed) {
      queue.fail(this.#unusable());
      return queue;
    }
    this.#watches.add(queue);
    cancel = this.#mux.watch(prefix, options.afterRevision ?? 0, queue);
    if (queue.ended) cancel();
    return queue;
  }

  async compact(revision: number): Promise<number> {
    const current = await this.currentRevision();
    if (revision > current) throw new FutureRevisionError(revision, current);
    try {
      await this.#call((c) => c.compact({ revision, physical: true }));
      this.#compacted = Math.max(this.#compacted, revision);
      return revision;
    } catch (error) {
      if (!(error instanceof CompactedError)) throw error;
      return error.compacted;
    }
  }

  /**
   * etcd does not report its compacted revision, but a read below it fails: this finds the
   * lowest readable revision by binary search from the last one known (a few cheap count-only
   * reads), and reports 0 when revision 1 is still readable.
   */
  async compactRevision(): Promise<number> {
    let low = Math.max(this.#compacted, 1);
    let high = await this.currentRevision();
    while (low < high) {
      const middle = Math.floor((low + high) / 2);
      if (await this.#readable(middle)) high = middle;
      else low = middle + 1;
    }
    this.#compacted = Math.max(this.#compacted, low);
    return low > 1 ? low : 0;
  }

  async #readable(revision: number): Promise<boolean> {
    try {
      await this.#live().range({ key: FIRST_KEY, revision, countOnly: true });
      return true;
    } catch (error) {
      if (isCompacted(error)) return false;
      throw this.#unavailable(error);
    }
  }

  async dbSize(): Promise<number> {
    const status = await this.#call((c) => c.status());
    return int(status.dbSize);
  }

  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    if (this.#compactTimer) clearInterval(this.#compactTimer);
    for (const queue of this.#watches) queue.end();
    this.#mux?.close();
    this.#client?.close();
    return Promise.resolve();
  }

  #live(): EtcdClient {
    if (!this.#client || this.#closed) throw this.#unusable();
    return this.#client;
  }

  /** Runs an etcd call, turning its errors into the datastore's. */
  async #call<T>(
    request: (client: EtcdClient) => Promise<T>,
    read?: { revision: number },
  ): Promise<T> {
    const client = this.#live();
    try {
      return await request(client);
    } catch (error) {
      const revision = read?.revision ?? 0;
      if (isCompacted(error)) {
        const compacted = await this.compactRevision().catch(() => this.#compacted);
        throw new CompactedError(revision, compacted);
      }
      if (isFutureRevision(error)) {
        throw new FutureRevisionError(revision, await this.currentRevision().catch(() => 0));
      }
      throw this.#unavailable(error);
    }
  }

  #unavailable(error: unknown): DatastoreUnavailableError {
    if (error instanceof DatastoreUnavailableError) return error;
    return new DatastoreUnavailableError(
      `Cannot use etcd at ${this.#options.endpoint}: ${describe(error)}`,
      { cause: error },
    );
  }

  #unusable(): DatastoreUnavailableError {
    const state = this.#closed ? "closed" : "not started";
    return new DatastoreUnavailableError(
      `Cannot use etcd at ${this.#options.endpoint}: the datastore is ${state}`,
    );
  }

  async #lease(ttlSeconds: number): Promise<string> {
    if (ttlSeconds <= 0) return "0";
    return await this.#call(() => this.#leases!.grant(Math.ceil(ttlSeconds)));
  }

  #kvs(raw: Array<EtcdKeyValue | null | undefined>): Promise<KeyValue[]> {
    return this.#convert!.kvs(raw);
  }

  async #failed(key: string): Promise<WriteResult> {
    const { revision, kv } = await this.get(key);
    return { ok: false, revision, kv };
  }

  #autoCompact(): void {
    const keep = this.#options.compactKeep ?? 1000;
    this.currentRevision()
      .then((current) => current - keep > this.#compacted ? this.compact(current - keep) : 0)
      .catch((error) => this.#report(error));
  }

  #report(error: Error): void {
    (this.#options.onError ?? ((e: Error) => console.error(e.message)))(error);
  }
}

/** The bytes of `value` as a Buffer, without a copy (protobufjs copies Buffers fastest). */
function buffer(value: Uint8Array): Buffer {
  return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
}

/** etcd's [key, range_end) for a prefix, starting at `startKey` when that is later. */
function range(prefix: string, startKey = ""): [Buffer, Buffer] {
  const bytes = Buffer.from(prefix);
  const start = startKey > prefix ? Buffer.from(startKey) : bytes;
  return [start.length > 0 ? start : FIRST_KEY, Buffer.from(prefixEndBytes(bytes))];
}

/**
 * The revisioned key-value interface between the API server and its storage, with etcd/kine
 * semantics. Every backend (sqlite, etcd) implements {@link Backend} and passes the same
 * conformance suite; nothing above this interface sees SQL or etcd.
 *
 * Revisions are one global, strictly increasing counter: every successful write gets a new one.
 * A new store is at revision 1 (as etcd), so 0 never names a real state and means "newest".
 *
 * @module
 */

/** One stored key at one revision. */
export interface KeyValue {
  key: string;
  value: Uint8Array;
  /** The revision at which this key was created (kept across updates). */
  createRevision: number;
  /** The revision of the write that produced this value. */
  modRevision: number;
  /** Time to live in seconds given at the write, 0 for none. */
  lease: number;
}

/** One change seen by a watch. */
export interface WatchEvent {
  type: "create" | "update" | "delete";
  /** For a delete: the key with its last value and `modRevision` = the delete's revision. */
  kv: KeyValue;
  /** The value before this change (absent on create). */
  prevKv?: KeyValue;
}

/** Result of a conditional write: `ok` false means the revision did not match. */
export interface WriteResult {
  ok: boolean;
  /** The store's revision after the operation (the new revision when `ok`). */
  revision: number;
  /**
   * When `ok`: the written key (for a delete: the key as it was before it). When not `ok`: the
   * current value, or null when the key does not exist.
   */
  kv: KeyValue | null;
}

export interface ListOptions {
  /** Start listing at this key (inclusive), for pagination. */
  startKey?: string;
  /** At most this many keys; 0 or absent for all. */
  limit?: number;
  /** List as of this revision; 0 or absent for the latest. */
  revision?: number;
}

export interface ListResult {
  /** The revision the list was read at. */
  revision: number;
  kvs: KeyValue[];
  /** True when `limit` cut the list short. */
  more: boolean;
}

export interface WatchOptions {
  /**
   * Deliver every change with revision > `afterRevision`. 0 means "from now" (for etcd: from
   * when the watch is established), so pass the revision of a list or get to miss nothing.
   * Throws {@link CompactedError} when `afterRevision + 1` < the compacted revision.
   */
  afterRevision?: number;
  signal?: AbortSignal;
}

/**
 * A live watch. Events arrive in revision order, each exactly once, batched by revision.
 * The iterator ends when the signal aborts, the backend closes, or it throws
 * {@link CompactedError} when asked to start below the compacted revision.
 */
export type Watch = AsyncIterable<WatchEvent[]>;

export interface Backend {
  /** Opens the store (creating its schema when new); fails clearly on a corrupt or unreachable store. */
  start(): Promise<void>;
  /** The newest revision. */
  currentRevision(): Promise<number>;
  /**
   * The key's value, latest or as of `revision`; `revision` in the result is the store's newest.
   * Throws {@link CompactedError} or {@link FutureRevisionError} for a revision out of range.
   */
  get(key: string, revision?: number): Promise<{ revision: number; kv: KeyValue | null }>;
  /** Create-if-absent. Throws {@link KeyExistsError} when the key exists. Returns the new revision. */
  create(key: string, value: Uint8Array, ttlSeconds?: number): Promise<number>;
  /** Update-if-revision: succeeds only when the key's `modRevision` equals `revision`. */
  update(
    key: string,
    value: Uint8Array,
    revision: number,
    ttlSeconds?: number,
  ): Promise<WriteResult>;
  /** Delete-if-revision; `revision` 0 deletes whatever is there. */
  delete(key: string, revision: number): Promise<WriteResult>;
  /** Keys starting with `prefix`, in key order. Throws {@link CompactedError} below the compacted revision. */
  list(prefix: string, options?: ListOptions): Promise<ListResult>;
  /** How many keys start with `prefix`. */
  count(prefix: string): Promise<{ revision: number; count: number }>;
  /** Changes to keys starting with `prefix`. */
  watch(prefix: string, options?: WatchOptions): Watch;
  /**
   * Drops the history before `revision` (etcd semantics: reading at `revision` itself still
   * works). A revision at or below the compacted one changes nothing; one above the newest
   * throws {@link FutureRevisionError}. Returns the compacted revision.
   */
  compact(revision: number): Promise<number>;
  /** Reads below this revision throw {@link CompactedError}; 0 when nothing was compacted. */
  compactRevision(): Promise<number>;
  /** Size of the store on disk in bytes, as far as known. */
  dbSize(): Promise<number>;
  /** Stops watches and releases the store. */
  close(): Promise<void>;
}

/** The key exists (create-if-absent lost). */
export class KeyExistsError extends Error {
  constructor(readonly key: string) {
    super(`Cannot create key ${key}: it already exists`);
    this.name = "KeyExistsError";
  }
}

/** The requested revision has been compacted away. */
export class CompactedError extends Error {
  constructor(readonly requested: number, readonly compacted: number) {
    super(
      `Cannot read revision ${requested}: it has been compacted (compacted revision ${compacted})`,
    );
    this.name = "CompactedError";
  }
}

/** The requested revision is newer than the store's. */
export class FutureRevisionError extends Error {
  constructor(readonly requested: number, readonly current: number) {
    super(`Cannot read revision ${requested}: the newest revision is ${current}`);
    this.name = "FutureRevisionError";
  }
}

/** The store cannot be used: unreadable, corrupt or unreachable. */
export class DatastoreUnavailableError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "DatastoreUnavailableError";
  }
}

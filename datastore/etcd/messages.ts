/**
 * The etcd messages the client sends and receives, as TypeScript types (field names in
 * protobufjs's camelCase), and the readers of their int64 fields. Free of protobufjs: the etcd
 * backend uses these without loading the gRPC client.
 *
 * Decoded messages carry every field (absent ones read as their default); int64 fields come back
 * as protobufjs `Long`s, read with {@link int} (revisions, counts) or {@link decimal} (lease IDs,
 * which use all 64 bits). Requests take numbers, or decimal strings for lease IDs.
 *
 * @module
 */

/** A decoded int64: a protobufjs `Long` (or a number when long.js is missing). */
export type Int64 = number | { toNumber(): number; toString(): string };

export interface ResponseHeader {
  revision: Int64;
}

export interface KeyValue {
  key: Uint8Array;
  createRevision: Int64;
  modRevision: Int64;
  value: Uint8Array;
  lease: Int64;
}

export interface RangeRequest {
  key: Uint8Array;
  rangeEnd?: Uint8Array;
  limit?: number;
  revision?: number;
  countOnly?: boolean;
}

export interface RangeResponse {
  header: ResponseHeader;
  kvs: KeyValue[];
  more: boolean;
  count: Int64;
}

export interface PutRequest {
  key: Uint8Array;
  value: Uint8Array;
  /** A lease ID (decimal string), "0" for none. */
  lease?: string;
  prevKv?: boolean;
}

export interface DeleteRangeRequest {
  key: Uint8Array;
  prevKv?: boolean;
}

export interface RequestOp {
  requestRange?: RangeRequest;
  requestPut?: PutRequest;
  requestDeleteRange?: DeleteRangeRequest;
}

export interface ResponseOp {
  responseRange: RangeResponse | null;
  responsePut: { header: ResponseHeader; prevKv: KeyValue | null } | null;
  responseDeleteRange: { header: ResponseHeader; prevKvs: KeyValue[] } | null;
}

/** `Compare.CompareResult` and `Compare.CompareTarget` values. */
export const EQUAL = 0;
export const TARGET_CREATE = 1;
export const TARGET_MOD = 2;

export interface Compare {
  key: Uint8Array;
  result: typeof EQUAL;
  target: typeof TARGET_CREATE | typeof TARGET_MOD;
  createRevision?: number;
  modRevision?: number;
}

export interface TxnRequest {
  compare?: Compare[];
  success?: RequestOp[];
  failure?: RequestOp[];
}

export interface TxnResponse {
  header: ResponseHeader;
  succeeded: boolean;
  responses: ResponseOp[];
}

export interface CompactionRequest {
  revision: number;
  physical?: boolean;
}

export interface LeaseGrantRequest {
  TTL: number;
  /** 0: etcd chooses. */
  ID: number;
}

export interface LeaseGrantResponse {
  header: ResponseHeader;
  ID: Int64;
}

export interface LeaseIdRequest {
  ID: string;
}

export interface LeaseTimeToLiveResponse {
  header: ResponseHeader;
  TTL: Int64;
  grantedTTL: Int64;
}

export interface StatusResponse {
  header: ResponseHeader;
  dbSize: Int64;
}

export interface WatchRequest {
  createRequest?: {
    key: Uint8Array;
    rangeEnd?: Uint8Array;
    startRevision?: number;
    prevKv?: boolean;
    watchId?: number;
  };
  cancelRequest?: { watchId: number };
}

/** `mvccpb.Event.EventType.DELETE` (PUT is 0). */
export const EVENT_DELETE = 1;

export interface Event {
  type: number;
  kv: KeyValue | null;
  prevKv: KeyValue | null;
}

export interface WatchResponse {
  header: ResponseHeader;
  watchId: Int64;
  created: boolean;
  canceled: boolean;
  compactRevision: Int64;
  cancelReason: string;
  events: Event[];
}

/** A number for an int64 that fits one (revisions, counts, TTLs). */
export function int(value: Int64): number {
  return typeof value === "number" ? value : value.toNumber();
}

/** The decimal string of an int64 that may use all 64 bits (lease IDs). */
export function decimal(value: Int64): string {
  return value.toString();
}

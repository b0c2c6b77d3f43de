/**
 * A small etcd v3 client on grpc-js: the KV, Watch, Lease and Maintenance calls the etcd backend
 * makes, one gRPC channel per cluster member. Each unary call has a deadline (30 s by default).
 *
 * Calls go to one member at a time. A call that finds its member unreachable moves the client on
 * to the next member; a read then retries there at once, and so does a write when the request
 * never left (no connection was established). Other failures are the caller's to handle.
 *
 * @module
 */
import { Client, type ClientDuplexStream, type ServiceError, status } from "@grpc/grpc-js";
import { memberChannel } from "./channel.ts";
import { type Rpc, rpc } from "./codec.ts";
import type { EtcdCredentials } from "./endpoint.ts";
import type {
  CompactionRequest,
  LeaseGrantRequest,
  LeaseGrantResponse,
  LeaseIdRequest,
  LeaseTimeToLiveResponse,
  RangeRequest,
  RangeResponse,
  StatusResponse,
  TxnRequest,
  TxnResponse,
  WatchRequest,
  WatchResponse,
} from "./messages.ts";

export interface EtcdClientOptions {
  /** `scheme://host:port` of each member. */
  hosts: string[];
  /** CA, certificate and key for `https://` members. */
  credentials?: EtcdCredentials;
  /** Deadline of each unary call, in ms (default 30 s). */
  requestTimeoutMs?: number;
}

/** The bidirectional watch stream: create and cancel requests in, responses out. */
export type WatchStream = ClientDuplexStream<WatchRequest, WatchResponse>;

/** Lists and watch batches of big objects exceed grpc's 4 MiB default. */
const MAX_MESSAGE_BYTES = 2 ** 31 - 1;

const CHANNEL_OPTIONS = {
  "grpc.max_receive_message_length": MAX_MESSAGE_BYTES,
  "grpc.max_send_message_length": MAX_MESSAGE_BYTES,
  // A restarted member is found again within seconds (grpc's own backoff grows to 2 minutes).
  "grpc.max_reconnect_backoff_ms": 5_000,
};

export class EtcdClient {
  #members: Client[];
  #current = 0;
  #timeoutMs: number;
  #rpcs = new Map<string, Rpc<unknown, unknown>>();

  constructor(options: EtcdClientOptions) {
    this.#timeoutMs = options.requestTimeoutMs ?? 30_000;
    this.#members = options.hosts.map((host) => {
      const channel = memberChannel(host, options.credentials, CHANNEL_OPTIONS);
      return new Client(channel.target, channel.credentials, channel.options);
    });
  }

  /** `deadline` (epoch ms) overrides the default one. */
  range(request: RangeRequest, deadline?: number): Promise<RangeResponse> {
    return this.#unary("KV", "Range", request, { read: true, deadline });
  }

  txn(request: TxnRequest): Promise<TxnResponse> {
    return this.#unary("KV", "Txn", request, { read: false });
  }

  compact(request: CompactionRequest): Promise<unknown> {
    return this.#unary("KV", "Compact", request, { read: false });
  }

  leaseGrant(request: LeaseGrantRequest): Promise<LeaseGrantResponse> {
    return this.#unary("Lease", "LeaseGrant", request, { read: false });
  }

  leaseRevoke(request: LeaseIdRequest): Promise<unknown> {
    // Revoking twice is harmless.
    return this.#unary("Lease", "LeaseRevoke", request, { read: true });
  }

  leaseTimeToLive(request: LeaseIdRequest): Promise<LeaseTimeToLiveResponse> {
    return this.#unary("Lease", "LeaseTimeToLive", request, { read: true });
  }

  status(): Promise<StatusResponse> {
    return this.#unary("Maintenance", "Status", {}, { read: true });
  }

  /** Opens a watch stream (without deadline) to the current member. */
  watch(): WatchStream {
    const member = this.#current;
    const { path, serialize, deserialize } = this.#rpc<WatchRequest, WatchResponse>(
      "Watch",
      "Watch",
    );
    const stream = this.#members[member].makeBidiStreamRequest(path, serialize, deserialize);
    stream.on("error", (error: ServiceError) => {
      if (error.code === status.UNAVAILABLE) this.#moveOn(member);
    });
    return stream;
  }

  /** Closes every channel; calls still running fail with CANCELLED. */
  close(): void {
    for (const member of this.#members) member.close();
  }

  async #unary<Req, Res>(
    service: string,
    method: string,
    request: Req,
    options: { read: boolean; deadline?: number },
  ): Promise<Res> {
    const call = this.#rpc<Req, Res>(service, method);
    const deadline = options.deadline ?? Date.now() + this.#timeoutMs;
    for (let attempt = 1;; attempt++) {
      const member = this.#current;
      try {
        return await new Promise<Res>((resolve, reject) => {
          this.#members[member].makeUnaryRequest(
            call.path,
            call.serialize,
            call.deserialize,
            request,
            { deadline },
            (error, response) => error ? reject(error) : resolve(response!),
          );
        });
      } catch (error) {
        const { code, details } = error as Partial<ServiceError>;
        if (code !== status.UNAVAILABLE) throw error;
        this.#moveOn(member);
        const neverSent = /No connection established/.test(details ?? "");
        if (attempt >= this.#members.length || !(options.read || neverSent)) throw error;
      }
    }
  }

  /** The next member takes over from `member`, unless another call already moved on. */
  #moveOn(member: number): void {
    if (this.#current === member) this.#current = (member + 1) % this.#members.length;
  }

  #rpc<Req, Res>(service: string, method: string): Rpc<Req, Res> {
    const key = `${service}/${method}`;
    let found = this.#rpcs.get(key);
    if (!found) this.#rpcs.set(key, found = rpc(service, method));
    return found as Rpc<Req, Res>;
  }
}

/**
 * Connecting to etcd, and turning etcd's errors into the datastore's.
 *
 * `start()` must not fail just because etcd is a moment late (a server and its etcd often start
 * together): {@link connect} tries a linearizable read, and on any failure retries with
 * exponential backoff (250 ms doubling to 5 s) until it succeeds, `startTimeoutMs` has passed
 * (default 60 s) or `signal` aborts. Then it fails with a {@link DatastoreUnavailableError} that
 * names the endpoint and the last error. `onRetry` sees each failed attempt (for a log line).
 *
 * The gRPC client is imported here, on the first connect, so that a server on another datastore
 * never loads grpc-js or protobufjs.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { setTimeout as sleep } from "node:timers/promises";
import { DatastoreUnavailableError } from "../backend.ts";
import type { EtcdClient } from "./client.ts";
import { parseEtcdEndpoint, readCredentials, type TlsFiles } from "./endpoint.ts";

export interface ConnectOptions extends TlsFiles {
  /** `http(s)://host:2379[,host2:2379]`. */
  endpoint: string;
  /** How long start() retries an unreachable etcd, in ms (default 60 s). */
  startTimeoutMs?: number;
  /** Stops start()'s retries. */
  signal?: AbortSignal;
  /** Called after each failed attempt to connect, before waiting `delayMs`. */
  onRetry?: (error: Error, attempt: number, delayMs: number) => void;
  /** Deadline of each (non-streaming) etcd call, in ms (default 30 s). */
  requestTimeoutMs?: number;
}

const FIRST_KEY = Buffer.from([0]);

/** Connects to etcd, retrying as described above. */
export async function connect(options: ConnectOptions): Promise<EtcdClient> {
  let endpoint;
  try {
    endpoint = parseEtcdEndpoint(options.endpoint);
  } catch (error) {
    throw new DatastoreUnavailableError((error as Error).message, { cause: error });
  }
  const credentials = await readCredentials(endpoint, options);
  const { EtcdClient } = await import("./client.ts");
  const started = Date.now();
  const deadline = started + (options.startTimeoutMs ?? 60_000);
  let delay = 250;
  for (let attempt = 1;; attempt++) {
    // A new client each time: a failed one waits out grpc's reconnect backoff.
    const client = new EtcdClient({
      hosts: endpoint.hosts,
      credentials,
      requestTimeoutMs: options.requestTimeoutMs,
    });
    try {
      const timeout = Math.max(Math.min(5_000, deadline - Date.now()), 1_000);
      await client.range({ key: FIRST_KEY, countOnly: true }, Date.now() + timeout);
      return client;
    } catch (error) {
      client.close();
      const giveUp = () => {
        const seconds = ((Date.now() - started) / 1000).toFixed(1);
        const why = options.signal?.aborted ? "aborted" : "gave up";
        return new DatastoreUnavailableError(
          `Cannot reach etcd at ${endpoint.hosts.join(",")}: ${describe(error)} ` +
            `(${why} after ${attempt} attempts in ${seconds} s)`,
          { cause: error },
        );
      };
      const remaining = deadline - Date.now();
      if (options.signal?.aborted || remaining <= 0) throw giveUp();
      const wait = Math.min(delay, remaining);
      options.onRetry?.(error as Error, attempt, wait);
      await sleep(wait, undefined, { signal: options.signal }).catch(() => undefined);
      if (options.signal?.aborted) throw giveUp();
      delay = Math.min(delay * 2, 5_000);
    }
  }
}

export function isCompacted(error: unknown): boolean {
  return /required revision has been compacted/.test(describe(error));
}

export function isFutureRevision(error: unknown): boolean {
  return /required revision is a future revision/.test(describe(error));
}

export function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

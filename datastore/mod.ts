/**
 * The datastore: the revisioned key-value {@link Backend} the API server stores objects in, and
 * {@link openBackend}, which picks the backend for a `--datastore-endpoint` value the way K3s
 * does (none or `sqlite://`: the SQLite file; `http(s)://`: etcd).
 *
 * @module
 */
import type { Backend } from "./backend.ts";
import { EtcdBackend } from "./etcd/mod.ts";
import { SqliteBackend } from "./sqlite/mod.ts";

export * from "./backend.ts";
export { EtcdBackend, type EtcdBackendOptions } from "./etcd/mod.ts";
export { SqliteBackend, type SqliteBackendOptions } from "./sqlite/mod.ts";

export interface OpenBackendOptions {
  /** `--datastore-endpoint`: absent or empty for the SQLite file, `sqlite://PATH`, or etcd's `http(s)://host:2379[,host2:2379]`. */
  endpoint?: string;
  /** The default SQLite file, `<data-dir>/server/db/state.db`. */
  sqlitePath: string;
  /** `--datastore-cafile`, `--datastore-certfile`, `--datastore-keyfile` (etcd over TLS). */
  caFile?: string;
  certFile?: string;
  keyFile?: string;
  /** etcd: how long start() waits for an unreachable etcd, in ms (default 60 s). */
  startTimeoutMs?: number;
  /** etcd: stops start()'s retries. */
  signal?: AbortSignal;
  /** Where failures of background work (compaction, expiry, watch streams) are reported. */
  onError?: (error: Error) => void;
}

/** The backend for `options.endpoint`, not yet started. Throws for an unsupported endpoint. */
export function openBackend(options: OpenBackendOptions): Backend {
  const endpoint = options.endpoint?.trim() ?? "";
  const { onError } = options;
  if (endpoint === "") return new SqliteBackend({ path: options.sqlitePath, onError });
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(endpoint)?.[1].toLowerCase();
  if (scheme === "sqlite") {
    // K3s's form is sqlite:///path/state.db?_journal=WAL…; the driver parameters do not apply.
    const path = endpoint.slice("sqlite://".length).replace(/[?#].*$/, "");
    return new SqliteBackend({ path: path || options.sqlitePath, onError });
  }
  if (scheme === "http" || scheme === "https") {
    const { caFile, certFile, keyFile, startTimeoutMs, signal } = options;
    return new EtcdBackend({
      endpoint,
      caFile,
      certFile,
      keyFile,
      startTimeoutMs,
      signal,
      onError,
    });
  }
  const reason = scheme ? `the scheme "${scheme}" is not supported` : "it has no scheme";
  throw new TypeError(
    `Cannot use datastore endpoint "${redact(endpoint)}": ${reason} ` +
      "(use sqlite://PATH, or http:// or https:// for etcd)",
  );
}

/** The endpoint with any password replaced, fit for an error message or a log. */
export function redact(endpoint: string): string {
  return endpoint.replace(/(\/\/[^/@:]*):[^/@]*@/, "$1:***@");
}

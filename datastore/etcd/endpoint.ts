/**
 * Parsing `--datastore-endpoint` values for etcd (`http(s)://host:2379[,host2:2379]`) and reading
 * the TLS files that go with them.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { readFile } from "node:fs/promises";
import { DatastoreUnavailableError } from "../backend.ts";

export interface EtcdEndpoint {
  /** `scheme://host:port` for each member, as the etcd client wants them. */
  hosts: string[];
  secure: boolean;
}

export interface TlsFiles {
  caFile?: string;
  certFile?: string;
  keyFile?: string;
}

export interface EtcdCredentials {
  /** null: the system's roots. */
  rootCertificate: Buffer | null;
  certChain?: Buffer;
  privateKey?: Buffer;
}

const DEFAULT_PORT = 2379;

/**
 * Splits a comma-separated endpoint list. Members after the first may leave out the scheme, which
 * they then share with the first; a missing port is etcd's 2379.
 */
export function parseEtcdEndpoint(endpoint: string): EtcdEndpoint {
  const parts = endpoint.split(",").map((part) => part.trim()).filter((part) => part !== "");
  const first = /^(https?):\/\//i.exec(parts[0] ?? "");
  if (!first) {
    throw new TypeError(
      `Cannot use etcd endpoint "${endpoint}": it must start with http:// or https://`,
    );
  }
  const scheme = first[1].toLowerCase();
  const hosts = parts.map((part) => {
    const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(part) ? part : `${scheme}://${part}`;
    let url: URL;
    try {
      url = new URL(withScheme);
    } catch {
      throw new TypeError(`Cannot use etcd endpoint "${endpoint}": "${part}" is not a host:port`);
    }
    if (url.protocol !== `${scheme}:`) {
      throw new TypeError(`Cannot use etcd endpoint "${endpoint}": it mixes http and https`);
    }
    return `${scheme}://${url.hostname}:${url.port || DEFAULT_PORT}`;
  });
  return { hosts, secure: scheme === "https" };
}

/** Reads the CA, certificate and key files; undefined when none is given. */
export async function readCredentials(
  endpoint: EtcdEndpoint,
  files: TlsFiles,
): Promise<EtcdCredentials | undefined> {
  const { caFile, certFile, keyFile } = files;
  if (!caFile && !certFile && !keyFile) return undefined;
  if (!endpoint.secure) {
    throw new DatastoreUnavailableError(
      `Cannot use TLS files with etcd at ${endpoint.hosts.join(",")}: the endpoint is not https://`,
    );
  }
  if (Boolean(certFile) !== Boolean(keyFile)) {
    throw new DatastoreUnavailableError(
      "Cannot use an etcd client certificate without its key (or a key without its certificate)",
    );
  }
  const [rootCertificate, certChain, privateKey] = await Promise.all([
    caFile ? readPem("CA", caFile) : Promise.resolve(undefined),
    certFile ? readPem("certificate", certFile) : Promise.resolve(undefined),
    keyFile ? readPem("key", keyFile) : Promise.resolve(undefined),
  ]);
  if (!certChain) return rootCertificate ? { rootCertificate } : undefined;
  return { rootCertificate: rootCertificate ?? null, certChain, privateKey };
}

async function readPem(what: string, path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new DatastoreUnavailableError(`Cannot read the etcd ${what} file ${path}: ${detail}`, {
      cause: error,
    });
  }
}

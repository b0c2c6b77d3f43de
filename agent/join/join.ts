/**
 * Joining a cluster as K3s agents do: fetch `/cacerts` without verification, pin it with the
 * token's CA hash, then with the token as Basic credentials and the node password get the
 * kubelet's client and serving certificates, the client CA and the agent config from the
 * supervisor's `/v1-k3s/` API. The results are written under `<data-dir>/agent` (K3s's file
 * names) and returned. A server that is not up yet is retried until `signal` aborts.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { randomBytes } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { request } from "node:https";
import { dirname, join } from "node:path";
import type { Logger } from "../../kube/client/log.ts";
import { checkCaHash, type JoinToken } from "./token.ts";

export interface JoinOptions {
  /** `https://host:port` of a server. */
  server: string;
  token: JoinToken;
  nodeName: string;
  nodeIps: readonly string[];
  /** The node password file; created with a random password on the first join. */
  passwordFile: string;
  /**
   * Used instead when `passwordFile` cannot be written (a read-only `/etc`, a test without
   * root): K3s's older `<data-dir>/agent/node-password.txt`.
   */
  fallbackPasswordFile?: string;
  /** Where the certificates are written (`<data-dir>/agent`). */
  agentDir: string;
  log: Logger;
  signal?: AbortSignal;
  /** Wait between attempts while the server is not ready (ms); default 2 s. */
  retryMs?: number;
}

export interface KeyPair {
  certPem: string;
  keyPem: string;
}

/** What an agent learns at join. */
export interface JoinResult {
  server: string;
  serverCaPem: string;
  clientCaPem: string;
  kubeletClient: KeyPair;
  kubeletServing: KeyPair;
  /** The `/v1-k3s/config` document (Go field names). */
  config: AgentJoinConfig;
  passwordFile: string;
}

/** The fields of `/v1-k3s/config` the agent uses. */
export interface AgentJoinConfig {
  ClusterDNS?: string | null;
  ClusterDNSs?: string[];
  ClusterDomain?: string;
  ClusterIPRange?: { IP: string; Mask: string } | null;
  ServiceIPRange?: { IP: string; Mask: string } | null;
  [field: string]: unknown;
}

interface HttpAnswer {
  status: number;
  body: string;
}

function get(
  url: string,
  options: { ca?: string; headers?: Record<string, string>; signal?: AbortSignal },
): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method: "GET",
      ca: options.ca,
      rejectUnauthorized: options.ca !== undefined,
      headers: options.headers,
      signal: options.signal,
      timeout: 30_000,
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on(
        "end",
        () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }),
      );
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error(`no answer from ${url} in 30 s`)));
    req.on("error", reject);
    req.end();
  });
}

/** Reads the node password, creating it (and its directory) on first use. */
export async function ensureNodePassword(path: string): Promise<string> {
  try {
    const text = (await readFile(path, "utf8")).trim();
    if (text) return text;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  const password = randomBytes(16).toString("hex");
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  await writeFile(path, `${password}\n`, { mode: 0o600 });
  return password;
}

/** Splits a PEM answer into its certificates and its private key. */
export function splitPemBundle(text: string): { certs: string[]; keyPem?: string } {
  const certs = text.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----\n?/g) ??
    [];
  const key = /-----BEGIN ([A-Z ]*)PRIVATE KEY-----[\s\S]*?-----END \1PRIVATE KEY-----\n?/.exec(
    text,
  );
  return { certs: certs.map((c) => c.endsWith("\n") ? c : `${c}\n`), keyPem: key?.[0] };
}

/** Joins as described in the module doc. */
export async function joinCluster(options: JoinOptions): Promise<JoinResult> {
  const retryMs = options.retryMs ?? 2000;
  const password = await nodePassword(options);
  for (let attempt = 1;; attempt++) {
    try {
      return await joinOnce(options, password);
    } catch (error) {
      if (options.signal?.aborted) throw error;
      if (error instanceof JoinRefused) throw error;
      if (attempt === 1 || attempt % 15 === 0) {
        options.log.info(
          `Waiting to retrieve agent configuration from ${options.server}: ${
            (error as Error).message
          }`,
        );
      }
      await new Promise((r) => setTimeout(r, retryMs));
    }
  }
}

/** A refusal that retrying will not change (bad token, wrong CA, wrong node password). */
class JoinRefused extends Error {}

/** The node password, from `passwordFile` or, when that cannot be written, the fallback. */
async function nodePassword(
  options: JoinOptions,
): Promise<{ password: string; passwordFile: string }> {
  let passwordFile = options.passwordFile;
  let password: string;
  try {
    password = await ensureNodePassword(passwordFile);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "";
    const unwritable = ["EACCES", "EPERM", "EROFS", "ENOTDIR"].includes(code);
    if (!options.fallbackPasswordFile || !unwritable) throw error;
    options.log.warn(
      `Cannot write the node password to ${passwordFile} (${code}): using ${options.fallbackPasswordFile}`,
    );
    passwordFile = options.fallbackPasswordFile;
    password = await ensureNodePassword(passwordFile);
  }
  return { password, passwordFile };
}

async function joinOnce(
  options: JoinOptions,
  { password, passwordFile }: { password: string; passwordFile: string },
): Promise<JoinResult> {
  const base = options.server.replace(/\/+$/, "");
  const cacerts = await get(`${base}/cacerts`, { signal: options.signal });
  if (cacerts.status !== 200) throw new Error(`/cacerts answered ${cacerts.status}`);
  const serverCaPem = cacerts.body;
  try {
    checkCaHash(options.token, serverCaPem);
  } catch (error) {
    throw new JoinRefused((error as Error).message);
  }
  const basic = Buffer.from(`${options.token.username}:${options.token.password}`).toString(
    "base64",
  );
  const headers = {
    authorization: `Basic ${basic}`,
    "k3s-node-name": options.nodeName,
    "k3s-node-password": password,
    "k3s-node-ip": options.nodeIps.join(","),
  };
  const fetchText = async (path: string) => {
    const answer = await get(`${base}/v1-k3s/${path}`, {
      ca: serverCaPem,
      headers,
      signal: options.signal,
    });
    if (answer.status === 401 || answer.status === 403) {
      throw new JoinRefused(
        `Cannot join: /v1-k3s/${path} answered ${answer.status}: ${
          answer.body.trim().slice(0, 300)
        }`,
      );
    }
    if (answer.status !== 200) {
      throw new Error(`/v1-k3s/${path} answered ${answer.status}: ${answer.body.slice(0, 300)}`);
    }
    return answer.body;
  };
  const pair = (text: string, what: string): KeyPair => {
    const { certs, keyPem } = splitPemBundle(text);
    if (!certs.length || !keyPem) throw new Error(`Cannot read the ${what} certificate answer`);
    return { certPem: certs.join(""), keyPem };
  };
  const kubeletServing = pair(await fetchText("serving-kubelet.crt"), "kubelet serving");
  const kubeletClient = pair(await fetchText("client-kubelet.crt"), "kubelet client");
  const clientCaPem = await fetchText("client-ca.crt");
  const config = JSON.parse(await fetchText("config")) as AgentJoinConfig;

  const dir = options.agentDir;
  await mkdir(dir, { recursive: true });
  const files: [string, string, number][] = [
    ["server-ca.crt", serverCaPem, 0o644],
    ["client-ca.crt", clientCaPem, 0o644],
    ["serving-kubelet.crt", kubeletServing.certPem, 0o644],
    ["serving-kubelet.key", kubeletServing.keyPem, 0o600],
    ["client-kubelet.crt", kubeletClient.certPem, 0o644],
    ["client-kubelet.key", kubeletClient.keyPem, 0o600],
  ];
  for (const [name, text, mode] of files) await writeFile(join(dir, name), text, { mode });
  return {
    server: base,
    serverCaPem,
    clientCaPem,
    kubeletClient,
    kubeletServing,
    config,
    passwordFile,
  };
}

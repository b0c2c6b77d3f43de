/**
 * K3s join tokens: `K10<sha256 of the server CA bundle>::<user>:<secret>`. Agents pin the
 * cluster CA with the hash; the server writes `server/token` (`server:` user),
 * `server/agent-token` (`node:` user) and the `server/node-token` link K3s keeps for
 * backwards compatibility.
 *
 * The hash is over the exact bytes `/cacerts` serves, so `/cacerts` must serve the
 * `server-ca.crt` file (`Pki.serverCa.certPem`) byte for byte.
 *
 * @module
 */

import { createHash, X509Certificate } from "node:crypto";
import { lstat, readFile, symlink, unlink } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomic } from "../../kube/kubeconfig.ts";
import { splitPemCertificates } from "./x509.ts";

export const TOKEN_PREFIX = "K10";
const CA_HASH_LENGTH = 64;
const BOOTSTRAP_TOKEN = /^([a-z0-9]{6})\.([a-z0-9]{16})$/;

/** A parsed join token. A bare secret has neither `caHash` nor `username`. */
export interface ParsedToken {
  /** Lower-case hex SHA-256 of the CA bundle, when the token carries one. */
  caHash?: string;
  username?: string;
  /** The secret: the password part, or the whole of a bare token. */
  password: string;
  /** Set for kubeadm-style bootstrap tokens (`abcdef.0123456789abcdef`). */
  bootstrap?: { id: string; secret: string };
}

/** The server's tokens, as written to the data dir. */
export interface ServerTokens {
  /** `K10<hash>::server:<secret>`, the content of `server/token` (and `node-token`). */
  token: string;
  /** `K10<hash>::node:<secret>`, the content of `server/agent-token`. */
  agentToken: string;
  serverSecret: string;
  agentSecret: string;
  tokenPath: string;
  agentTokenPath: string;
  nodeTokenPath: string;
}

/** Options of {@linkcode loadOrCreateTokens}. */
export interface TokenOptions {
  dataDir: string;
  /** The server CA bundle exactly as `/cacerts` serves it. */
  serverCaPem: string;
  /** `--token`: bare secret or full token. */
  token?: string;
  /** `--agent-token`: bare secret or full token. */
  agentToken?: string;
}

/**
 * SHA-256 (hex) of a CA bundle as K3s computes it: over the PEM bytes for a single certificate;
 * for a bundle whose first certificate chains to a root in it, over that root's DER, so the
 * hash survives an intermediate CA being renewed.
 */
export function caHashOf(caPem: string): string {
  const certs = splitPemCertificates(caPem);
  if (certs.length > 1) {
    const root = rootOf(certs);
    if (root) return createHash("sha256").update(root.raw).digest("hex");
  }
  return createHash("sha256").update(caPem, "utf8").digest("hex");
}

function rootOf(pems: string[]): X509Certificate | undefined {
  try {
    const certs = pems.map((p) => new X509Certificate(p));
    const signs = (child: X509Certificate, parent: X509Certificate) =>
      child.checkIssued(parent) && child.verify(parent.publicKey);
    let current = certs[0];
    for (let depth = 0; depth < certs.length; depth++) {
      const parent = certs.slice(1).find((c) => signs(current, c));
      if (!parent) return undefined;
      if (signs(parent, parent)) return parent;
      current = parent;
    }
  } catch {
    // an unparsable bundle is hashed as bytes
  }
  return undefined;
}

/** Parses a full (`K10<hash>::user:secret`, `K10<hash>::id.secret`) or bare token. */
export function parseToken(token: string): ParsedToken {
  if (!token) throw new Error("Cannot parse token: token must not be empty");
  // A bare secret or bootstrap token is read as a full token with an empty CA hash (as K3s).
  const rest = token.startsWith(TOKEN_PREFIX)
    ? token.slice(TOKEN_PREFIX.length)
    : BOOTSTRAP_TOKEN.test(token)
    ? `::${token}`
    : `:::${token}`;
  const split = rest.indexOf("::");
  let creds = rest;
  let caHash: string | undefined;
  if (split >= 0) {
    const hash = rest.slice(0, split);
    if (hash && (hash.length !== CA_HASH_LENGTH || !/^[0-9a-fA-F]+$/.test(hash))) {
      throw new Error("Cannot parse token: invalid token CA hash length");
    }
    caHash = hash ? hash.toLowerCase() : undefined;
    creds = rest.slice(split + 2);
  }
  const bootstrap = BOOTSTRAP_TOKEN.exec(creds);
  if (bootstrap) {
    return { caHash, password: creds, bootstrap: { id: bootstrap[1], secret: bootstrap[2] } };
  }
  const colon = creds.indexOf(":");
  if (colon < 0 || colon === creds.length - 1) {
    throw new Error("Cannot parse token: invalid token format");
  }
  const username = creds.slice(0, colon) || undefined;
  return { caHash, username, password: creds.slice(colon + 1) };
}

/** Formats a full token for `user:secret` pinned to `caPem`. */
export function formatToken(caPem: string, username: string, secret: string): string {
  return `${TOKEN_PREFIX}${caHashOf(caPem)}::${username}:${secret}`;
}

/**
 * Checks a token's CA hash against the CA bundle fetched from `/cacerts`. Throws when they
 * differ; returns `false` when the token has no hash (nothing pinned: K3s warns and goes on),
 * `true` when the hash matches.
 */
export function verifyCaHash(token: string | ParsedToken, caPem: string): boolean {
  const parsed = typeof token === "string" ? parseToken(token) : token;
  if (!parsed.caHash) return false;
  const actual = caHashOf(caPem);
  if (parsed.caHash !== actual) {
    throw new Error(
      `Cannot trust server: token CA hash does not match the Cluster CA certificate hash: ${parsed.caHash} != ${actual}`,
    );
  }
  return true;
}

async function readToken(path: string): Promise<ParsedToken | undefined> {
  let text: string;
  try {
    text = (await readFile(path, "utf8")).trim();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new Error(`Cannot read ${path}: ${(e as Error).message}`);
  }
  try {
    return text ? parseToken(text) : undefined;
  } catch (e) {
    throw new Error(`Cannot read ${path}: ${(e as Error).message}`);
  }
}

function secretOf(token: string, flag: string, caPem: string): string {
  const parsed = parseToken(token);
  if (parsed.caHash && parsed.caHash !== caHashOf(caPem)) {
    throw new Error(`Cannot use ${flag}: its CA hash does not match this server's CA certificate`);
  }
  return parsed.password;
}

function randomSecret(): string {
  return Array.from(
    crypto.getRandomValues(new Uint8Array(16)),
    (b) => b.toString(16).padStart(2, "0"),
  )
    .join("");
}

/**
 * Reads or creates the server and agent tokens. Without `--token` the secret of an existing
 * `server/token` is reused, else a random one (32 hex characters, as K3s) is made. With
 * `--token`, a different secret already on disk is an error, as in K3s, where the token also
 * encrypts the bootstrap data and cannot be changed by restarting with another one.
 */
export async function loadOrCreateTokens(options: TokenOptions): Promise<ServerTokens> {
  const serverDir = join(options.dataDir, "server");
  const tokenPath = join(serverDir, "token");
  const agentTokenPath = join(serverDir, "agent-token");
  const nodeTokenPath = join(serverDir, "node-token");
  const existing = await readToken(tokenPath);
  let serverSecret = existing?.password ?? randomSecret();
  if (options.token) {
    const given = secretOf(options.token, "--token", options.serverCaPem);
    if (existing && existing.password !== given) {
      throw new Error(
        `Cannot start with this --token: bootstrap data already found and encrypted with different token (${tokenPath}). ` +
          `Start with the original token, or remove ${serverDir} to create a new cluster`,
      );
    }
    serverSecret = given;
  }
  const agentSecret = options.agentToken
    ? secretOf(options.agentToken, "--agent-token", options.serverCaPem)
    : (await readToken(agentTokenPath))?.password ?? serverSecret;

  const token = formatToken(options.serverCaPem, "server", serverSecret);
  const agentToken = formatToken(options.serverCaPem, "node", agentSecret);
  await writeFileAtomic(tokenPath, token + "\n", 0o600);
  await writeFileAtomic(agentTokenPath, agentToken + "\n", 0o600);
  await linkNodeToken(nodeTokenPath);
  return { token, agentToken, serverSecret, agentSecret, tokenPath, agentTokenPath, nodeTokenPath };
}

/** `node-token` is a symlink to `token` (as K3s); a regular file left by old versions is replaced. */
async function linkNodeToken(nodeTokenPath: string): Promise<void> {
  const stat = await lstat(nodeTokenPath).catch(() => undefined);
  if (stat?.isSymbolicLink()) return;
  if (stat) await unlink(nodeTokenPath);
  await symlink("token", nodeTokenPath);
}

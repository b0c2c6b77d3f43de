/**
 * Kubeconfig files: build one as K3s writes `/etc/rancher/k3s/k3s.yaml`, read the current
 * context's server and credentials back, and write the file atomically with a chosen mode.
 *
 * @module
 */

import { chmod, mkdir, open, readFile, rename, unlink } from "node:fs/promises";
import { dirname, isAbsolute, join } from "node:path";
import { parse, stringify } from "yaml";

/** Options of {@linkcode buildKubeconfig}. */
export interface BuildKubeconfigOptions {
  /** API server URL, e.g. `https://127.0.0.1:6443`. */
  server: string;
  /** PEM of the CA that signed the server's serving certificate. */
  caPem: string;
  /** Client certificate and key (PEM), for certificate authentication. */
  certPem?: string;
  keyPem?: string;
  /** Bearer token, for token authentication. */
  token?: string;
  clusterName?: string;
  user?: string;
  context?: string;
  namespace?: string;
}

/** The current context of a kubeconfig, resolved to its cluster and user. */
export interface KubeconfigContext {
  contextName: string;
  clusterName: string;
  userName: string;
  namespace?: string;
  server: string;
  caPem?: string;
  /** `certificate-authority` path; {@linkcode loadKubeconfig} reads it into `caPem`. */
  caFile?: string;
  insecureSkipTlsVerify: boolean;
  tlsServerName?: string;
  certPem?: string;
  certFile?: string;
  keyPem?: string;
  keyFile?: string;
  token?: string;
  tokenFile?: string;
  username?: string;
  password?: string;
}

/** A kubeconfig that cannot be used; the message says which part is wrong. */
export class KubeconfigError extends Error {
  override name = "KubeconfigError";
}

function base64(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

function unbase64(data: string, field: string): string {
  try {
    const binary = atob(data.replace(/\s+/g, ""));
    return new TextDecoder("utf-8", { fatal: true }).decode(
      Uint8Array.from(binary, (c) => c.charCodeAt(0)),
    );
  } catch {
    throw new KubeconfigError(`Cannot read kubeconfig: ${field} is not valid base64`);
  }
}

/** Builds kubeconfig YAML with embedded (`*-data`) credentials, K3s's k3s.yaml layout. */
export function buildKubeconfig(options: BuildKubeconfigOptions): string {
  const clusterName = options.clusterName ?? "default";
  const userName = options.user ?? "default";
  const contextName = options.context ?? "default";
  if ((options.certPem === undefined) !== (options.keyPem === undefined)) {
    throw new KubeconfigError("Cannot build kubeconfig: certPem and keyPem go together");
  }
  const user: Record<string, string> = {};
  if (options.certPem !== undefined && options.keyPem !== undefined) {
    user["client-certificate-data"] = base64(options.certPem);
    user["client-key-data"] = base64(options.keyPem);
  }
  if (options.token !== undefined) user.token = options.token;
  const context: Record<string, string> = { cluster: clusterName, user: userName };
  if (options.namespace) context.namespace = options.namespace;
  return stringify({
    apiVersion: "v1",
    clusters: [{
      cluster: { "certificate-authority-data": base64(options.caPem), server: options.server },
      name: clusterName,
    }],
    contexts: [{ context, name: contextName }],
    "current-context": contextName,
    kind: "Config",
    preferences: {},
    users: [{ name: userName, user }],
  }, { lineWidth: 0, indentSeq: false });
}

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function named(doc: Obj, list: string, inner: string, name: string): Obj {
  const items = doc[list] ?? [];
  if (!Array.isArray(items)) {
    throw new KubeconfigError(`Cannot read kubeconfig: ${list} is not a list`);
  }
  const entry = items.find((i) => isObj(i) && i.name === name);
  if (!entry) {
    throw new KubeconfigError(`Cannot read kubeconfig: ${inner} "${name}" not found in ${list}`);
  }
  const value = (entry as Obj)[inner] ?? {};
  if (!isObj(value)) {
    throw new KubeconfigError(`Cannot read kubeconfig: ${list} "${name}" has no ${inner} map`);
  }
  return value;
}

function str(o: Obj, key: string, where: string): string | undefined {
  const v = o[key];
  if (v === undefined || v === null || v === "") return undefined;
  if (typeof v !== "string") {
    throw new KubeconfigError(`Cannot read kubeconfig: ${where}.${key} is not a string`);
  }
  return v;
}

function pemData(o: Obj, key: string, where: string): string | undefined {
  const data = str(o, key, where);
  if (data === undefined) return undefined;
  const pem = unbase64(data, `${where}.${key}`);
  if (!pem.includes("-----BEGIN ")) {
    throw new KubeconfigError(`Cannot read kubeconfig: ${where}.${key} does not hold PEM data`);
  }
  return pem;
}

/**
 * Parses kubeconfig YAML and resolves the current context (or `options.context`) to its server
 * and credentials. File references (`certificate-authority`, `client-certificate`, …) are
 * returned as paths; {@linkcode loadKubeconfig} reads them.
 */
export function parseKubeconfig(
  text: string,
  options: { context?: string } = {},
): KubeconfigContext {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (e) {
    throw new KubeconfigError(`Cannot read kubeconfig: invalid YAML: ${(e as Error).message}`);
  }
  if (!isObj(doc)) throw new KubeconfigError("Cannot read kubeconfig: not a YAML map");
  if (doc.kind !== undefined && doc.kind !== "Config") {
    throw new KubeconfigError(`Cannot read kubeconfig: kind is "${doc.kind}", not "Config"`);
  }
  const contextName = options.context || str(doc, "current-context", "kubeconfig");
  if (!contextName) throw new KubeconfigError("Cannot read kubeconfig: current-context is not set");
  const context = named(doc, "contexts", "context", contextName);
  const clusterName = str(context, "cluster", "context");
  if (!clusterName) {
    throw new KubeconfigError(`Cannot read kubeconfig: context "${contextName}" has no cluster`);
  }
  const cluster = named(doc, "clusters", "cluster", clusterName);
  const server = str(cluster, "server", "cluster");
  if (!server) {
    throw new KubeconfigError(`Cannot read kubeconfig: cluster "${clusterName}" has no server`);
  }
  const userName = str(context, "user", "context") ?? "";
  const user = userName ? named(doc, "users", "user", userName) : {};
  return {
    contextName,
    clusterName,
    userName,
    namespace: str(context, "namespace", "context"),
    server,
    caPem: pemData(cluster, "certificate-authority-data", "cluster"),
    caFile: str(cluster, "certificate-authority", "cluster"),
    insecureSkipTlsVerify: cluster["insecure-skip-tls-verify"] === true,
    tlsServerName: str(cluster, "tls-server-name", "cluster"),
    certPem: pemData(user, "client-certificate-data", "user"),
    certFile: str(user, "client-certificate", "user"),
    keyPem: pemData(user, "client-key-data", "user"),
    keyFile: str(user, "client-key", "user"),
    token: str(user, "token", "user"),
    tokenFile: str(user, "tokenFile", "user"),
    username: str(user, "username", "user"),
    password: str(user, "password", "user"),
  };
}

/**
 * Reads a kubeconfig file and its referenced files (relative to the kubeconfig's folder),
 * so that `caPem`, `certPem`, `keyPem` and `token` are filled whichever form the file uses.
 */
export async function loadKubeconfig(
  path: string,
  options: { context?: string } = {},
): Promise<KubeconfigContext> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    throw new KubeconfigError(`Cannot read kubeconfig ${path}: ${(e as Error).message}`);
  }
  const kc = parseKubeconfig(text, options);
  const read = async (file: string | undefined, field: string) => {
    if (file === undefined) return undefined;
    const full = isAbsolute(file) ? file : join(dirname(path), file);
    try {
      return await readFile(full, "utf8");
    } catch (e) {
      throw new KubeconfigError(`Cannot read ${field} ${full}: ${(e as Error).message}`);
    }
  };
  kc.caPem ??= await read(kc.caFile, "certificate-authority");
  kc.certPem ??= await read(kc.certFile, "client-certificate");
  kc.keyPem ??= await read(kc.keyFile, "client-key");
  kc.token ??= (await read(kc.tokenFile, "tokenFile"))?.trim();
  return kc;
}

/**
 * Parses a file mode given as an octal string (`"0644"`, `"644"`, as `--write-kubeconfig-mode`
 * takes it) or a number. Rejects anything else with a clear error.
 */
export function parseFileMode(mode: string | number): number {
  if (typeof mode === "number") {
    if (Number.isInteger(mode) && mode >= 0 && mode <= 0o7777) return mode;
  } else if (/^0?[0-7]{1,4}$/.test(mode.trim())) {
    const value = parseInt(mode.trim(), 8);
    if (value <= 0o7777) return value;
  }
  throw new KubeconfigError(
    `Cannot use file mode "${mode}": expected an octal mode such as 0600 or 0644`,
  );
}

/**
 * Writes `data` to `path` atomically: parent folders are created, the bytes go to a temporary
 * file beside it, which gets `mode` (not reduced by the umask) and is then renamed over `path`.
 */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  mode: number,
): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o755 });
  const suffix = Array.from(crypto.getRandomValues(new Uint8Array(6)), (b) => b.toString(16))
    .join("");
  const temp = `${path}.tmp-${suffix}`;
  const handle = await open(temp, "wx", 0o600);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } catch (e) {
    await handle.close();
    await unlink(temp).catch(() => {});
    throw e;
  }
  await handle.close();
  try {
    await chmod(temp, mode);
    await rename(temp, path);
  } catch (e) {
    await unlink(temp).catch(() => {});
    throw e;
  }
}

/** Writes a kubeconfig atomically with `mode` (default 0600; a string is octal, e.g. "0644"). */
export async function writeKubeconfig(
  path: string,
  text: string,
  mode: string | number = 0o600,
): Promise<void> {
  await writeFileAtomic(path, text, parseFileMode(mode));
}

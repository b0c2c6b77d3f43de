/**
 * The files of secrets encryption, as K3s keeps them under `<data-dir>/server/cred/`:
 *
 * - `encryption-config.json`: an `apiserver.config.k8s.io/v1` `EncryptionConfiguration` for
 *   `secrets` with two providers, `aescbc` (its keys, the first one writes) and `identity`; the
 *   order of the two says whether encryption is enabled. Mode 0600.
 * - `encryption-state.json`: despite its name, one line `<stage>-<sha256 of the config file>`
 *   (what K3s also puts in the `k3s.io/encryption-config-hash` node annotation). Here it is the
 *   one record of the rotation stage.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { createHash, randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomic } from "../../kube/kubeconfig.ts";

export interface EncryptionKey {
  name: string;
  secret: string;
}

export interface ProviderConfiguration {
  aescbc?: { keys: EncryptionKey[] };
  identity?: Record<string, never>;
  [other: string]: unknown;
}

export interface EncryptionConfiguration {
  kind: "EncryptionConfiguration";
  apiVersion: "apiserver.config.k8s.io/v1";
  resources: { resources: string[]; providers: ProviderConfiguration[] }[];
}

/** The rotation stages, in K3s's words. */
export const STAGES = {
  start: "start",
  prepare: "prepare",
  rotate: "rotate",
  reencryptRequest: "reencrypt_request",
  reencryptActive: "reencrypt_active",
  reencryptFinished: "reencrypt_finished",
} as const;

export const AESCBC_KEY_SIZE = 32;

export interface EncryptionPaths {
  config: string;
  state: string;
}

/** `<data-dir>/server/cred/encryption-{config,state}.json`. */
export function encryptionPaths(dataDir: string): EncryptionPaths {
  const cred = join(dataDir, "server", "cred");
  return {
    config: join(cred, "encryption-config.json"),
    state: join(cred, "encryption-state.json"),
  };
}

/** A new aescbc key: 32 random bytes, base64. */
export function newKey(name: string): EncryptionKey {
  return { name, secret: Buffer.from(randomBytes(AESCBC_KEY_SIZE)).toString("base64") };
}

/** The name K3s gives an added key: `aescbckey-<RFC 3339 time>`. */
export function addedKeyName(now: Date): string {
  return `aescbckey-${now.toISOString().replace(/\.\d{3}Z$/, "Z")}`;
}

/** The configuration K3s writes: aescbc then identity when enabled, the reverse when not. */
export function buildConfig(keys: EncryptionKey[], enabled: boolean): EncryptionConfiguration {
  const aescbc: ProviderConfiguration = { aescbc: { keys } };
  const identity: ProviderConfiguration = { identity: {} };
  return {
    kind: "EncryptionConfiguration",
    apiVersion: "apiserver.config.k8s.io/v1",
    resources: [{
      resources: ["secrets"],
      providers: enabled ? [aescbc, identity] : [identity, aescbc],
    }],
  };
}

/** Parses and checks a configuration as K3s manages it (one aescbc provider, identity). */
export function parseConfig(text: string, path: string): EncryptionConfiguration {
  let config: EncryptionConfiguration;
  try {
    config = JSON.parse(text);
  } catch (err) {
    throw new Error(`Cannot read ${path}: ${(err as Error).message}`);
  }
  const providers = config?.resources?.[0]?.providers;
  if (config?.kind !== "EncryptionConfiguration" || !Array.isArray(providers)) {
    throw new Error(`Cannot read ${path}: not an EncryptionConfiguration with providers`);
  }
  if (providers.length > 2) {
    throw new Error(
      `more than 2 providers (${providers.length}) found in secrets encryption`,
    );
  }
  for (const p of providers) {
    if (!p.aescbc && !p.identity) throw new Error("non-standard encryption keys found");
  }
  return config;
}

/** The aescbc keys, in order (the first one writes when encryption is enabled). */
export function keysOf(config: EncryptionConfiguration): EncryptionKey[] {
  return config.resources[0].providers.flatMap((p) => p.aescbc?.keys ?? []);
}

/** True when aescbc comes before identity, false for the reverse, null for anything else. */
export function enabledIn(config: EncryptionConfiguration): boolean | null {
  const [first, second] = config.resources[0].providers;
  if (first?.aescbc && second?.identity) return true;
  if (first?.identity && second?.aescbc) return false;
  return null;
}

/** Hex SHA-256 of the configuration file's bytes. */
export function configHash(bytes: string): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** The configuration file's text, or null when it does not exist. */
export async function readConfigText(path: string): Promise<string | null> {
  try {
    return await readFile(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw err;
  }
}

/** Writes the configuration (mode 0600) and returns the text written. */
export async function writeConfig(path: string, config: EncryptionConfiguration): Promise<string> {
  const text = JSON.stringify(config);
  await writeFileAtomic(path, text, 0o600);
  return text;
}

export interface EncryptionStateLine {
  stage: string;
  hash: string;
}

/** Reads `encryption-state.json`; null when it does not exist. */
export async function readState(path: string): Promise<EncryptionStateLine | null> {
  const text = await readConfigText(path);
  if (text === null) return null;
  const [stage, hash, ...rest] = text.trim().split("-");
  if (!stage || !hash || rest.length) {
    throw new Error(`invalid encryption state ${text} in ${path}`);
  }
  return { stage, hash };
}

export async function writeState(path: string, stage: string, configText: string): Promise<void> {
  await writeFileAtomic(path, `${stage}-${configHash(configText)}`, 0o600);
}

/**
 * What `--secrets-encryption` does at start: on first start writes a configuration with one
 * key `aescbckey`, and the state `start-<hash>` whenever it is missing. Returns the config text.
 */
export async function ensureEncryptionFiles(paths: EncryptionPaths): Promise<string> {
  let text = await readConfigText(paths.config);
  if (!text) {
    text = await writeConfig(paths.config, buildConfig([newKey("aescbckey")], true));
    await writeState(paths.state, STAGES.start, text);
  } else if (!await readState(paths.state)) {
    await writeState(paths.state, STAGES.start, text);
  }
  return text;
}

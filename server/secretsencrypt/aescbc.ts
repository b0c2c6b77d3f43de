/**
 * The value transformer of an `EncryptionConfiguration`'s providers, in the upstream envelope so
 * a datastore written by Kubernetes reads here and back: an `aescbc` value is
 * `k8s:enc:aescbc:v1:<key name>:` followed by a random 16-byte IV and the AES-CBC ciphertext of
 * the encoded object with PKCS#7 padding; an `identity` value is the encoded object itself.
 *
 * Writes use the first provider (its first key). Reads use whichever key the value's prefix
 * names, so values written with an older key stay readable while it is still configured, and
 * plain values read whenever `identity` is one of the providers.
 *
 * As upstream's aescbc, the envelope has no integrity check: a changed padding, length or key
 * is refused, but a changed byte elsewhere garbles the value (which the JSON decoder then
 * usually refuses) without being detected as such.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import type { Transformer } from "../apiserver/transformer.ts";
import type { ProviderConfiguration } from "./config.ts";

const BLOCK = 16;
const ENCRYPTED_PREFIX = "k8s:enc:";
export const AESCBC_PREFIX = "k8s:enc:aescbc:v1:";

/** A stored value that cannot be turned back into an object. */
export class DecryptError extends Error {
  override name = "DecryptError";
}

interface AesKey {
  name: string;
  prefix: Uint8Array;
  cipher: string;
  secret: Buffer;
}

function startsWith(data: Uint8Array, prefix: Uint8Array): boolean {
  if (data.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (data[i] !== prefix[i]) return false;
  return true;
}

function aesKey(name: string, secretB64: string): AesKey {
  const secret = Buffer.from(secretB64, "base64");
  if (![16, 24, 32].includes(secret.length)) {
    throw new Error(
      `Cannot use aescbc key "${name}": it is ${secret.length} bytes, not 16, 24 or 32`,
    );
  }
  return {
    name,
    prefix: new TextEncoder().encode(`${AESCBC_PREFIX}${name}:`),
    cipher: `aes-${secret.length * 8}-cbc`,
    secret,
  };
}

/** Encrypts `plain` with `key` in the upstream aescbc envelope. */
function seal(key: AesKey, plain: Uint8Array): Uint8Array {
  const iv = randomBytes(BLOCK);
  const cipher = createCipheriv(key.cipher, key.secret, iv); // PKCS#7 padding by default
  const body = Buffer.concat([cipher.update(plain), cipher.final()]);
  const out = new Uint8Array(key.prefix.length + BLOCK + body.length);
  out.set(key.prefix, 0);
  out.set(iv, key.prefix.length);
  out.set(body, key.prefix.length + BLOCK);
  return out;
}

/** Decrypts the part of a value after its prefix; the messages are upstream's. */
function unseal(key: AesKey, data: Uint8Array, storageKey: string): Uint8Array {
  const fail = (why: string) =>
    new DecryptError(`Cannot decrypt ${storageKey} with key "${key.name}": ${why}`);
  if (data.length < BLOCK) throw fail("the stored data was shorter than the required size");
  const body = data.subarray(BLOCK);
  if (body.length === 0 || body.length % BLOCK !== 0) {
    throw fail("the stored data is not a multiple of the block size");
  }
  const decipher = createDecipheriv(key.cipher, key.secret, data.subarray(0, BLOCK));
  decipher.setAutoPadding(false);
  const plain = Buffer.concat([decipher.update(body), decipher.final()]);
  const pad = plain[plain.length - 1];
  if (pad === 0 || pad > BLOCK || pad > plain.length) {
    throw fail("invalid PKCS7 data (empty or not padded)");
  }
  for (let i = plain.length - pad; i < plain.length; i++) {
    if (plain[i] !== pad) throw fail("invalid padding on input");
  }
  return new Uint8Array(plain.buffer, plain.byteOffset, plain.length - pad);
}

/** The transformer of one resource's provider list (aescbc and identity). */
export class ProvidersTransformer implements Transformer {
  #write: AesKey | null;
  /** Longest prefix first, so a key name that extends another's is matched whole. */
  #keys: AesKey[];
  #identity: boolean;

  constructor(providers: readonly ProviderConfiguration[]) {
    if (providers.length === 0) throw new Error("Cannot encrypt: no providers are configured");
    const keys: AesKey[] = [];
    for (const p of providers) {
      for (const k of p.aescbc?.keys ?? []) keys.push(aesKey(k.name, k.secret));
      if (!p.aescbc && !p.identity) {
        throw new Error(
          `Cannot use provider ${Object.keys(p).join(",")}: only aescbc and identity are supported`,
        );
      }
    }
    if (providers[0].aescbc && !providers[0].aescbc.keys?.length) {
      throw new Error("Cannot encrypt: the aescbc provider has no keys");
    }
    this.#write = providers[0].aescbc ? keys[0] : null;
    this.#keys = [...keys].sort((a, b) => b.prefix.length - a.prefix.length);
    this.#identity = providers.some((p) => p.identity);
  }

  /** The name of the key new values are written with, or null for identity. */
  get writeKey(): string | null {
    return this.#write?.name ?? null;
  }

  toStorage(data: Uint8Array): Uint8Array {
    return this.#write ? seal(this.#write, data) : data;
  }

  fromStorage(data: Uint8Array, storageKey: string): Uint8Array {
    for (const key of this.#keys) {
      if (startsWith(data, key.prefix)) {
        return unseal(key, data.subarray(key.prefix.length), storageKey);
      }
    }
    const encrypted = startsWith(data, new TextEncoder().encode(ENCRYPTED_PREFIX));
    if (!encrypted && this.#identity) return data;
    const names = this.#keys.map((k) => k.name).join(", ") || "none";
    throw new DecryptError(
      encrypted
        ? `Cannot decrypt ${storageKey}: no configured key matches its prefix (configured aescbc keys: ${names})`
        : `Cannot read ${storageKey}: it is not encrypted and the identity provider is not configured`,
    );
  }
}

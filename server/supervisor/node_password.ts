/**
 * Node passwords, as K3s keeps them: an agent sends the password from
 * `/etc/rancher/node/password` with each request for kubelet certificates; on the node's first
 * join the server stores a scrypt hash of it in `kube-system/<node>.node-password.k3s`, and later
 * requests must present the same password. So a holder of the join token cannot obtain another
 * node's kubelet identity. The secret goes away with the node.
 *
 * The hash format is K3s's (`$1:<salt hex>:<log2 N>:<r>:<p>:<key, base64 without padding>`),
 * so secrets written by either verify in the other.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { randomBytes, scrypt, timingSafeEqual } from "node:crypto";
import { forbidden, StatusError } from "../../kube/errors.ts";
import type { KubeObject } from "../../kube/meta.ts";
import type { WriteContext } from "../apiserver/resource.ts";
import type { Store } from "../apiserver/store.ts";
import { MATCH_ALL } from "../apiserver/watch_cache.ts";

const LOG2_N = 15;
const R = 8;
const P = 1;
const KEY_LENGTH = 64;
const SALT_LENGTH = 8;

/** `<node>.node-password.k3s`, lower-cased as K3s does. */
export function nodePasswordSecretName(nodeName: string): string {
  return `${nodeName}.node-password.k3s`.toLowerCase();
}

function derive(password: string, salt: Buffer, log2n: number, r: number, p: number, len: number) {
  const N = 2 ** log2n;
  return new Promise<Buffer>((resolve, reject) =>
    scrypt(
      password,
      salt,
      len,
      { N, r, p, maxmem: 256 * N * r + 1024 * 1024 },
      (err, key) => err ? reject(err) : resolve(key),
    )
  );
}

/** A new hash of `password` with a random salt. */
export async function hashNodePassword(password: string): Promise<string> {
  const salt = randomBytes(SALT_LENGTH);
  const key = await derive(password, salt, LOG2_N, R, P, KEY_LENGTH);
  return `$1:${salt.toString("hex")}:${LOG2_N}:${R}:${P}:${
    key.toString("base64").replace(/=+$/, "")
  }`;
}

/** True when `password` matches `hash`; false for a mismatch or a hash it cannot read. */
export async function verifyNodePassword(hash: string, password: string): Promise<boolean> {
  const m = /^\$1:([0-9a-f]+):(\d+):(\d+):(\d+):([A-Za-z0-9+/]+)$/.exec(hash.trim());
  if (!m) return false;
  const [log2n, r, p] = [Number(m[2]), Number(m[3]), Number(m[4])];
  if (log2n < 1 || log2n > 20 || r < 1 || r > 32 || p < 1 || p > 16) return false;
  const want = Buffer.from(m[5], "base64");
  const got = await derive(password, Buffer.from(m[1], "hex"), log2n, r, p, want.length);
  return want.length > 0 && timingSafeEqual(want, got);
}

function hashOf(secret: KubeObject): string {
  const data = (secret.data ?? {}) as Record<string, unknown>;
  return typeof data.hash === "string" ? Buffer.from(data.hash, "base64").toString("utf8") : "";
}

function writeContext(): WriteContext {
  return {
    user: { name: "system:k3s-supervisor", groups: ["system:masters", "system:authenticated"] },
    namespace: "kube-system",
    now: new Date(),
    dryRun: false,
    warn: () => {},
  };
}

/**
 * Checks a node's password against its secret, or stores the hash when the node has none yet.
 * A mismatch is a 403, as in K3s.
 */
export async function ensureNodePassword(
  secrets: Store,
  nodeName: string,
  password: string,
): Promise<void> {
  const name = nodePasswordSecretName(nodeName);
  for (let attempt = 0; attempt < 2; attempt++) {
    const existing = await secrets.tryGet("kube-system", name);
    if (existing) {
      if (await verifyNodePassword(hashOf(existing.obj), password)) return;
      throw forbidden(`unable to verify hash for node '${nodeName}': hash does not match`);
    }
    try {
      await secrets.create(
        "kube-system",
        {
          apiVersion: "v1",
          kind: "Secret",
          metadata: { name, namespace: "kube-system" },
          immutable: true,
          data: { hash: Buffer.from(await hashNodePassword(password)).toString("base64") },
        },
        writeContext(),
        { fieldManager: "k3s-supervisor", apiVersion: "v1" },
      );
      return;
    } catch (err) {
      // Another request for the same node won the race: verify against its hash.
      if (!(err instanceof StatusError && err.code === 409)) throw err;
    }
  }
  throw forbidden(`unable to verify hash for node '${nodeName}'`);
}

/** Deletes a node's password secret once the node is deleted (K3s's node-password controller). */
export async function watchNodeDeletions(
  nodes: Store,
  secrets: Store,
  log: (message: string) => void,
): Promise<() => void> {
  return await nodes.watch("", { resourceVersion: "0", filter: MATCH_ALL }, (type, item) => {
    if (type !== "DELETED" || !item) return true;
    const name = nodePasswordSecretName(item.obj.metadata.name ?? "");
    secrets.delete("kube-system", name, writeContext(), {}).catch((err) => {
      if (!(err instanceof StatusError && err.code === 404)) {
        log(`Cannot delete node password secret ${name}: ${(err as Error).message}`);
      }
    });
    return true;
  });
}

/**
 * Template hashes as upstream names things with them: FNV-1a (32 bit) over a canonical encoding
 * of the template and the collision count, written with `rand.SafeEncodeString`'s alphabet (no
 * vowels, no look-alike characters), e.g. `5d4f8c7b9`. Values hash by their {@link semantic}
 * form. The `pod-template-hash` label, the
 * `<deployment>-<hash>` ReplicaSet name and `<set>-<hash>` ControllerRevision names use it.
 *
 * @module
 */

const SAFE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

/**
 * `value` with nulls, empty objects and empty arrays removed, recursively: the JSON of two Go
 * structs upstream's semantic equality holds equal (`creationTimestamp: null` in a template a
 * client wrote back, `resources: {}` against none) compares equal after this.
 */
export function semantic(value: unknown): unknown {
  if (Array.isArray(value)) {
    const out = value.map(semantic).filter((v) => v !== undefined);
    return out.length ? out : undefined;
  }
  if (value === null) return undefined;
  if (typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    const s = semantic(v);
    if (s !== undefined) out[k] = s;
  }
  return Object.keys(out).length ? out : undefined;
}

/** JSON with object keys sorted, so that equal values hash equally. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const keys = Object.keys(value as Record<string, unknown>)
    .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
    .sort();
  return `{${
    keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`)
      .join(",")
  }}`;
}

/** FNV-1a, 32 bits, over bytes. */
export function fnv32a(bytes: Uint8Array, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (const b of bytes) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** `rand.SafeEncodeString`: each character mapped into the safe alphabet. */
export function safeEncode(text: string): string {
  let out = "";
  for (let i = 0; i < text.length; i++) out += SAFE_ALPHABET[text.charCodeAt(i) % 27];
  return out;
}

/** The hash of `value` and an optional collision count (`controller.ComputeHash`). */
export function computeHash(value: unknown, collisionCount?: number): string {
  let h = fnv32a(new TextEncoder().encode(canonicalJson(semantic(value) ?? {})));
  if (collisionCount !== undefined && collisionCount !== null) {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, collisionCount >>> 0, true);
    h = fnv32a(b, h);
  }
  return safeEncode(String(h));
}

/**
 * Value transformers between the codec and the datastore, per resource: what encryption at rest
 * plugs in (Kubernetes' `value.Transformer`). A {@link Codec} built by {@link transformingCodec}
 * runs the transformer of a key's resource after encoding and before decoding, so every path
 * that turns objects into stored bytes and back (the store's writes and reads, lists from the
 * datastore, the watch cache's fill and its events) sees plain objects while the datastore sees
 * only transformed bytes.
 *
 * @module
 */
import type { Codec } from "./cacher.ts";

/** Turns encoded objects into stored bytes and back; `key` is the datastore key. */
export interface Transformer {
  toStorage(data: Uint8Array, key: string): Uint8Array | Promise<Uint8Array>;
  fromStorage(data: Uint8Array, key: string): Uint8Array | Promise<Uint8Array>;
}

/** The transformer for a datastore key, or undefined to store the encoded bytes as they are. */
export type TransformerFor = (key: string) => Transformer | undefined;

/**
 * `base` with the transformer `transformerFor(key)` chooses applied to the bytes. The choice is
 * made per call, so a reloaded configuration (a rotated key) applies to the next write.
 */
export function transformingCodec(base: Codec, transformerFor: TransformerFor): Codec {
  return {
    async encode(obj, key) {
      const bytes = await base.encode(obj, key);
      const t = transformerFor(key);
      return t ? await t.toStorage(bytes, key) : bytes;
    },
    async decode(bytes, key) {
      const t = transformerFor(key);
      if (!t) return await base.decode(bytes, key);
      const plain = await t.fromStorage(bytes, key);
      try {
        return await base.decode(plain, key);
      } catch (err) {
        // A wrong key that happened to leave valid padding: garbage, never a crash.
        throw new Error(`Cannot decode ${key} after transforming it: ${(err as Error).message}`);
      }
    },
  };
}

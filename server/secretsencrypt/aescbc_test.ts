import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { createDecipheriv } from "node:crypto";
import { jsonCodec } from "../apiserver/cacher.ts";
import { transformingCodec } from "../apiserver/transformer.ts";
import { AESCBC_PREFIX, DecryptError, ProvidersTransformer } from "./aescbc.ts";
import { buildConfig, type EncryptionKey, newKey } from "./config.ts";

const KEY = "/registry/core/secrets/default/db";
const enc = new TextEncoder();
const dec = new TextDecoder();

function providers(keys: EncryptionKey[], enabled = true) {
  return buildConfig(keys, enabled).resources[0].providers;
}

function hasSubsequence(haystack: Uint8Array, needle: Uint8Array): boolean {
  return Buffer.from(haystack).includes(Buffer.from(needle));
}

Deno.test("ProvidersTransformer writes the upstream aescbc envelope with the first key", () => {
  const key = newKey("aescbckey");
  const t = new ProvidersTransformer(providers([key, newKey("older")]));
  const plain = enc.encode('{"data":{"password":"aHVudGVyMg=="}}');
  const stored = t.toStorage(plain);
  const prefix = enc.encode(`${AESCBC_PREFIX}aescbckey:`);
  assert.deepEqual(stored.subarray(0, prefix.length), prefix);
  assert.ok(!hasSubsequence(stored, enc.encode("aHVudGVyMg==")));
  // IV(16) + ciphertext, padded to whole blocks (PKCS#7 always adds at least one byte).
  const body = stored.subarray(prefix.length);
  assert.equal((body.length - 16) % 16, 0);
  assert.ok(body.length - 16 > plain.length);
  // Plain AES-256-CBC, so any upstream implementation reads it.
  const d = createDecipheriv(
    "aes-256-cbc",
    Buffer.from(key.secret, "base64"),
    body.subarray(0, 16),
  );
  const out = Buffer.concat([d.update(body.subarray(16)), d.final()]);
  assert.equal(out.toString("utf8"), dec.decode(plain));
  assert.deepEqual(t.fromStorage(stored, KEY), plain);
  // A fresh IV per write.
  assert.notDeepEqual(t.toStorage(plain), stored);
});

Deno.test("ProvidersTransformer reads values of every configured key and plain ones", () => {
  const oldKey = newKey("aescbckey");
  const newer = newKey("aescbckey-2026-01-01T00:00:00Z");
  const before = new ProvidersTransformer(providers([oldKey]));
  const after = new ProvidersTransformer(providers([newer, oldKey]));
  const plain = enc.encode('{"kind":"Secret"}');
  const written = before.toStorage(plain);
  assert.deepEqual(after.fromStorage(written, KEY), plain);
  const rewritten = after.toStorage(plain);
  assert.ok(dec.decode(rewritten).startsWith(`${AESCBC_PREFIX}aescbckey-2026-01-01T00:00:00Z:`));
  assert.deepEqual(after.fromStorage(plain, KEY), plain, "identity values still read");
  // identity first (disabled): writes plain, still reads what aescbc wrote.
  const disabled = new ProvidersTransformer(providers([newer, oldKey], false));
  assert.equal(disabled.writeKey, null);
  assert.deepEqual(disabled.toStorage(plain), plain);
  assert.deepEqual(disabled.fromStorage(rewritten, KEY), plain);
});

Deno.test("ProvidersTransformer refuses a value of a key it does not have, naming the key", () => {
  const writer = new ProvidersTransformer(providers([newKey("gone")]));
  const reader = new ProvidersTransformer(providers([newKey("aescbckey")]));
  const stored = writer.toStorage(enc.encode("{}"));
  assert.throws(
    () => reader.fromStorage(stored, KEY),
    (err: Error) =>
      err instanceof DecryptError && err.message.includes(KEY) &&
      err.message.includes("no configured key matches its prefix") &&
      err.message.includes("aescbckey"),
  );
});

Deno.test("a wrong key of the same name or tampered ciphertext is an error, never garbage", async () => {
  const codecWith = (key: EncryptionKey) => {
    const t = new ProvidersTransformer(providers([key]));
    return transformingCodec(
      jsonCodec,
      (k) => k.startsWith("/registry/core/secrets/") ? t : undefined,
    );
  };
  const right = codecWith(newKey("aescbckey"));
  const wrong = codecWith(newKey("aescbckey"));
  const obj = { kind: "Secret", metadata: { name: "db" }, data: { password: "aHVudGVyMg==" } };
  const stored = await right.encode(obj, KEY);
  assert.deepEqual(await right.decode(stored, KEY), obj);
  await assert.rejects(async () => await wrong.decode(stored, KEY), /Cannot (decrypt|decode)/);
  // A changed byte in the block before the last changes the same byte of the last plaintext
  // block: here the final padding byte, which then no longer reads as PKCS#7 padding.
  const tampered = stored.slice();
  tampered[stored.length - 17] ^= 0x5a;
  await assert.rejects(
    async () => await right.decode(tampered, KEY),
    (err: Error) => err instanceof DecryptError && /invalid PKCS7 data/.test(err.message),
  );
  const truncated = stored.subarray(0, stored.length - 5);
  await assert.rejects(
    async () => await right.decode(truncated, KEY),
    /not a multiple of the block size/,
  );
});

Deno.test("transformingCodec leaves resources without a transformer as plain JSON", async () => {
  const t = new ProvidersTransformer(providers([newKey("aescbckey")]));
  const codec = transformingCodec(
    jsonCodec,
    (k) => k.startsWith("/registry/core/secrets/") ? t : undefined,
  );
  const cm = { kind: "ConfigMap", metadata: { name: "c" }, data: { a: "visible" } };
  const bytes = await codec.encode(cm, "/registry/core/configmaps/default/c");
  assert.deepEqual(JSON.parse(dec.decode(bytes)), cm);
});

Deno.test("ProvidersTransformer without identity refuses plain values", () => {
  const t = new ProvidersTransformer([{ aescbc: { keys: [newKey("k")] } }]);
  assert.throws(() => t.fromStorage(enc.encode("{}"), KEY), /not encrypted/);
  assert.throws(
    () => new ProvidersTransformer([{ aescbc: { keys: [{ name: "short", secret: "AAAA" }] } }]),
    /3 bytes, not 16, 24 or 32/,
  );
});

import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { caBundleHash, checkCaHash, parseJoinToken } from "./token.ts";

const HASH = "a".repeat(64);

Deno.test("parseJoinToken() reads full and bare tokens as K3s agents do", () => {
  assert.deepEqual(parseJoinToken(`K10${HASH}::server:s3cret`), {
    caHash: HASH,
    username: "server",
    password: "s3cret",
  });
  assert.deepEqual(parseJoinToken(`K10${HASH.toUpperCase()}::node:x`).caHash, HASH);
  assert.deepEqual(parseJoinToken("justasecret"), { username: "node", password: "justasecret" });
  assert.deepEqual(parseJoinToken("user:pw"), { username: "user", password: "pw" });
  assert.throws(() => parseJoinToken("K10abc::node:x"), /not 64 hex digits/);
  assert.throws(() => parseJoinToken(" "), /empty/);
});

Deno.test("checkCaHash() pins the CA bundle by the SHA-256 of its bytes", () => {
  const pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
  const hash = createHash("sha256").update(pem).digest("hex");
  assert.equal(caBundleHash(pem), hash);
  checkCaHash({ caHash: hash, username: "node", password: "x" }, pem);
  checkCaHash({ username: "node", password: "x" }, pem);
  assert.throws(
    () => checkCaHash({ caHash: HASH, username: "node", password: "x" }, pem),
    /does not match the cluster CA's/,
  );
});

import assert from "node:assert/strict";
import { lstat, readFile, readlink, stat, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createCa, signCertificate } from "./cert.ts";
import { caHashOf, formatToken, loadOrCreateTokens, parseToken, verifyCaHash } from "./token.ts";
import { withTempDir } from "./testing.ts";

const HASH = "a".repeat(64);

async function sha256Hex(data: BufferSource): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", data));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

function derOf(pem: string): Uint8Array<ArrayBuffer> {
  const b64 = pem.replace(/-----[^-]+-----/g, "").replace(/\s+/g, "");
  return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
}

Deno.test("parseToken() reads full, user:password, bare and bootstrap tokens as K3s does", () => {
  assert.deepEqual(parseToken(`K10${HASH}::server:s3cret`), {
    caHash: HASH,
    username: "server",
    password: "s3cret",
  });
  assert.deepEqual(parseToken(`K10${HASH.toUpperCase()}::node:p:w`), {
    caHash: HASH,
    username: "node",
    password: "p:w",
  });
  assert.deepEqual(parseToken("s3cret"), {
    caHash: undefined,
    username: undefined,
    password: "s3cret",
  });
  assert.deepEqual(parseToken("user:pass"), {
    caHash: undefined,
    username: undefined,
    password: "user:pass",
  });
  assert.deepEqual(parseToken("K10::server:x"), {
    caHash: undefined,
    username: "server",
    password: "x",
  });
  assert.deepEqual(parseToken("abcdef.0123456789abcdef"), {
    caHash: undefined,
    password: "abcdef.0123456789abcdef",
    bootstrap: { id: "abcdef", secret: "0123456789abcdef" },
  });
  assert.equal(parseToken(`K10${HASH}::abcdef.0123456789abcdef`).bootstrap?.id, "abcdef");
});

Deno.test("parseToken() rejects empty tokens, bad hashes and missing secrets", () => {
  assert.throws(() => parseToken(""), /must not be empty/);
  assert.throws(() => parseToken("K10abc::server:x"), /invalid token CA hash length/);
  assert.throws(() => parseToken(`K10${"z".repeat(64)}::server:x`), /invalid token CA hash/);
  assert.throws(() => parseToken(`K10${HASH}::server:`), /invalid token format/);
  assert.throws(() => parseToken(`K10${HASH}::justsecret`), /invalid token format/);
});

Deno.test("caHashOf() hashes the CA PEM bytes /cacerts serves, or a bundle's root DER", async () => {
  const root = await createCa({ commonName: "root" });
  assert.equal(caHashOf(root.certPem), await sha256Hex(new TextEncoder().encode(root.certPem)));
  assert.notEqual(caHashOf(root.certPem), caHashOf(root.certPem.trimEnd()), "bytes, exactly");

  // An intermediate CA signed by root: the bundle's hash is the root's DER hash.
  const intermediate = await signCertificate({
    ca: root,
    commonName: "k3s-server-ca",
    usage: "both",
  });
  const bundle = intermediate.certPem + root.certPem;
  assert.equal(caHashOf(bundle), await sha256Hex(derOf(root.certPem)));
});

Deno.test("verifyCaHash() pins the CA: match, mismatch, and no hash", async () => {
  const ca = await createCa({ commonName: "k3s-server-ca@1" });
  const other = await createCa({ commonName: "k3s-server-ca@1" });
  const token = formatToken(ca.certPem, "server", "s");
  assert.match(token, /^K10[0-9a-f]{64}::server:s$/);
  assert.equal(verifyCaHash(token, ca.certPem), true);
  assert.throws(() => verifyCaHash(token, other.certPem), /token CA hash does not match/);
  assert.equal(verifyCaHash("s", other.certPem), false);
});

Deno.test("loadOrCreateTokens() makes a random token once, then reuses it", async () => {
  await withTempDir(async (dir) => {
    const ca = await createCa({ commonName: "k3s-server-ca@1" });
    const first = await loadOrCreateTokens({ dataDir: dir, serverCaPem: ca.certPem });
    assert.match(first.serverSecret, /^[0-9a-f]{32}$/);
    assert.equal(first.token, `K10${caHashOf(ca.certPem)}::server:${first.serverSecret}`);
    assert.equal(first.agentToken, `K10${caHashOf(ca.certPem)}::node:${first.serverSecret}`);
    const server = join(dir, "server");
    assert.equal(await readFile(join(server, "token"), "utf8"), first.token + "\n");
    assert.equal(await readFile(join(server, "agent-token"), "utf8"), first.agentToken + "\n");
    assert.equal((await stat(join(server, "token"))).mode & 0o777, 0o600);
    assert.equal((await stat(join(server, "agent-token"))).mode & 0o777, 0o600);
    assert.ok((await lstat(join(server, "node-token"))).isSymbolicLink());
    assert.equal(await readlink(join(server, "node-token")), "token");
    assert.equal(await readFile(join(server, "node-token"), "utf8"), first.token + "\n");

    const again = await loadOrCreateTokens({ dataDir: dir, serverCaPem: ca.certPem });
    assert.deepEqual(again, first);
    const other = await loadOrCreateTokens({
      dataDir: join(dir, "x"),
      serverCaPem: ca.certPem,
    });
    assert.notEqual(other.serverSecret, first.serverSecret);
  });
});

Deno.test("loadOrCreateTokens() takes --token, and refuses a different one later", async () => {
  await withTempDir(async (dir) => {
    const ca = await createCa({ commonName: "k3s-server-ca@1" });
    const first = await loadOrCreateTokens({
      dataDir: dir,
      serverCaPem: ca.certPem,
      token: "mysecret",
    });
    assert.equal(first.token, formatToken(ca.certPem, "server", "mysecret"));
    // The same secret in full form is the same token.
    await loadOrCreateTokens({ dataDir: dir, serverCaPem: ca.certPem, token: first.token });
    await loadOrCreateTokens({ dataDir: dir, serverCaPem: ca.certPem });
    await assert.rejects(
      loadOrCreateTokens({ dataDir: dir, serverCaPem: ca.certPem, token: "another" }),
      /bootstrap data already found and encrypted with different token/,
    );
    assert.equal(await readFile(join(dir, "server", "token"), "utf8"), first.token + "\n");
    await writeFile(join(dir, "server", "token"), "K10short::server:x\n");
    await assert.rejects(
      loadOrCreateTokens({ dataDir: dir, serverCaPem: ca.certPem }),
      /Cannot read .*token: Cannot parse token: invalid token CA hash length/,
    );
    await writeFile(join(dir, "server", "token"), first.token + "\n");
    const foreign = await createCa({ commonName: "k3s-server-ca@1" });
    await assert.rejects(
      loadOrCreateTokens({
        dataDir: dir,
        serverCaPem: ca.certPem,
        token: formatToken(foreign.certPem, "server", "mysecret"),
      }),
      /--token: its CA hash does not match/,
    );
  });
});

Deno.test("loadOrCreateTokens() keeps a separate --agent-token and a replaced node-token file", async () => {
  await withTempDir(async (dir) => {
    const ca = await createCa({ commonName: "k3s-server-ca@1" });
    const first = await loadOrCreateTokens({
      dataDir: dir,
      serverCaPem: ca.certPem,
      token: "srv",
      agentToken: "agt",
    });
    assert.equal(first.agentToken, formatToken(ca.certPem, "node", "agt"));
    const later = await loadOrCreateTokens({ dataDir: dir, serverCaPem: ca.certPem });
    assert.equal(later.agentSecret, "agt", "kept without the flag");

    const nodeToken = join(dir, "server", "node-token");
    await unlink(nodeToken);
    await writeFile(nodeToken, "old\n");
    await loadOrCreateTokens({ dataDir: dir, serverCaPem: ca.certPem });
    assert.ok((await lstat(nodeToken)).isSymbolicLink());
  });
});

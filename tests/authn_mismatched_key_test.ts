/**
 * A client certificate signed by the cluster's client CA, presented with a private key that does
 * not belong to it, authenticates nobody: the security invariant of `server/pki/tls_identity.ts`,
 * checked against the real server with a real TLS client. openssl, curl and node refuse to load a
 * mismatched key pair, so the client is a small Go program (`tests/testdata/tls_client`, standard
 * library only) built here with Debian's `golang-go` (installed by `sh scripts/deps.sh test`).
 *
 * @module
 */
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type K3sServer, REPO, run, startServer } from "./harness.ts";

/** What the Go client printed: an HTTP answer, or why there was none. */
type Outcome = { status: number; body: string } | { error: string };

/**
 * Builds the Go client into `dir` with a private cache and no network; returns its path. The
 * default cgo setting matches Debian's precompiled standard library, so only `main` compiles
 * (CGO_ENABLED=0 would rebuild `net` and its dependants: seconds instead of one).
 */
async function buildClient(dir: string): Promise<string> {
  const version = await run("go", ["version"]).catch((e: Error) => ({
    code: -1,
    stdout: "",
    stderr: e.message,
  }));
  if (version.code !== 0) {
    throw new Error(
      `Cannot run go (${version.stderr.trim()}): install Debian's golang-go ` +
        "(sh scripts/deps.sh test); this test needs a TLS client that can present a " +
        "certificate with a key that does not match it",
    );
  }
  const binary = join(dir, "tls_client");
  const started = performance.now();
  const built = await run(
    "go",
    ["build", "-o", binary, join(REPO, "tests", "testdata", "tls_client", "main.go")],
    {
      cwd: dir,
      env: {
        PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
        HOME: dir,
        GOCACHE: join(dir, "gocache"),
        GOPATH: join(dir, "gopath"),
        GOFLAGS: "-mod=mod",
        GOPROXY: "off",
        GOTOOLCHAIN: "local",
      },
    },
  );
  assert.equal(built.code, 0, `go build failed:\n${built.stderr}`);
  console.log(
    `built the Go TLS client (${version.stdout.trim()}) in ` +
      `${Math.round(performance.now() - started)} ms`,
  );
  return binary;
}

/** Runs openssl; throws with its stderr when it fails. */
async function openssl(dir: string, ...args: string[]): Promise<string> {
  const r = await run("openssl", args, { cwd: dir });
  assert.equal(r.code, 0, `openssl ${args.join(" ")}:\n${r.stderr}`);
  return r.stdout;
}

/** A fresh P-256 key in `dir/name`, matching no certificate. */
async function newKey(dir: string, name: string): Promise<string> {
  await openssl(dir, "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", name);
  return join(dir, name);
}

/**
 * An X.509 v1 certificate (`x509 -req` without extensions) for `system:admin` in
 * `system:masters`, signed by the server's real client CA; returns the cert and key paths.
 */
async function v1AdminCert(dir: string, tlsDir: string): Promise<{ cert: string; key: string }> {
  const key = await newKey(dir, "v1.key");
  await openssl(
    dir,
    "req",
    "-new",
    "-key",
    key,
    "-subj",
    "/O=system:masters/CN=system:admin",
    "-out",
    "v1.csr",
  );
  await openssl(
    dir,
    "x509",
    "-req",
    "-in",
    "v1.csr",
    "-CA",
    join(tlsDir, "client-ca.crt"),
    "-CAkey",
    join(tlsDir, "client-ca.key"),
    "-set_serial",
    "4242",
    "-days",
    "30",
    "-out",
    "v1.crt",
  );
  const text = await openssl(dir, "x509", "-in", "v1.crt", "-noout", "-text");
  assert.match(text, /Version: 1 \(0x0\)/, "openssl made an X.509 v1 certificate");
  const cert = join(dir, "v1.crt");
  // Signed by the cluster's client CA: the certificate itself is genuine.
  await openssl(dir, "verify", "-CAfile", join(tlsDir, "client-ca.crt"), cert);
  return { cert, key };
}

/** Asserts the request was not served as an authenticated user: no handshake, or a 401. */
function assertRefused(outcome: Outcome, what: string): void {
  console.log(`${what}: ${"error" in outcome ? outcome.error : `HTTP ${outcome.status}`}`);
  if ("error" in outcome) {
    // A refused handshake, not a server that is gone.
    assert.doesNotMatch(outcome.error, /connection refused|no such host/, what);
    return;
  }
  assert.notEqual(outcome.status, 200, `${what} was served: ${outcome.body.slice(0, 200)}`);
  assert.equal(outcome.status, 401, `${what}: ${outcome.body.slice(0, 300)}`);
}

Deno.test("a client certificate presented with a key that does not match it authenticates nobody", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "authn-mismatched-key-"));
  let server: K3sServer | undefined;
  try {
    const client = await buildClient(dir);
    server = await startServer();
    const tlsDir = join(server.dataDir, "server", "tls");
    const url = `https://127.0.0.1:${server.port}/api/v1/namespaces`;
    const request = async (cert: string, key: string): Promise<Outcome> => {
      const r = await run(client, [url, join(tlsDir, "server-ca.crt"), cert, key]);
      assert.equal(r.code, 0, `the Go client failed:\n${r.stderr}`);
      return JSON.parse(r.stdout);
    };
    const adminCert = join(tlsDir, "client-admin.crt");
    const adminKey = join(tlsDir, "client-admin.key");
    const wrongKey = await newKey(dir, "wrong.key");
    const v1 = await v1AdminCert(dir, tlsDir);

    await t.step(
      "the Go client authenticates with the admin certificate and its own key",
      async () => {
        const outcome = await request(adminCert, adminKey);
        assert.ok(!("error" in outcome), `no answer: ${JSON.stringify(outcome)}`);
        assert.equal(outcome.status, 200, outcome.body.slice(0, 300));
        assert.equal(JSON.parse(outcome.body).kind, "NamespaceList");
      },
    );

    await t.step("the admin (v3) certificate with another key is refused", async () => {
      assertRefused(
        await request(adminCert, wrongKey),
        "the v3 admin certificate with a wrong key",
      );
    });

    await t.step(
      "a v1 certificate signed by the client CA, with another key, is refused",
      async () => {
        assertRefused(await request(v1.cert, wrongKey), "the v1 certificate with a wrong key");
      },
    );

    await t.step("the v1 certificate with its own key is not a user either (v3 only)", async () => {
      assertRefused(await request(v1.cert, v1.key), "the v1 certificate with its own key");
    });

    await t.step(
      "a key matching nothing next to a copy of the admin chain is refused",
      async () => {
        const chain = join(dir, "admin-chain.crt");
        await writeFile(
          chain,
          (await readFile(adminCert, "utf8")) +
            (await readFile(join(tlsDir, "client-ca.crt"), "utf8")),
        );
        assertRefused(await request(chain, wrongKey), "the admin chain with a wrong key");
        // The CA's own key next to the leaf does not make it the admin's either.
        assertRefused(
          await request(adminCert, join(tlsDir, "client-ca.key")),
          "the admin certificate with the client CA's key",
        );
      },
    );
  } finally {
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  }
});

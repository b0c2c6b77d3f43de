import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import http2 from "node:http2";
import https from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AddressInfo } from "node:net";
import type { TLSSocket } from "node:tls";
import { type CertAndKey, createCa, signCertificate } from "./cert.ts";
import { type PeerSocket, tlsUser } from "./tls_identity.ts";

interface Fixtures {
  serverCa: CertAndKey;
  clientCa: CertAndKey;
  serving: CertAndKey;
  clients: Record<"admin" | "foreign" | "expired" | "v1", CertAndKey>;
}

/** An X.509 v1 certificate signed by the real client CA, made with openssl. */
function opensslV1Cert(ca: CertAndKey): CertAndKey {
  const dir = mkdtempSync(join(tmpdir(), "pki-v1-"));
  try {
    const file = (name: string) => join(dir, name);
    writeFileSync(file("ca.crt"), ca.certPem);
    writeFileSync(file("ca.key"), ca.keyPem);
    const run = (...args: string[]) => execFileSync("openssl", args, { stdio: "pipe" });
    run("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", file("v1.key"));
    run(
      "req",
      "-new",
      "-key",
      file("v1.key"),
      "-subj",
      "/O=system:masters/CN=v1-user",
      "-out",
      file("v1.csr"),
    );
    run(
      "x509",
      "-req",
      "-in",
      file("v1.csr"),
      "-CA",
      file("ca.crt"),
      "-CAkey",
      file("ca.key"),
      "-set_serial",
      "7",
      "-days",
      "30",
      "-out",
      file("v1.crt"),
    );
    const text = execFileSync("openssl", ["x509", "-in", file("v1.crt"), "-noout", "-text"])
      .toString();
    assert.deepEqual(/Version: 1 \(0x0\)/.test(text), true, "openssl made a v1 certificate");
    return {
      certPem: readFileSync(file("v1.crt"), "utf8"),
      keyPem: readFileSync(file("v1.key"), "utf8"),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

let fixtures: Promise<Fixtures> | undefined;
function getFixtures(): Promise<Fixtures> {
  return fixtures ??= (async () => {
    const serverCa = await createCa({ commonName: "k3s-server-ca@1" });
    const clientCa = await createCa({ commonName: "k3s-client-ca@1" });
    const foreignCa = await createCa({ commonName: "k3s-client-ca@1" });
    const serving = await signCertificate({
      ca: serverCa,
      commonName: "kube-apiserver",
      sans: ["localhost", "127.0.0.1"],
      usage: "server",
    });
    const admin = { commonName: "system:admin", organizations: ["system:masters"] };
    return {
      serverCa,
      clientCa,
      serving,
      clients: {
        admin: await signCertificate({ ca: clientCa, ...admin, usage: "client" }),
        foreign: await signCertificate({ ca: foreignCa, ...admin, usage: "client" }),
        expired: await signCertificate({
          ca: clientCa,
          ...admin,
          usage: "client",
          now: new Date(Date.now() - 10 * 86_400_000),
          days: 2,
        }),
        v1: opensslV1Cert(clientCa),
      },
    };
  })();
}

type Client = keyof Fixtures["clients"] | "none";
const CASES: [Client, ReturnType<typeof tlsUser>][] = [
  ["admin", { name: "system:admin", groups: ["system:masters"] }],
  ["foreign", null],
  ["expired", null],
  ["v1", null],
  ["none", null],
];

function clientTls(f: Fixtures, who: Client) {
  const cert = who === "none" ? {} : { cert: f.clients[who].certPem, key: f.clients[who].keyPem };
  return { ca: f.serverCa.certPem, ...cert };
}

function serverTls(f: Fixtures) {
  const { certPem: cert, keyPem: key } = f.serving;
  return { cert, key, ca: f.clientCa.certPem, requestCert: true, rejectUnauthorized: false };
}

function getHttp1(port: number, tls: object, headers: Record<string, string> = {}) {
  return new Promise<string>((resolve, reject) => {
    https.get({ host: "127.0.0.1", port, path: "/", agent: false, headers, ...tls }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c) => body += c);
      res.on("end", () => resolve(body));
    }).on("error", reject);
  });
}

function getHttp2(port: number, tls: object) {
  return new Promise<string>((resolve, reject) => {
    const session = http2.connect(`https://127.0.0.1:${port}`, tls);
    session.on("error", reject);
    const req = session.request({ ":path": "/" });
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (c) => body += c);
    req.on("end", () => session.close(() => resolve(body)));
    req.on("error", reject);
    req.end();
  });
}

Deno.test("tlsUser() identifies only TLS-verified client certificates on node:https", async () => {
  const f = await getFixtures();
  const server = https.createServer(serverTls(f), (req, res) => {
    res.end(JSON.stringify(tlsUser(req.socket as TLSSocket)));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  try {
    for (const [who, want] of CASES) {
      assert.deepEqual(JSON.parse(await getHttp1(port, clientTls(f, who))), want, who);
    }
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
});

Deno.test("tlsUser() works on node:http2 allowHTTP1 for HTTP/2, HTTP/1.1 and upgrades", async () => {
  const f = await getFixtures();
  const server = http2.createSecureServer({ ...serverTls(f), allowHTTP1: true }, (req, res) => {
    const user = tlsUser(req.socket as unknown as PeerSocket);
    res.end(JSON.stringify({ version: req.httpVersion, user }));
  });
  server.on("upgrade", (_req, socket: TLSSocket) => {
    const body = JSON.stringify({ version: "upgrade", user: tlsUser(socket) });
    socket.end(
      `HTTP/1.1 400 Bad Request\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const upgrade = { Connection: "Upgrade", Upgrade: "websocket" };
  try {
    for (const [who, want] of CASES) {
      const tls = clientTls(f, who);
      assert.deepEqual(JSON.parse(await getHttp2(port, tls)), { version: "2.0", user: want }, who);
      assert.deepEqual(JSON.parse(await getHttp1(port, tls)), { version: "1.1", user: want }, who);
      assert.deepEqual(
        JSON.parse(await getHttp1(port, tls, upgrade)),
        { version: "upgrade", user: want },
        who,
      );
    }
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
});

Deno.test("tlsUser() reads CN and every O, and refuses unverified or odd subjects", () => {
  const socket = (authorized: boolean, subject: unknown): PeerSocket => ({
    authorized,
    getPeerCertificate: (() => ({ subject })) as PeerSocket["getPeerCertificate"],
  });
  assert.deepEqual(tlsUser(socket(true, { CN: "u", O: ["a", "b"] })), {
    name: "u",
    groups: ["a", "b"],
  });
  assert.deepEqual(tlsUser(socket(true, { CN: "u", O: "a" })), { name: "u", groups: ["a"] });
  assert.deepEqual(tlsUser(socket(true, { CN: "u" })), { name: "u", groups: [] });
  assert.deepEqual(tlsUser(socket(false, { CN: "u", O: "system:masters" })), null);
  assert.deepEqual(tlsUser(socket(true, { CN: ["u", "v"] })), null);
  assert.deepEqual(tlsUser(socket(true, { O: "system:masters" })), null);
  assert.deepEqual(tlsUser(socket(true, undefined)), null);
  assert.deepEqual(tlsUser(null), null);
});

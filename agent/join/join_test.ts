import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { createServer, type Server } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { silentLogger } from "../../kube/client/log.ts";
import { joinCluster, splitPemBundle } from "./join.ts";
import { caBundleHash, parseJoinToken } from "./token.ts";

interface Fake {
  server: Server;
  url: string;
  ca: string;
  seen: Record<string, string | undefined>[];
  close(): Promise<void>;
}

/** A supervisor stand-in: a self-signed certificate serves /cacerts and the join API. */
async function fakeSupervisor(dir: string, refuse = false): Promise<Fake> {
  const key = join(dir, "ca.key");
  const cert = join(dir, "ca.crt");
  execFileSync("openssl", [
    "req",
    "-x509",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:prime256v1",
    "-nodes",
    "-subj",
    "/CN=k3s-test",
    "-addext",
    "subjectAltName=IP:127.0.0.1",
    "-days",
    "1",
    "-keyout",
    key,
    "-out",
    cert,
  ], { stdio: "ignore" });
  const ca = await readFile(cert, "utf8");
  const keyPem = await readFile(key, "utf8");
  const seen: Fake["seen"] = [];
  const server = createServer({ cert: ca, key: keyPem }, (req, res): void => {
    seen.push({
      path: req.url,
      authorization: req.headers.authorization,
      name: req.headers["k3s-node-name"] as string | undefined,
      password: req.headers["k3s-node-password"] as string | undefined,
      ip: req.headers["k3s-node-ip"] as string | undefined,
    });
    if (req.url === "/cacerts") return void res.end(ca);
    if (refuse) {
      res.writeHead(401);
      return void res.end("Unauthorized");
    }
    if (req.url?.endsWith(".crt") && req.url.includes("kubelet")) return void res.end(ca + keyPem);
    if (req.url === "/v1-k3s/client-ca.crt") return void res.end(ca);
    if (req.url === "/v1-k3s/config") {
      return void res.end(
        JSON.stringify({ ClusterDomain: "cluster.local", ClusterDNS: "10.43.0.10" }),
      );
    }
    res.writeHead(404);
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  return {
    server,
    url: `https://127.0.0.1:${port}`,
    ca,
    seen,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

Deno.test("joinCluster() pins the CA with the token, sends the node password and writes the kubelet's files", async () => {
  const dir = await mkdtemp(join(tmpdir(), "k3s-join-"));
  const fake = await fakeSupervisor(dir);
  try {
    const token = parseJoinToken(`K10${caBundleHash(fake.ca)}::node:secret`);
    const result = await joinCluster({
      server: fake.url,
      token,
      nodeName: "edge-1",
      nodeIps: ["10.0.0.5"],
      passwordFile: join(dir, "etc", "node", "password"),
      agentDir: join(dir, "agent"),
      log: silentLogger,
    });
    assert.equal(result.config.ClusterDNS, "10.43.0.10");
    assert.match(result.kubeletClient.keyPem, /PRIVATE KEY/);
    const password = (await readFile(join(dir, "etc", "node", "password"), "utf8")).trim();
    assert.match(password, /^[0-9a-f]{32}$/);
    assert.equal((await stat(join(dir, "etc", "node", "password"))).mode & 0o777, 0o600);
    const certRequest = fake.seen.find((s) => s.path === "/v1-k3s/serving-kubelet.crt")!;
    assert.equal(certRequest.authorization, `Basic ${btoa("node:secret")}`);
    assert.deepEqual([certRequest.name, certRequest.password, certRequest.ip], [
      "edge-1",
      password,
      "10.0.0.5",
    ]);
    for (
      const f of ["server-ca.crt", "client-ca.crt", "client-kubelet.crt", "serving-kubelet.key"]
    ) {
      await stat(join(dir, "agent", f));
    }
    // A second join reads the same password.
    await joinCluster({
      server: fake.url,
      token,
      nodeName: "edge-1",
      nodeIps: ["10.0.0.5"],
      passwordFile: join(dir, "etc", "node", "password"),
      agentDir: join(dir, "agent"),
      log: silentLogger,
    });
    assert.equal(fake.seen.at(-1)?.password, password);
  } finally {
    await fake.close();
    await rm(dir, { recursive: true });
  }
});

Deno.test("joinCluster() refuses a server whose CA does not match the token, and a refused token, without retrying", async () => {
  const dir = await mkdtemp(join(tmpdir(), "k3s-join-"));
  const fake = await fakeSupervisor(dir, true);
  try {
    const options = {
      server: fake.url,
      nodeName: "edge-1",
      nodeIps: [],
      passwordFile: join(dir, "password"),
      agentDir: join(dir, "agent"),
      log: silentLogger,
      retryMs: 10,
    };
    await assert.rejects(
      joinCluster({ ...options, token: parseJoinToken(`K10${"0".repeat(64)}::node:secret`) }),
      /Cannot trust the server: the token's CA hash/,
    );
    await assert.rejects(
      joinCluster({ ...options, token: parseJoinToken(`K10${caBundleHash(fake.ca)}::node:wrong`) }),
      /Cannot join: \/v1-k3s\/serving-kubelet.crt answered 401/,
    );
  } finally {
    await fake.close();
    await rm(dir, { recursive: true });
  }
});

Deno.test("joinCluster() falls back to the data dir when the node password cannot be written", async () => {
  const dir = await mkdtemp(join(tmpdir(), "k3s-join-"));
  const fake = await fakeSupervisor(dir);
  try {
    const result = await joinCluster({
      server: fake.url,
      token: parseJoinToken(`K10${caBundleHash(fake.ca)}::node:secret`),
      nodeName: "edge-1",
      nodeIps: [],
      passwordFile: join(dir, "ca.crt", "password"),
      fallbackPasswordFile: join(dir, "agent", "node-password.txt"),
      agentDir: join(dir, "agent"),
      log: silentLogger,
    });
    assert.equal(result.passwordFile, join(dir, "agent", "node-password.txt"));
  } finally {
    await fake.close();
    await rm(dir, { recursive: true });
  }
});

Deno.test("splitPemBundle() separates certificates and the key", () => {
  const cert = "-----BEGIN CERTIFICATE-----\nA\n-----END CERTIFICATE-----\n";
  const key = "-----BEGIN EC PRIVATE KEY-----\nK\n-----END EC PRIVATE KEY-----\n";
  assert.deepEqual(splitPemBundle(cert + cert + key), { certs: [cert, cert], keyPem: key });
});

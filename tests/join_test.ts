/**
 * The K3s join API end to end, as an agent uses it: a real `k3s server`, `curl` with HTTP basic
 * auth and `--cacert` (or a bootstrap token as a bearer token), `openssl` to check the issued
 * certificates, and the real kubectl to show that they authenticate through the TLS layer.
 *
 * @module
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { buildKubeconfig } from "../kube/kubeconfig.ts";
import { type CommandResult, type K3sServer, REPO, run, startServer } from "./harness.ts";

interface Curl {
  status: number;
  body: string;
}

/** `curl` against the server; `-w` appends the status on a line of its own. */
async function curl(server: K3sServer, path: string, args: string[] = []): Promise<Curl> {
  const r = await run("curl", [
    "-sS",
    "--cacert",
    join(server.dataDir, "server", "tls", "server-ca.crt"),
    "-w",
    "\n%{http_code}",
    ...args,
    `https://127.0.0.1:${server.port}${path}`,
  ]);
  assert.equal(r.code, 0, r.stderr);
  const at = r.stdout.lastIndexOf("\n");
  return { status: Number(r.stdout.slice(at + 1)), body: r.stdout.slice(0, at) };
}

function nodeHeaders(name: string, password: string, ips?: string): string[] {
  const h = ["-H", `K3s-Node-Name: ${name}`, "-H", `K3s-Node-Password: ${password}`];
  return ips ? [...h, "-H", `K3s-Node-IP: ${ips}`] : h;
}

async function openssl(args: string[], stdin?: string): Promise<CommandResult> {
  return await run("openssl", args, { stdin });
}

function blocks(text: string, label: string): string[] {
  return text.match(
    new RegExp(`-----BEGIN ${label}-----[\\s\\S]*?-----END ${label}-----\\n`, "g"),
  ) ??
    [];
}

/** `kubectl auth whoami` with a client certificate and key, as a kubelet would call. */
async function whoamiWithCert(server: K3sServer, name: string, pem: string): Promise<string> {
  const path = join(server.dataDir, `${name}.kubeconfig`);
  await writeFile(
    path,
    buildKubeconfig({
      server: `https://127.0.0.1:${server.port}`,
      caPem: await readFile(join(server.dataDir, "server", "tls", "server-ca.crt"), "utf8"),
      certPem: blocks(pem, "CERTIFICATE").join(""),
      keyPem: blocks(pem, "PRIVATE KEY")[0],
      user: name,
    }),
    { mode: 0o600 },
  );
  const out = await server.kubectlOk(["--kubeconfig", path, "auth", "whoami", "-o", "json"]);
  return JSON.parse(out).status.userInfo.username;
}

Deno.test("the join API with the node token, as agents use it", async (t) => {
  const server = await startServer();
  try {
    const serverToken = (await readFile(join(server.dataDir, "server", "token"), "utf8")).trim();
    const agentToken = (await readFile(join(server.dataDir, "server", "agent-token"), "utf8"))
      .trim();
    const secret = (token: string) => token.slice(token.lastIndexOf(":") + 1);
    const agent = ["-u", `node:${secret(agentToken)}`];

    await t.step("the CA hash in the K10 tokens is the hash of /cacerts", async () => {
      const r = await run("curl", ["-sSk", `https://127.0.0.1:${server.port}/cacerts`]);
      const hash = createHash("sha256").update(r.stdout).digest("hex");
      assert.match(serverToken, new RegExp(`^K10${hash}::server:[0-9a-f]{32}$`));
      assert.match(agentToken, new RegExp(`^K10${hash}::node:`));
    });

    await t.step("without the token, or with a wrong one, the join API is a 401", async () => {
      assert.equal((await curl(server, "/v1-k3s/config")).status, 401);
      assert.equal((await curl(server, "/v1-k3s/config", ["-u", "node:wrong"])).status, 401);
      assert.equal((await curl(server, "/ping")).body, "pong");
    });

    await t.step("the agent config and API server list", async () => {
      const config = await curl(server, "/v1-k3s/config", agent);
      assert.equal(config.status, 200, config.body);
      const c = JSON.parse(config.body);
      assert.equal(c.ClusterDNS, "10.43.0.10");
      assert.equal(c.ClusterDomain, "cluster.local");
      assert.deepEqual(c.ServiceIPRange, { IP: "10.43.0.0", Mask: "//8AAA==" });
      assert.equal(c.HTTPSPort, server.port);
      const servers = await curl(server, "/v1-k3s/apiservers", [
        "-u",
        `server:${secret(serverToken)}`,
      ]);
      assert.deepEqual(JSON.parse(servers.body), [`127.0.0.1:${server.port}`]);
    });

    await t.step("a kubelet serving certificate from the server CA", async () => {
      const r = await curl(
        server,
        "/v1-k3s/serving-kubelet.crt",
        [...agent, ...nodeHeaders("edge-1", "pw-1", "192.168.7.10")],
      );
      assert.equal(r.status, 200, r.body);
      const [leaf] = blocks(r.body, "CERTIFICATE");
      const cafile = join(server.dataDir, "server", "tls", "server-ca.crt");
      const verify = await openssl(["verify", "-purpose", "sslserver", "-CAfile", cafile], leaf);
      assert.match(verify.stdout, /OK/, verify.stderr);
      const text = (await openssl(["x509", "-noout", "-text"], leaf)).stdout;
      assert.match(text, /Subject: CN ?= ?edge-1/);
      assert.match(
        text,
        /DNS:edge-1, DNS:localhost, IP Address:127\.0\.0\.1, IP Address:192\.168\.7\.10/,
      );
    });

    await t.step("a kubelet client certificate that authenticates as the node", async () => {
      const r = await curl(server, "/v1-k3s/client-kubelet.crt", [
        ...agent,
        ...nodeHeaders("edge-1", "pw-1"),
      ]);
      assert.equal(r.status, 200, r.body);
      const cafile = join(server.dataDir, "server", "tls", "client-ca.crt");
      const verify = await openssl(
        ["verify", "-purpose", "sslclient", "-CAfile", cafile],
        blocks(r.body, "CERTIFICATE")[0],
      );
      assert.match(verify.stdout, /OK/, verify.stderr);
      assert.equal(await whoamiWithCert(server, "kubelet", r.body), "system:node:edge-1");
      const proxy = await curl(server, "/v1-k3s/client-kube-proxy.crt", agent);
      assert.equal(await whoamiWithCert(server, "proxy", proxy.body), "system:kube-proxy");
    });

    await t.step("another password for an existing node is a 403", async () => {
      const r = await curl(server, "/v1-k3s/client-kubelet.crt", [
        ...agent,
        ...nodeHeaders("edge-1", "stolen"),
      ]);
      assert.equal(r.status, 403, r.body);
      assert.match(r.body, /hash does not match/);
      const secretJson = await server.kubectlOk([
        "-n",
        "kube-system",
        "get",
        "secret",
        "edge-1.node-password.k3s",
        "-o",
        "jsonpath={.data.hash}",
      ]);
      assert.match(atob(secretJson), /^\$1:[0-9a-f]{16}:15:8:1:/);
    });

    await t.step("the join token does not reach the Kubernetes API", async () => {
      const r = await curl(server, "/api/v1/namespaces/kube-system/secrets", agent);
      assert.equal(r.status, 403);
    });

    await t.step("a bootstrap token from `k3s token create` may join", async () => {
      const created = await run(Deno.execPath(), [
        "run",
        "-A",
        "--quiet",
        join(REPO, "main.ts"),
        "token",
        "create",
        "--kubeconfig",
        server.kubeconfig,
      ]);
      assert.equal(created.code, 0, created.stderr);
      const full = created.stdout.trim();
      assert.equal(full.slice(0, 67), serverToken.slice(0, 67), "same K10 CA hash");
      const bearer = full.slice(full.indexOf("::") + 2);
      const r = await curl(server, "/v1-k3s/config", ["-H", `Authorization: Bearer ${bearer}`]);
      assert.equal(r.status, 200, r.body);
      const cert = await curl(server, "/v1-k3s/client-kubelet.crt", [
        "-H",
        `Authorization: Bearer ${bearer}`,
        ...nodeHeaders("edge-2", "pw-2"),
      ]);
      assert.equal(cert.status, 200, cert.body);
    });
  } finally {
    await server.close();
  }
});

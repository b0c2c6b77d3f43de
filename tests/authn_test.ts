/**
 * Authentication end to end: a real `k3s server` and the real kubectl (oldest and newest on the
 * machine). Anonymous requests reach only the anonymous paths; `kubectl create token` mints
 * service account tokens that `kubectl auth whoami` shows, and that stop working when they are
 * expired, forged, meant for another audience, or outlive their service account or bound pod;
 * `k3s token create/list/delete` manages bootstrap tokens that authenticate; and a token webhook
 * configured with `--kube-apiserver-arg` authenticates its own users.
 *
 * @module
 */
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { SignJWT } from "jose";
import { buildKubeconfig } from "../kube/kubeconfig.ts";
import { boundClaims, ServiceAccountTokenSigner } from "../server/apiserver/authn/sa_claims.ts";
import { caHashOf } from "../server/pki/token.ts";
import { generateKeyPair, publicKeyPemOf } from "../server/pki/x509.ts";
import {
  type CommandResult,
  type K3sServer,
  kubectlSteps,
  REPO,
  run,
  type ScopedKubectl,
  startServer,
} from "./harness.ts";

const ISSUER = "https://kubernetes.default.svc.cluster.local";

/** A kubeconfig holding only the server CA and a bearer token (no client certificate). */
async function tokenKubeconfig(server: K3sServer, name: string, token: string): Promise<string> {
  const path = join(server.dataDir, `${name}.kubeconfig`);
  await writeFile(
    path,
    buildKubeconfig({
      server: `https://127.0.0.1:${server.port}`,
      caPem: await readFile(join(server.dataDir, "server", "tls", "server-ca.crt"), "utf8"),
      token,
      user: name,
    }),
    { mode: 0o600 },
  );
  return path;
}

/** `kubectl auth whoami -o json` with only `token`, as the given kubectl. */
async function whoami(server: K3sServer, k: ScopedKubectl, token: string) {
  const kc = await tokenKubeconfig(server, `who-${crypto.randomUUID().slice(0, 8)}`, token);
  return await server.kubectl(["--kubeconfig", kc, "auth", "whoami", "-o", "json"], {
    binary: k.binary,
  });
}

function userInfo(r: CommandResult): Record<string, unknown> {
  assert.equal(r.code, 0, r.stderr);
  return (JSON.parse(r.stdout).status as { userInfo: Record<string, unknown> }).userInfo;
}

function assertUnauthorized(r: CommandResult): void {
  assert.notEqual(r.code, 0, `expected a refusal, got:\n${r.stdout}`);
  assert.match(r.stderr, /Unauthorized|You must be logged in/);
}

/** Polls until `fn` resolves true (the watch cache follows deletes within moments). */
async function eventually(fn: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Runs `k3s token ...` from this checkout. */
function k3sToken(args: string[]): Promise<CommandResult> {
  return run(Deno.execPath(), ["run", "-A", "--quiet", join(REPO, "main.ts"), "token", ...args], {
    env: { NO_COLOR: "1", PATH: Deno.env.get("PATH") ?? "", HOME: Deno.env.get("HOME") ?? "" },
  });
}

Deno.test("authentication with the real kubectl", async (t) => {
  const server = await startServer();
  try {
    await t.step("without credentials only the anonymous paths answer", async () => {
      for (const path of ["/api", "/apis", "/api/v1/namespaces", "/v1-k3s/config", "/openapi/v2"]) {
        const r = await server.request("GET", path, { anonymous: true });
        assert.equal(r.status, 401, `${path}: ${r.body}`);
      }
      for (const path of ["/cacerts", "/ping", "/version", "/healthz", "/readyz"]) {
        const r = await server.request("GET", path, { anonymous: true });
        assert.equal(r.status, 200, `${path}: ${r.body}`);
      }
    });

    await kubectlSteps(t, server, "authn", async (k, t) => {
      const ns = k.namespace;
      await k.ok(["create", "serviceaccount", "robot"]);

      await t.step("kubectl create token, then auth whoami as the service account", async () => {
        const token = (await k.ok(["create", "token", "robot", "--duration", "15m"])).trim();
        const info = userInfo(await whoami(server, k, token));
        assert.equal(info.username, `system:serviceaccount:${ns}:robot`);
        assert.deepEqual(info.groups, [
          "system:serviceaccounts",
          `system:serviceaccounts:${ns}`,
          "system:authenticated",
        ]);
        const sa = JSON.parse(await k.ok(["get", "serviceaccount", "robot", "-o", "json"]));
        assert.equal(info.uid, sa.metadata.uid);
        const claims = JSON.parse(atob(token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/")));
        assert.equal(claims.exp - claims.iat, 900);
        assert.equal(claims.iss, ISSUER);
      });

      await t.step("a token for another audience is refused", async () => {
        const token = (await k.ok(["create", "token", "robot", "--audience", "vault"])).trim();
        assertUnauthorized(await whoami(server, k, token));
      });

      await t.step("expired and forged tokens are refused", async () => {
        const sa = JSON.parse(await k.ok(["get", "serviceaccount", "robot", "-o", "json"]));
        const keyPem = await readFile(join(server.dataDir, "server", "tls", "service.key"), "utf8");
        const spec = {
          issuer: ISSUER,
          namespace: ns,
          serviceAccount: { name: "robot", uid: sa.metadata.uid as string },
          audiences: [ISSUER],
          expirationSeconds: 600,
        };
        const signer = new ServiceAccountTokenSigner(keyPem, publicKeyPemOf(keyPem));
        const fresh = await signer.sign(boundClaims({ ...spec, now: new Date() }));
        assert.equal(
          userInfo(await whoami(server, k, fresh)).username,
          `system:serviceaccount:${ns}:robot`,
        );
        const expired = await signer.sign(
          boundClaims({ ...spec, now: new Date(Date.now() - 3_600_000) }),
        );
        assertUnauthorized(await whoami(server, k, expired));
        const other = await generateKeyPair();
        const forged = await new SignJWT({ ...boundClaims({ ...spec, now: new Date() }) })
          .setProtectedHeader({ alg: "ES256" })
          .sign(other.privateKey);
        assertUnauthorized(await whoami(server, k, forged));
      });

      await t.step("a token stops working when its service account is deleted", async () => {
        await k.ok(["create", "serviceaccount", "temp"]);
        const token = (await k.ok(["create", "token", "temp"])).trim();
        userInfo(await whoami(server, k, token));
        await k.ok(["delete", "serviceaccount", "temp"]);
        await eventually(async () => (await whoami(server, k, token)).code !== 0);
        assertUnauthorized(await whoami(server, k, token));
      });

      await t.step("a pod-bound token stops working when the pod is deleted", async () => {
        await k.ok(["create", "-f", "-"], {
          stdin: JSON.stringify({
            apiVersion: "v1",
            kind: "Pod",
            metadata: { name: "holder" },
            spec: { serviceAccountName: "robot", containers: [{ name: "c", image: "busybox" }] },
          }),
        });
        const token = (await k.ok([
          "create",
          "token",
          "robot",
          "--bound-object-kind",
          "Pod",
          "--bound-object-name",
          "holder",
        ])).trim();
        const info = userInfo(await whoami(server, k, token));
        const extra = info.extra as Record<string, string[]>;
        assert.deepEqual(extra["authentication.kubernetes.io/pod-name"], ["holder"]);
        await k.ok(["delete", "pod", "holder", "--wait=false"]);
        await eventually(async () => (await whoami(server, k, token)).code !== 0);
        assertUnauthorized(await whoami(server, k, token));
      });
    });

    await t.step(
      "k3s token create, list and delete a bootstrap token that authenticates",
      async () => {
        const kc = ["--kubeconfig", server.kubeconfig, "--data-dir", server.dataDir];
        const created = await k3sToken([
          "create",
          ...kc,
          "--description",
          "edge nodes",
          "--ttl",
          "2h",
        ]);
        assert.equal(created.code, 0, created.stderr);
        const full = created.stdout.trim();
        const m = /^K10([0-9a-f]{64})::([a-z0-9]{6})\.([a-z0-9]{16})$/.exec(full);
        assert.ok(m, full);
        const cacerts = await server.request("GET", "/cacerts", { anonymous: true });
        assert.equal(m[1], caHashOf(cacerts.body));
        const id = m[2];

        const listed = await k3sToken(["list", ...kc]);
        assert.equal(listed.code, 0, listed.stderr);
        const line = listed.stdout.split("\n").find((l) => l.startsWith(id));
        assert.ok(line, listed.stdout);
        assert.match(listed.stdout, /^TOKEN +TTL +EXPIRES +USAGES +DESCRIPTION +EXTRA GROUPS$/m);
        assert.match(
          line,
          /^\w{6} +(1h|2h) +\S+Z +authentication,signing +edge nodes +system:bootstrappers:k3s:default-node-token$/,
        );

        const kubectl = await tokenKubeconfig(server, "bootstrap", `${id}.${m[3]}`);
        const who = await server.kubectl(["--kubeconfig", kubectl, "auth", "whoami", "-o", "json"]);
        const info = userInfo(who);
        assert.equal(info.username, `system:bootstrap:${id}`);
        assert.deepEqual(info.groups, [
          "system:bootstrappers",
          "system:bootstrappers:k3s:default-node-token",
          "system:authenticated",
        ]);

        const deleted = await k3sToken(["delete", ...kc, id]);
        assert.equal(deleted.code, 0, deleted.stderr);
        assert.equal(deleted.stdout, `bootstrap token "${id}" deleted\n`);
        assert.ok(!(await k3sToken(["list", ...kc])).stdout.includes(`${id} `));
        await eventually(async () =>
          (await server.kubectl(["--kubeconfig", kubectl, "auth", "whoami"])).code !== 0
        );
      },
    );
  } finally {
    await server.close();
  }
});

Deno.test("a token webhook authenticates its own users, cached", async () => {
  let reviews = 0;
  const hook = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      reviews++;
      const review = JSON.parse(body);
      const ok = review.spec.token === "webhook-token-alice";
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({
        apiVersion: review.apiVersion,
        kind: "TokenReview",
        status: ok
          ? { authenticated: true, user: { username: "alice", groups: ["developers"] } }
          : { authenticated: false },
      }));
    });
  });
  await new Promise<void>((r) => hook.listen(0, "127.0.0.1", r));
  const dir = await Deno.makeTempDir({ prefix: "k3s-webhook-" });
  const config = join(dir, "webhook.kubeconfig");
  await writeFile(
    config,
    `apiVersion: v1
kind: Config
clusters:
- name: hook
  cluster: {server: "http://127.0.0.1:${(hook.address() as AddressInfo).port}/"}
users:
- name: apiserver
  user: {}
contexts:
- name: hook
  context: {cluster: hook, user: apiserver}
current-context: hook
`,
  );
  const server = await startServer({
    args: [
      `--kube-apiserver-arg=authentication-token-webhook-config-file=${config}`,
      "--kube-apiserver-arg=authentication-token-webhook-cache-ttl=1m",
    ],
  });
  try {
    const kc = await tokenKubeconfig(server, "alice", "webhook-token-alice");
    for (let i = 0; i < 2; i++) {
      const info = userInfo(
        await server.kubectl(["--kubeconfig", kc, "auth", "whoami", "-o", "json"]),
      );
      assert.equal(info.username, "alice");
      assert.deepEqual(info.groups, ["developers", "system:authenticated"]);
    }
    assert.equal(reviews, 1, "the second request was answered from the cache");
    const bad = await tokenKubeconfig(server, "mallory", "webhook-token-mallory");
    assertUnauthorized(await server.kubectl(["--kubeconfig", bad, "get", "pods"]));
  } finally {
    await server.close();
    await new Promise<void>((r) => hook.close(() => r()));
    await Deno.remove(dir, { recursive: true });
  }
});

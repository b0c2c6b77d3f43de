import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { readFile } from "node:fs/promises";
import { ADMIN, type AuthnTestServer, authnTestServer } from "../apiserver/authn/testing.ts";
import { publicKeyPemOf } from "../pki/x509.ts";
import { watchNodeDeletions } from "./node_password.ts";

function basic(user: string, password: string): Record<string, string> {
  return { authorization: `Basic ${btoa(`${user}:${password}`)}` };
}

function node(name: string, password: string, extra: Record<string, string> = {}) {
  return { "k3s-node-name": name, "k3s-node-password": password, ...extra };
}

function pemBlocks(text: string, label: string): string[] {
  const re = new RegExp(`-----BEGIN ${label}-----[\\s\\S]*?-----END ${label}-----\\n?`, "g");
  return text.match(re) ?? [];
}

async function get(s: AuthnTestServer, path: string, headers: Record<string, string>) {
  const res = await s.call("GET", path, { headers });
  return { status: res.status, text: await res.text() };
}

Deno.test("the K3s join API", async (t) => {
  const s = await authnTestServer();
  const agent = basic("node", s.tokens.agentSecret);
  try {
    await t.step("needs credentials; /cacerts and /ping do not", async () => {
      assert.equal((await get(s, "/v1-k3s/config", {})).status, 401);
      assert.equal((await get(s, "/v1-k3s/config", basic("node", "wrong"))).status, 401);
      const ca = await get(s, "/cacerts", {});
      assert.equal(ca.status, 200);
      assert.equal(ca.text, s.pki.serverCa.certPem);
    });

    await t.step("serves the agent config and the API servers to the agent token", async () => {
      const config = JSON.parse((await get(s, "/v1-k3s/config", agent)).text);
      assert.equal(config.ClusterDNS, "10.43.0.10");
      assert.equal(config.ClusterDomain, "cluster.local");
      assert.deepEqual(config.ClusterIPRange, { IP: "10.42.0.0", Mask: "//8AAA==" });
      const servers = await get(s, "/v1-k3s/apiservers", basic("server", s.tokens.serverSecret));
      assert.deepEqual(JSON.parse(servers.text), ["127.0.0.1:6443"]);
    });

    await t.step("issues a kubelet serving certificate for the node name and IPs", async () => {
      const r = await get(
        s,
        "/v1-k3s/serving-kubelet.crt",
        node("Worker-1", "pw", {
          ...agent,
          "k3s-node-ip": "10.0.0.5,fd00::5",
        }),
      );
      assert.equal(r.status, 200, r.text);
      const [leaf, ca] = pemBlocks(r.text, "CERTIFICATE");
      const cert = new X509Certificate(leaf);
      assert.equal(cert.subject, "CN=worker-1");
      assert.equal(
        cert.subjectAltName,
        "DNS:worker-1, DNS:localhost, IP Address:127.0.0.1, IP Address:10.0.0.5, IP Address:fd00::5",
      );
      assert.ok(cert.verify(new X509Certificate(s.pki.serverCa.certPem).publicKey));
      assert.equal(ca, s.pki.serverCa.certPem);
      const [key] = pemBlocks(r.text, "PRIVATE KEY");
      assert.equal(key, await readFile(s.pki.kubeletKeys.servingKeyPath, "utf8"));
      assert.equal(publicKeyPemOf(key), cert.publicKey.export({ type: "spki", format: "pem" }));
    });

    await t.step("issues a kubelet client certificate in system:nodes", async () => {
      const r = await get(s, "/v1-k3s/client-kubelet.crt", node("worker-1", "pw", agent));
      assert.equal(r.status, 200, r.text);
      const cert = new X509Certificate(pemBlocks(r.text, "CERTIFICATE")[0]);
      assert.equal(cert.subject, "O=system:nodes\nCN=system:node:worker-1");
      assert.ok(cert.verify(new X509Certificate(s.pki.clientCa.certPem).publicKey));
    });

    await t.step("stores the node password on first join and refuses another one", async () => {
      const secret = await s.json(
        "GET",
        "/api/v1/namespaces/kube-system/secrets/worker-1.node-password.k3s",
        {
          cert: ADMIN,
        },
      );
      assert.equal(secret.status, 200);
      assert.match(atob((secret.body.data as { hash: string }).hash), /^\$1:/);
      const r = await get(s, "/v1-k3s/client-kubelet.crt", node("worker-1", "other", agent));
      assert.equal(r.status, 403);
      assert.match(r.text, /hash does not match/);
    });

    await t.step("refuses a request without node headers", async () => {
      const r = await get(s, "/v1-k3s/client-kubelet.crt", agent);
      assert.equal(r.status, 400);
      assert.match(r.text, /node name not set/);
    });

    await t.step("a node identity must match the node name it asks for", async () => {
      const kubelet = { name: "system:node:worker-1", groups: ["system:nodes"] };
      const res = await s.call("GET", "/v1-k3s/client-kubelet.crt", {
        cert: kubelet,
        headers: node("worker-2", "pw"),
      });
      assert.equal(res.status, 400);
      assert.match(await res.text(), /does not match auth node name/);
    });

    await t.step("the join token cannot be used against the Kubernetes API", async () => {
      const r = await get(s, "/api/v1/namespaces/kube-system/secrets", agent);
      assert.equal(r.status, 403);
      assert.match(r.text, /valid only for the K3s supervisor API/);
      const me = await s.call("POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews", {
        headers: agent,
        body: { apiVersion: "authentication.k8s.io/v1", kind: "SelfSubjectReview" },
      });
      assert.equal(me.status, 403);
    });

    await t.step("a bootstrap token may join", async () => {
      const created = await s.json("POST", "/api/v1/namespaces/kube-system/secrets", {
        cert: ADMIN,
        body: {
          metadata: { name: "bootstrap-token-abcdef" },
          type: "bootstrap.kubernetes.io/token",
          stringData: {
            "token-id": "abcdef",
            "token-secret": "0123456789abcdef",
            "usage-bootstrap-authentication": "true",
          },
        },
      });
      assert.equal(created.status, 201);
      await s.settled();
      const r = await get(s, "/v1-k3s/config", { authorization: "Bearer abcdef.0123456789abcdef" });
      assert.equal(r.status, 200, r.text);
    });

    await t.step("a deleted node's password secret goes with it", async () => {
      const stop = await watchNodeDeletions(
        s.registry.store("", "nodes"),
        s.registry.store("", "secrets"),
        () => {},
      );
      try {
        const path = "/api/v1/namespaces/kube-system/secrets/worker-1.node-password.k3s";
        assert.equal((await s.call("GET", path, { cert: ADMIN })).status, 200);
        await s.json("POST", "/api/v1/nodes", {
          cert: ADMIN,
          body: { metadata: { name: "worker-1" } },
        });
        await s.call("DELETE", "/api/v1/nodes/worker-1", { cert: ADMIN });
        const deadline = Date.now() + 5_000;
        while ((await s.call("GET", path, { cert: ADMIN })).status !== 404) {
          if (Date.now() > deadline) throw new Error("node password secret still there");
          await new Promise((r) => setTimeout(r, 20));
        }
      } finally {
        stop();
      }
    });
  } finally {
    await s.close();
  }
});

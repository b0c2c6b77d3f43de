/**
 * The Node authorizer and NodeRestriction admission against a real `k3s server`: two kubelet
 * identities (client certificates `CN=system:node:<name>, O=system:nodes` issued by the join
 * API, as agents get them) drive the real kubectl. A kubelet reads a secret only while a pod
 * bound to its node uses it, writes only its own Node, Lease and pod statuses, and
 * `kubectl auth can-i --as` agrees with what it may do.
 *
 * @module
 */
import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { buildKubeconfig } from "../kube/kubeconfig.ts";
import {
  type CommandResult,
  type K3sServer,
  kubectlSteps,
  run,
  type ScopedKubectl,
  startServer,
} from "./harness.ts";

function blocks(text: string, label: string): string[] {
  return text.match(
    new RegExp(`-----BEGIN ${label}-----[\\s\\S]*?-----END ${label}-----\\n`, "g"),
  ) ?? [];
}

interface Kubelet {
  kubeconfig: string;
  /** PEM files of the client certificate and key, for curl. */
  cert: string;
  key: string;
}

/** The identity of the kubelet of `node`: the client certificate the join API issues it. */
async function kubeletIdentity(server: K3sServer, node: string): Promise<Kubelet> {
  const tls = join(server.dataDir, "server", "tls");
  const agentToken = (await readFile(join(server.dataDir, "server", "agent-token"), "utf8"))
    .trim();
  const r = await run("curl", [
    "-sS",
    "--fail",
    "--cacert",
    join(tls, "server-ca.crt"),
    "-u",
    `node:${agentToken.slice(agentToken.lastIndexOf(":") + 1)}`,
    "-H",
    `K3s-Node-Name: ${node}`,
    "-H",
    `K3s-Node-Password: pw-${node}`,
    `https://127.0.0.1:${server.port}/v1-k3s/client-kubelet.crt`,
  ]);
  assert.equal(r.code, 0, r.stderr);
  const kubelet = {
    kubeconfig: join(server.dataDir, `${node}.kubeconfig`),
    cert: join(server.dataDir, `${node}.crt`),
    key: join(server.dataDir, `${node}.key`),
  };
  const certPem = blocks(r.stdout, "CERTIFICATE").join("");
  const keyPem = blocks(r.stdout, "PRIVATE KEY")[0];
  await writeFile(kubelet.cert, certPem);
  await writeFile(kubelet.key, keyPem, { mode: 0o600 });
  await writeFile(
    kubelet.kubeconfig,
    buildKubeconfig({
      server: `https://127.0.0.1:${server.port}`,
      caPem: await readFile(join(tls, "server-ca.crt"), "utf8"),
      certPem,
      keyPem,
      user: node,
    }),
    { mode: 0o600 },
  );
  return kubelet;
}

/** One request with the kubelet's certificate, as the kubelet sends it (no read first). */
async function kubeletRequest(
  server: K3sServer,
  kubelet: Kubelet,
  method: string,
  path: string,
  body: unknown,
  contentType = "application/json",
): Promise<{ code: number; body: Record<string, unknown> }> {
  const r = await run("curl", [
    "-sS",
    "--cacert",
    join(server.dataDir, "server", "tls", "server-ca.crt"),
    "--cert",
    kubelet.cert,
    "--key",
    kubelet.key,
    "-X",
    method,
    "-H",
    `Content-Type: ${contentType}`,
    "-d",
    JSON.stringify(body),
    "-w",
    "\n%{http_code}",
    `https://127.0.0.1:${server.port}${path}`,
  ]);
  assert.equal(r.code, 0, r.stderr);
  const at = r.stdout.lastIndexOf("\n");
  return { code: Number(r.stdout.slice(at + 1)), body: JSON.parse(r.stdout.slice(0, at)) };
}

/**
 * A merge patch of a status (`kubectl patch --subresource=status` reads the status first,
 * which upstream does not let a node do either).
 */
function patchStatus(
  server: K3sServer,
  kubelet: Kubelet,
  path: string,
  status: Record<string, unknown>,
): Promise<{ code: number; body: Record<string, unknown> }> {
  return kubeletRequest(
    server,
    kubelet,
    "PATCH",
    `${path}/status`,
    { status },
    "application/merge-patch+json",
  );
}

/** The command failed with `message` in its error output. */
function refused(r: CommandResult, message: string): void {
  assert.notEqual(r.code, 0, `expected a refusal, got: ${r.stdout}`);
  assert.ok(r.stderr.includes(message), `expected "${message}" in: ${r.stderr}`);
}

function node(name: string, labels: Record<string, string> = {}): string {
  return JSON.stringify({ apiVersion: "v1", kind: "Node", metadata: { name, labels } });
}

function pod(name: string, nodeName: string, spec: Record<string, unknown> = {}): string {
  return JSON.stringify({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name },
    spec: {
      nodeName,
      automountServiceAccountToken: false,
      containers: [{ name: "c", image: "busybox" }],
      ...spec,
    },
  });
}

/** Polls until the namespace's default service account exists (pods need it). */
async function defaultServiceAccount(k: ScopedKubectl): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if ((await k.run(["get", "serviceaccount", "default"])).code === 0) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`no default service account in ${k.namespace}`);
}

Deno.test("kubelets are authorized per node (Node authorizer, NodeRestriction)", async (t) => {
  const server = await startServer();
  try {
    const kubelet1 = await kubeletIdentity(server, "n1");
    const kubelet2 = await kubeletIdentity(server, "n2");
    const n1 = kubelet1.kubeconfig;
    const n2 = kubelet2.kubeconfig;
    const as = (cfg: string, args: string[], stdin?: string) =>
      server.kubectl(["--kubeconfig", cfg, ...args], { stdin });

    await t.step("a kubelet registers its own Node, not another's, nor role labels", async () => {
      assert.equal((await as(n1, ["create", "-f", "-"], node("n1"))).code, 0);
      refused(
        await as(n1, ["create", "-f", "-"], node("n2")),
        'nodes "n2" is forbidden: node "n1" is not allowed to modify node "n2"',
      );
      refused(
        await as(n2, ["create", "-f", "-"], node("n2", { "node-role.kubernetes.io/worker": "" })),
        'nodes "n2" is forbidden: node "n2" is not allowed to set the following labels: node-role.kubernetes.io/worker',
      );
      const ok = await as(
        n2,
        ["create", "-f", "-"],
        node("n2", { "topology.kubernetes.io/zone": "z1" }),
      );
      assert.equal(ok.code, 0, ok.stderr);
    });

    await t.step("a kubelet reads and writes its own Node only", async () => {
      const status = {
        conditions: [{ type: "Ready", status: "True", reason: "KubeletReady" }],
      };
      const own = await patchStatus(server, kubelet1, "/api/v1/nodes/n1", status);
      assert.equal(own.code, 200, JSON.stringify(own.body));
      assert.deepEqual(
        (own.body.status as { conditions: { reason: string }[] }).conditions[0].reason,
        "KubeletReady",
      );
      const other = await patchStatus(server, kubelet1, "/api/v1/nodes/n2", status);
      assert.equal(other.code, 403);
      assert.equal(
        other.body.message,
        'nodes "n2" is forbidden: node "n1" is not allowed to modify node "n2"',
      );
      // kubectl reads the Node first, which only its own kubelet may.
      refused(
        await as(n1, ["label", "node", "n2", "edge=yes"]),
        "node 'n1' cannot read 'n2', only its own Node object",
      );
      assert.equal((await as(n1, ["label", "node", "n1", "edge=yes"])).code, 0);
      refused(
        await as(n1, ["taint", "node", "n1", "dedicated=x:NoSchedule"]),
        'nodes "n1" is forbidden: node "n1" is not allowed to modify taints',
      );
      refused(
        await as(n1, ["get", "node", "n2"]),
        "node 'n1' cannot read 'n2', only its own Node object",
      );
    });

    await kubectlSteps(t, server, "node-authz", async (k, t) => {
      await defaultServiceAccount(k);
      const ns = k.namespace;
      const kn1 = (args: string[], stdin?: string) =>
        k.run(["--kubeconfig", n1, ...args], { stdin });
      const kn2 = (args: string[], stdin?: string) =>
        k.run(["--kubeconfig", n2, ...args], { stdin });
      const canI = async (node: string, what: string) => {
        const r = await k.run([
          "auth",
          "can-i",
          "get",
          what,
          `--as=system:node:${node}`,
          "--as-group=system:nodes",
        ]);
        // "yes", or "no" with the authorizer's reason after it.
        return r.stdout.trim().split(" ")[0];
      };
      await k.ok(["create", "secret", "generic", "s1", "--from-literal=k=v"]);
      await k.ok(["create", "configmap", "c1", "--from-literal=k=v"]);

      await t.step("no pod on the node uses the secret: 403", async () => {
        // A pod that names it but is bound to no node grants nothing.
        await k.ok(["create", "-f", "-"], {
          stdin: JSON.stringify({
            apiVersion: "v1",
            kind: "Pod",
            metadata: { name: "unbound" },
            spec: {
              containers: [{ name: "c", image: "busybox" }],
              volumes: [{ name: "s", secret: { secretName: "s1" } }],
            },
          }),
        });
        refused(
          await kn1(["get", "secret", "s1"]),
          `secrets "s1" is forbidden: User "system:node:n1" cannot get resource "secrets" in API group "" in the namespace "${ns}": no relationship found between node 'n1' and this object`,
        );
        assert.equal(await canI("n1", "secret/s1"), "no");
        refused(await kn1(["get", "secrets"]), "No Object name found");
      });

      await t.step("a pod bound to the node uses it: the node reads it, others not", async () => {
        await k.ok(["create", "-f", "-"], {
          stdin: pod("p1", "n1", {
            volumes: [{ name: "s", secret: { secretName: "s1" } }],
            containers: [{
              name: "c",
              image: "busybox",
              envFrom: [{ configMapRef: { name: "c1" } }],
            }],
          }),
        });
        const got = await kn1(["get", "secret", "s1", "-o", "jsonpath={.data.k}"]);
        assert.equal(got.stdout, btoa("v"), got.stderr);
        assert.equal(
          (await kn1(["get", "configmap", "c1", "-o", "name"])).stdout.trim(),
          "configmap/c1",
        );
        assert.equal(await canI("n1", "secret/s1"), "yes");
        refused(await kn2(["get", "secret", "s1"]), "no relationship found between node 'n2'");
        assert.equal(await canI("n2", "secret/s1"), "no");
        // What the pod does not use stays out of reach.
        await k.ok(["create", "secret", "generic", "s2", "--from-literal=k=v"]);
        refused(await kn1(["get", "secret", "s2"]), "no relationship found between node 'n1'");
      });

      await t.step("the pod is deleted: the node loses the secret", async () => {
        await k.ok(["delete", "pod", "p1", "--grace-period=0", "--force"]);
        refused(await kn1(["get", "secret", "s1"]), "no relationship found between node 'n1'");
        assert.equal(await canI("n1", "secret/s1"), "no");
      });

      await t.step("a kubelet updates the status of its own pods only", async () => {
        await k.ok(["create", "-f", "-"], { stdin: pod("p2", "n2") });
        const path = `/api/v1/namespaces/${ns}/pods/p2`;
        const status = { message: "from the kubelet" };
        const other = await patchStatus(server, kubelet1, path, status);
        assert.equal(other.code, 403);
        assert.equal(
          other.body.message,
          'pods "p2" is forbidden: node "n1" can only update pod status for pods with spec.nodeName set to itself',
        );
        const own = await patchStatus(server, kubelet2, path, status);
        assert.equal(own.code, 200, JSON.stringify(own.body));
        assert.equal((own.body.status as { message: string }).message, "from the kubelet");
        const eviction = await kubeletRequest(server, kubelet1, "POST", `${path}/eviction`, {
          apiVersion: "policy/v1",
          kind: "Eviction",
          metadata: { name: "p2", namespace: ns },
        });
        assert.equal(eviction.code, 403);
        assert.equal(
          eviction.body.message,
          'pods "p2" is forbidden: node n1 can only evict pods with spec.nodeName set to itself',
        );
        const uid = (await k.ok(["get", "pod", "p2", "-o", "jsonpath={.metadata.uid}"])).trim();
        const token = (podUid: string) => ({
          apiVersion: "authentication.k8s.io/v1",
          kind: "TokenRequest",
          spec: { boundObjectRef: { apiVersion: "v1", kind: "Pod", name: "p2", uid: podUid } },
        });
        const tokenPath = `/api/v1/namespaces/${ns}/serviceaccounts/default/token`;
        const foreign = await kubeletRequest(server, kubelet1, "POST", tokenPath, token(uid));
        assert.equal(foreign.code, 403);
        assert.match(String(foreign.body.message), /no relationship found between node 'n1'/);
        const stale = await kubeletRequest(server, kubelet2, "POST", tokenPath, token("stale"));
        assert.equal(stale.code, 403);
        assert.match(String(stale.body.message), /the UID in the bound object reference \(stale\)/);
        const issued = await kubeletRequest(server, kubelet2, "POST", tokenPath, token(uid));
        assert.equal(issued.code, 201, JSON.stringify(issued.body));
        refused(
          await kn1(["delete", "pod", "p2"]),
          'pods "p2" is forbidden: node "n1" can only delete pods with spec.nodeName set to itself',
        );
        refused(
          await kn2(["create", "-f", "-"], pod("p3", "n2")),
          'pods "p3" is forbidden: pod does not have "kubernetes.io/config.mirror" annotation, node "n2" can only create mirror pods',
        );
        refused(
          await kn1(["get", "pods"]),
          "can only list/watch pods with spec.nodeName field selector",
        );
        const mine = await kn2(["get", "pods", "--field-selector=spec.nodeName=n2", "-o", "name"]);
        assert.equal(mine.stdout.trim(), "pod/p2", mine.stderr);
      });
    });

    await t.step("a kubelet holds its own Lease, not another node's", async () => {
      const lease = (name: string) =>
        JSON.stringify({
          apiVersion: "coordination.k8s.io/v1",
          kind: "Lease",
          metadata: { name, namespace: "kube-node-lease" },
          spec: { holderIdentity: name, leaseDurationSeconds: 40 },
        });
      assert.equal((await as(n2, ["create", "-f", "-"], lease("n2"))).code, 0);
      refused(
        await as(n1, ["-n", "kube-node-lease", "delete", "lease", "n2"]),
        'leases.coordination.k8s.io "n2" is forbidden: User "system:node:n1" cannot delete resource "leases" in API group "coordination.k8s.io" in the namespace "kube-node-lease": can only access node lease with the same name as the requesting node',
      );
      refused(
        await as(n1, ["create", "-f", "-"], lease("n2-other")),
        "can only access node lease with the same name as the requesting node",
      );
      assert.equal((await as(n1, ["create", "-f", "-"], lease("n1"))).code, 0);
      assert.equal((await as(n1, ["-n", "kube-node-lease", "delete", "lease", "n1"])).code, 0);
      assert.equal(
        (await server.kubectlOk(["-n", "kube-node-lease", "get", "lease", "n2", "-o", "name"]))
          .trim(),
        "lease.coordination.k8s.io/n2",
      );
    });
  } finally {
    await server.close();
  }
});

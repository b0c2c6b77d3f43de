/**
 * End to end: `k3s agent` on a second node (its own sandbox, wired to the server's by a veth
 * pair) joins `k3s server` with the node token, registers its Node with its flags, and runs pods
 * that kubectl reaches through the API server and the agent's kubelet.
 *
 * @module
 */
import assert from "node:assert/strict";
import { startE2eCluster } from "../agent/testing/e2e_cluster.ts";

Deno.test({
  name: "k3s agent joins the server, registers its node and runs pods kubectl can reach",
  sanitizeOps: false,
  sanitizeResources: false,
}, async (t) => {
  const c = await startE2eCluster();
  try {
    const agent = await c.addAgent("e2e-worker", [
      "--node-label",
      "role=edge",
      "--node-taint",
      "dedicated=edge:NoSchedule",
      "--node-external-ip",
      "203.0.113.7",
    ]);

    await t.step("the agent's Node carries its address, labels, taints and versions", async () => {
      const node = JSON.parse(await c.kubectlOk(["get", "node", "e2e-worker", "-o", "json"]));
      assert.deepEqual(
        node.status.addresses.filter((a: { type: string }) => a.type !== "Hostname"),
        [{ type: "InternalIP", address: agent.nodeIp }, {
          type: "ExternalIP",
          address: "203.0.113.7",
        }],
      );
      assert.equal(node.metadata.labels.role, "edge");
      assert.equal(node.metadata.labels["kubernetes.io/hostname"] !== undefined, true);
      assert.equal(node.metadata.labels["node-role.kubernetes.io/control-plane"], undefined);
      assert.deepEqual(node.spec.taints, [{
        key: "dedicated",
        value: "edge",
        effect: "NoSchedule",
      }]);
      assert.match(node.status.nodeInfo.kubeletVersion, /^v1\.\d+\.\d+\+k3s1$/);
      assert.match(node.status.nodeInfo.containerRuntimeVersion, /^containerd:\/\//);
      assert.deepEqual(Object.keys(node.status.capacity).sort(), [
        "cpu",
        "ephemeral-storage",
        "hugepages-1Gi",
        "hugepages-2Mi",
        "memory",
        "pods",
      ]);
      const lease = JSON.parse(
        await c.kubectlOk(["-n", "kube-node-lease", "get", "lease", "e2e-worker", "-o", "json"]),
      );
      assert.equal(lease.spec.holderIdentity, "e2e-worker");
      const secrets = await c.kubectlOk(["-n", "kube-system", "get", "secrets", "-o", "name"]);
      assert.match(secrets, /secret\/e2e-worker\.node-password\.k3s/);
      const table = await c.kubectlOk(["get", "nodes"]);
      assert.match(table, new RegExp(`${c.nodeName}\\s+Ready\\s+control-plane,master`));
      assert.match(table, /e2e-worker\s+Ready\s+<none>/);
    });

    await t.step(
      "a pod scheduled to the agent runs there, and kubectl logs and exec reach it",
      async () => {
        await c.kubectlOk(["apply", "-f", "-"], {
          stdin: `
apiVersion: v1
kind: Pod
metadata: {name: on-edge}
spec:
  nodeSelector: {role: edge}
  tolerations: [{key: dedicated, operator: Equal, value: edge, effect: NoSchedule}]
  containers:
  - {name: c, image: docker.io/library/busybox:test, command: ["sh", "-c", "echo on the edge; exec sleep 3600"]}
`,
        });
        await c.kubectlOk(["wait", "--for=condition=Ready", "pod/on-edge", "--timeout=90s"]);
        const pod = JSON.parse(await c.kubectlOk(["get", "pod", "on-edge", "-o", "json"]));
        assert.equal(pod.spec.nodeName, "e2e-worker");
        assert.equal(pod.status.hostIP, agent.nodeIp);
        assert.equal(await c.kubectlOk(["logs", "on-edge"]), "on the edge\n");
        for (const k of c.kubectlBinaries) {
          assert.equal(
            await c.kubectlOk(["exec", "on-edge", "--", "hostname"], { binary: k.path }),
            "on-edge\n",
          );
        }
        const cri = agent.sandbox.cri();
        try {
          const running = await cri.listContainers({
            labelSelector: { "io.kubernetes.pod.name": "on-edge" },
          });
          assert.equal(running.length, 1, "the container runs on the agent's containerd");
        } finally {
          cri.close();
        }
      },
    );

    await t.step("the agent's pod reaches the server's node, masqueraded by its node", async () => {
      // The server's node has no route to the agent's pod CIDR: only the agent's masquerade
      // rule brings the answer back.
      const out = await c.kubectlOk([
        "exec",
        "on-edge",
        "--",
        "ping",
        "-c",
        "1",
        "-W",
        "5",
        c.nodeIp,
      ]);
      assert.match(out, /1 packets received/);
    });
  } finally {
    await c.close();
  }
});

import assert from "node:assert/strict";
import type { ConnInfo } from "../app.ts";
import { admissionTestServer } from "./testing.ts";

/** A kubelet that also passes the test server's masters-only authorizer. */
function kubelet(node: string): ConnInfo {
  return {
    certUser: { name: `system:node:${node}`, groups: ["system:nodes", "system:masters"] },
    remoteAddr: "127.0.0.1",
  };
}

Deno.test("NodeRestriction limits a kubelet to its own objects", async (t) => {
  const s = await admissionTestServer();
  const as = async (node: string, method: string, path: string, body?: unknown) => {
    const res = await s.api.handle(
      new Request(`https://127.0.0.1:6443${path}`, {
        method,
        headers: { "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      }),
      kubelet(node),
    );
    return { status: res.status, body: await res.json() as Record<string, unknown> };
  };
  const forbidden = async (
    answer: Promise<{ status: number; body: Record<string, unknown> }>,
    message: string,
  ) => {
    const { status, body } = await answer;
    assert.equal(status, 403, JSON.stringify(body));
    assert.equal(body.message, message);
  };
  try {
    await s.namespace("ns");

    await t.step("Nodes: only its own, without restricted labels", async () => {
      await forbidden(
        as("n1", "POST", "/api/v1/nodes", {
          metadata: { name: "n1", labels: { "node-restriction.kubernetes.io/x": "y" } },
        }),
        'nodes "n1" is forbidden: node "n1" is not allowed to set the following labels: node-restriction.kubernetes.io/x',
      );
      const created = await as("n1", "POST", "/api/v1/nodes", {
        metadata: { name: "n1", labels: { "kubernetes.io/hostname": "n1", "k3s.io/x": "y" } },
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      await s.ok("POST", "/api/v1/nodes", { metadata: { name: "n2" } });
      await forbidden(
        as("n2", "PUT", "/api/v1/nodes/n1", created.body),
        'nodes "n1" is forbidden: node "n2" is not allowed to modify node "n1"',
      );
    });

    const nodeUid = ((await s.ok("GET", "/api/v1/nodes/n1")).metadata as { uid: string }).uid;
    const mirror = (name: string, spec: Record<string, unknown> = {}) => ({
      metadata: {
        name,
        annotations: { "kubernetes.io/config.mirror": "hash" },
        ownerReferences: [{
          apiVersion: "v1",
          kind: "Node",
          name: "n1",
          uid: nodeUid,
          controller: true,
        }],
      },
      spec: { nodeName: "n1", containers: [{ name: "c", image: "busybox" }], ...spec },
    });

    await t.step("Pods: only mirror pods of its own that refer to nothing", async () => {
      await forbidden(
        as("n1", "POST", "/api/v1/namespaces/ns/pods", {
          metadata: { name: "plain" },
          spec: { nodeName: "n1", containers: [{ name: "c", image: "busybox" }] },
        }),
        'pods "plain" is forbidden: pod does not have "kubernetes.io/config.mirror" annotation, node "n1" can only create mirror pods',
      );
      await forbidden(
        as("n1", "POST", "/api/v1/namespaces/ns/pods", {
          ...mirror("secret"),
          spec: {
            nodeName: "n1",
            containers: [{ name: "c", image: "busybox" }],
            volumes: [{ name: "s", secret: { secretName: "s" } }],
          },
        }),
        'pods "secret" is forbidden: node "n1" can not create pods that reference secrets',
      );
      const bad = mirror("elsewhere");
      bad.spec.nodeName = "n2";
      await forbidden(
        as("n1", "POST", "/api/v1/namespaces/ns/pods", bad),
        'pods "elsewhere" is forbidden: node "n1" can only create pods with spec.nodeName set to itself',
      );
      const ok = await as("n1", "POST", "/api/v1/namespaces/ns/pods", mirror("static"));
      assert.equal(ok.status, 201, JSON.stringify(ok.body));
    });

    await t.step("Leases: only its own, in kube-node-lease", async () => {
      await s.namespace("kube-node-lease");
      const lease = (name: string) => ({
        apiVersion: "coordination.k8s.io/v1",
        kind: "Lease",
        metadata: { name },
        spec: { holderIdentity: name },
      });
      const path = "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases";
      await forbidden(
        as("n1", "POST", path, lease("n2")),
        'leases.coordination.k8s.io "n2" is forbidden: can only access node lease with the same name as the requesting node',
      );
      assert.equal((await as("n1", "POST", path, lease("n1"))).status, 201);
    });
  } finally {
    await s.close();
  }
});

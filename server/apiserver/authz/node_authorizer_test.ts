import assert from "node:assert/strict";
import type { KubeObject } from "../../../kube/meta.ts";
import { attributes } from "./chain.ts";
import { NodeAuthorizer } from "./node_authorizer.ts";
import { NodeGraph } from "./node_graph.ts";

const n1 = { name: "system:node:n1", groups: ["system:nodes", "system:authenticated"] };

function pod(name: string, nodeName: string, spec: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "ns", uid: `uid-${name}` },
    spec: { nodeName, containers: [{ name: "c", image: "busybox" }], ...spec },
  } as KubeObject;
}

function get(resource: string, name: string, namespace = "ns") {
  return attributes({ verb: "get", resource, name, namespace });
}

Deno.test("NodeGraph relates what a bound pod refers to, until the pod is gone", () => {
  const graph = new NodeGraph();
  const p = pod("p", "n1", {
    serviceAccountName: "sa",
    imagePullSecrets: [{ name: "pull" }],
    initContainers: [{
      name: "i",
      env: [{ name: "A", valueFrom: { secretKeyRef: { name: "env-secret", key: "k" } } }],
    }],
    containers: [{ name: "c", envFrom: [{ configMapRef: { name: "cm" } }] }],
    volumes: [
      { name: "v", projected: { sources: [{ secret: { name: "proj" } }] } },
      { name: "data", persistentVolumeClaim: { claimName: "claim" } },
      { name: "scratch", ephemeral: { volumeClaimTemplate: {} } },
    ],
  });
  graph.applyPod("ADDED", p);
  graph.applyPv("ADDED", {
    metadata: { name: "pv1" },
    spec: {
      claimRef: { namespace: "ns", name: "claim" },
      csi: { nodePublishSecretRef: { name: "csi-secret", namespace: "ns" } },
    },
  } as KubeObject);
  for (const name of ["pull", "env-secret", "proj", "csi-secret"]) {
    assert.ok(graph.related("n1", "secrets", "ns", name), name);
    assert.ok(!graph.related("n2", "secrets", "ns", name), name);
  }
  assert.ok(graph.related("n1", "configmaps", "ns", "cm"));
  assert.ok(graph.related("n1", "serviceaccounts", "ns", "sa"));
  assert.ok(graph.related("n1", "persistentvolumeclaims", "ns", "claim"));
  assert.ok(graph.related("n1", "persistentvolumeclaims", "ns", "p-scratch"));
  assert.ok(graph.related("n1", "persistentvolumes", "", "pv1"));
  assert.ok(graph.related("n1", "pods", "ns", "p"));
  assert.ok(!graph.related("n1", "secrets", "other", "pull"));

  // A second pod holding the same secret keeps it related when the first goes.
  graph.applyPod("ADDED", pod("q", "n1", { imagePullSecrets: [{ name: "pull" }] }));
  graph.applyPod("DELETED", p);
  assert.ok(graph.related("n1", "secrets", "ns", "pull"));
  assert.ok(!graph.related("n1", "secrets", "ns", "proj"));
  assert.ok(!graph.related("n1", "persistentvolumes", "", "pv1"));
  assert.ok(!graph.related("n1", "pods", "ns", "p"));
});

Deno.test("NodeGraph: unbound and mirror pods grant nothing", () => {
  const graph = new NodeGraph();
  const volumes = [{ name: "s", secret: { secretName: "s" } }];
  graph.applyPod("ADDED", pod("unbound", "", { volumes }));
  const mirror = pod("mirror", "n1", { volumes });
  mirror.metadata.annotations = { "kubernetes.io/config.mirror": "hash" };
  graph.applyPod("ADDED", mirror);
  assert.ok(!graph.related("n1", "secrets", "ns", "s"));
  assert.ok(graph.related("n1", "pods", "ns", "mirror"));
});

Deno.test("NodeAuthorizer decides graph kinds, leases and nodes as upstream", async () => {
  const graph = new NodeGraph();
  let syncs = 0;
  const authz = new NodeAuthorizer({ graph, sync: () => Promise.resolve(syncs++) });
  const ask = (info: ReturnType<typeof attributes>) => authz.authorize(n1, info);

  assert.deepEqual(await ask(get("secrets", "s")), {
    allowed: false,
    reason: "no relationship found between node 'n1' and this object",
  });
  assert.equal(syncs, 1, "a graph miss waits for the cache once");
  graph.applyPod(
    "ADDED",
    pod("p", "n1", { volumes: [{ name: "s", secret: { secretName: "s" } }] }),
  );
  assert.equal((await ask(get("secrets", "s"))).allowed, true);
  const update = attributes({ verb: "update", resource: "secrets", name: "s", namespace: "ns" });
  assert.deepEqual(await ask(update), {
    allowed: false,
    reason: "can only read resources of this type",
  });
  // A watch of one secret names it in the field selector.
  const watchOne = {
    ...attributes({ verb: "watch", resource: "secrets", namespace: "ns" }),
    fieldSelector: "metadata.name=s",
  };
  assert.equal((await ask(watchOne)).allowed, true);

  const lease = (verb: string, name: string, namespace = "kube-node-lease") =>
    attributes({ verb, group: "coordination.k8s.io", resource: "leases", name, namespace });
  assert.equal((await ask(lease("update", "n1"))).allowed, true);
  assert.deepEqual(await ask(lease("delete", "n2")), {
    allowed: false,
    reason: "can only access node lease with the same name as the requesting node",
  });
  assert.deepEqual(await ask(lease("get", "n1", "default")), {
    allowed: false,
    reason: 'can only access leases in the "kube-node-lease" system namespace',
  });

  assert.equal((await ask(get("nodes", "n1", ""))).allowed, true);
  assert.deepEqual(await ask(get("nodes", "n2", "")), {
    allowed: false,
    reason: "node 'n1' cannot read 'n2', only its own Node object",
  });
  const listPods = attributes({ verb: "list", resource: "pods" });
  assert.equal((await ask({ ...listPods, fieldSelector: "spec.nodeName=n1" })).allowed, true);
  assert.equal((await ask({ ...listPods, fieldSelector: "spec.nodeName=n2" })).allowed, false);

  // Not subdivided: upstream's static node rules.
  assert.equal((await ask(attributes({ verb: "list", resource: "services" }))).allowed, true);
  assert.equal((await ask(attributes({ verb: "list", resource: "deployments" }))).allowed, false);
  // Not a node: no opinion, no reason.
  const alice = { name: "system:node:n1", groups: ["system:authenticated"] };
  assert.deepEqual(await authz.authorize(alice, get("secrets", "s")), { allowed: false });
});

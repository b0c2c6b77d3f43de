/**
 * End to end: killing `k3s server` (and so its agent) together with its containerd leaves the
 * pods running; a new `k3s server` on the same data dir adopts them: same sandboxes, same
 * containers, no restarts, and they are reachable again through kubectl.
 *
 * @module
 */
import assert from "node:assert/strict";
import { eventually, startE2eCluster } from "../agent/testing/e2e_cluster.ts";

const POD = `
apiVersion: v1
kind: Pod
metadata: {name: survivor}
spec:
  containers:
  - name: c
    image: docker.io/library/busybox:test
    command: ["sh", "-c", "echo started once; exec sleep 3600"]
    readinessProbe: {exec: {command: ["true"]}, periodSeconds: 2}
`;

interface Snapshot {
  uid: string;
  startTime: string;
  restartCount: number;
  containerId: string;
  sandboxes: string[];
  containers: string[];
}

Deno.test({
  name:
    "a killed agent and containerd come back and adopt the running pods without recreating them",
  sanitizeOps: false,
  sanitizeResources: false,
}, async () => {
  const c = await startE2eCluster();
  try {
    await c.kubectlOk(["apply", "-f", "-"], { stdin: POD });
    await c.kubectlOk(["wait", "--for=condition=Ready", "pod/survivor", "--timeout=90s"]);
    const snapshot = async (): Promise<Snapshot> => {
      const pod = JSON.parse(await c.kubectlOk(["get", "pod", "survivor", "-o", "json"]));
      const cri = c.cri();
      try {
        const selector = { labelSelector: { "io.kubernetes.pod.uid": pod.metadata.uid } };
        return {
          uid: pod.metadata.uid,
          startTime: pod.status.startTime,
          restartCount: pod.status.containerStatuses[0].restartCount,
          containerId: pod.status.containerStatuses[0].containerID,
          sandboxes: (await cri.listPodSandbox(selector)).map((s) => `${s.id}:${s.state}`).sort(),
          containers: (await cri.listContainers(selector)).map((x) => `${x.id}:${x.state}`).sort(),
        };
      } finally {
        cri.close();
      }
    };
    const before = await snapshot();
    assert.equal(before.containers.length, 1);

    await c.kill();
    // The container outlives its agent and runtime: its process is still there.
    const alive = await c.exec("nsenter", [
      "--target",
      String(c.holder),
      "--mount",
      "runc",
      "--root",
      "/run/containerd/runc/k8s.io",
      "state",
      before.containerId.replace("containerd://", ""),
    ]);
    assert.match(alive.stdout, /"status": "running"/, alive.stderr);

    await c.start();
    // Give the kubelet several sync rounds to do something it should not.
    await new Promise((r) => setTimeout(r, 20_000));
    assert.match(c.logs(), /Found 1 running pod sandboxes in the runtime: they are adopted/);
    const after = await eventually("the pod Ready again", async () => {
      const s = await snapshot();
      const ready = await c.kubectlOk([
        "get",
        "pod",
        "survivor",
        "-o",
        'jsonpath={.status.conditions[?(@.type=="Ready")].status}',
      ]);
      return ready === "True" ? s : undefined;
    });
    assert.deepEqual(after, before);
    assert.equal(await c.kubectlOk(["logs", "survivor"]), "started once\n");
    assert.equal(
      await c.kubectlOk(["exec", "survivor", "--", "echo", "still here"]),
      "still here\n",
    );
  } finally {
    await c.close();
  }
});

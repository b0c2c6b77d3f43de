/**
 * End to end: pod features the kubelet turns into CRI settings and files on a real containerd:
 * host ports, the security context, resource limits in the container's cgroup, volumes (memory
 * emptyDir with subPath, downwardAPI, the projected service account token, a claim bound to a
 * hostPath volume), kubectl attach, and static pods with their mirror pods.
 *
 * @module
 */
import assert from "node:assert/strict";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { type E2eCluster, eventually, startE2eCluster } from "../agent/testing/e2e_cluster.ts";

const IMAGE = "docker.io/library/busybox:test";

async function readyPod(c: E2eCluster, name: string): Promise<void> {
  await c.kubectlOk(["wait", "--for=condition=Ready", `pod/${name}`, "--timeout=90s"]);
}

Deno.test({
  name: "host ports, security context, limits, volumes, attach and static pods work on the node",
  sanitizeOps: false,
  sanitizeResources: false,
}, async (t) => {
  const c = await startE2eCluster();
  try {
    await t.step("a hostPort reaches the container through the node's address", async () => {
      await c.kubectlOk(["apply", "-f", "-"], {
        stdin: `
apiVersion: v1
kind: Pod
metadata: {name: hostport}
spec:
  containers:
  - name: c
    image: ${IMAGE}
    command: ["sh", "-c", "echo via-hostport > /var/www/index.html; exec httpd -f -p 8080 -h /var/www"]
    ports: [{containerPort: 8080, hostPort: 30080}]
`,
      });
      await readyPod(c, "hostport");
      const body = await eventually("an answer on the host port", async () => {
        const r = await c.exec("busybox", ["wget", "-qO-", `http://${c.nodeIp}:30080/`], {
          timeoutMs: 10_000,
        });
        return r.code === 0 ? r.stdout : undefined;
      }, 30_000);
      assert.equal(body, "via-hostport\n");
    });

    await t.step(
      "the security context sets user, group, a read-only root and capabilities",
      async () => {
        await c.kubectlOk(["apply", "-f", "-"], {
          stdin: `
apiVersion: v1
kind: Pod
metadata: {name: secure}
spec:
  securityContext: {runAsUser: 1000, runAsGroup: 3000, fsGroup: 2000}
  containers:
  - name: c
    image: ${IMAGE}
    command: ["sleep", "3600"]
    resources: {limits: {memory: 64Mi, cpu: 500m}}
    securityContext:
      readOnlyRootFilesystem: true
      allowPrivilegeEscalation: false
      capabilities: {drop: ["ALL"]}
`,
        });
        await readyPod(c, "secure");
        assert.equal(await c.kubectlOk(["exec", "secure", "--", "id", "-u"]), "1000\n");
        assert.equal(await c.kubectlOk(["exec", "secure", "--", "id", "-g"]), "3000\n");
        assert.match(await c.kubectlOk(["exec", "secure", "--", "id", "-G"]), /\b2000\b/);
        const write = await c.kubectl(["exec", "secure", "--", "touch", "/file"]);
        assert.notEqual(write.code, 0);
        assert.match(write.stderr, /Read-only file system/);
        const caps = await c.kubectlOk([
          "exec",
          "secure",
          "--",
          "grep",
          "CapEff",
          "/proc/self/status",
        ]);
        assert.match(caps, /CapEff:\s+0000000000000000/);
        const limit = await c.kubectlOk([
          "exec",
          "secure",
          "--",
          "sh",
          "-c",
          "cat /sys/fs/cgroup/memory.max 2>/dev/null || cat /sys/fs/cgroup/memory/memory.limit_in_bytes",
        ]);
        assert.equal(limit.trim(), String(64 * 1024 * 1024));
      },
    );

    await t.step(
      "volumes: memory emptyDir with subPath, downwardAPI, the service account token, a hostPath claim",
      async () => {
        const pvPath = join(c.dir, "pv");
        await mkdir(pvPath, { recursive: true });
        await writeFile(join(pvPath, "data.txt"), "from the volume\n");
        await c.kubectlOk(["apply", "-f", "-"], {
          stdin: `
apiVersion: v1
kind: PersistentVolume
metadata: {name: local-pv}
spec:
  capacity: {storage: 1Gi}
  accessModes: [ReadWriteOnce]
  storageClassName: ""
  hostPath: {path: ${pvPath}}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: claim}
spec:
  accessModes: [ReadWriteOnce]
  storageClassName: ""
  volumeName: local-pv
  resources: {requests: {storage: 1Gi}}
---
apiVersion: v1
kind: Pod
metadata: {name: volumes, labels: {tier: test}}
spec:
  containers:
  - name: c
    image: ${IMAGE}
    command: ["sleep", "3600"]
    volumeMounts:
    - {name: mem, mountPath: /mem}
    - {name: mem, mountPath: /sub, subPath: nested/dir}
    - {name: info, mountPath: /info}
    - {name: data, mountPath: /data}
  volumes:
  - {name: mem, emptyDir: {medium: Memory, sizeLimit: 16Mi}}
  - name: info
    downwardAPI:
      items:
      - {path: labels, fieldRef: {fieldPath: metadata.labels}}
      - {path: name, fieldRef: {fieldPath: metadata.name}}
  - {name: data, persistentVolumeClaim: {claimName: claim}}
`,
        });
        await readyPod(c, "volumes");
        const mounts = await c.kubectlOk(["exec", "volumes", "--", "cat", "/proc/mounts"]);
        assert.match(mounts, /^tmpfs \/mem tmpfs .*size=16384k/m);
        await c.kubectlOk(["exec", "volumes", "--", "sh", "-c", "echo through-subpath > /sub/f"]);
        assert.equal(
          await c.kubectlOk(["exec", "volumes", "--", "cat", "/mem/nested/dir/f"]),
          "through-subpath\n",
        );
        assert.equal(
          await c.kubectlOk(["exec", "volumes", "--", "cat", "/info/labels"]),
          'tier="test"',
        );
        assert.equal(await c.kubectlOk(["exec", "volumes", "--", "cat", "/info/name"]), "volumes");
        const sa = "/var/run/secrets/kubernetes.io/serviceaccount";
        const token = await c.kubectlOk(["exec", "volumes", "--", "cat", `${sa}/token`]);
        assert.equal(token.split(".").length, 3, "a JWT");
        const claims = JSON.parse(atob(token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/")));
        assert.equal(claims["kubernetes.io"]?.pod?.name, "volumes");
        assert.equal(
          await c.kubectlOk(["exec", "volumes", "--", "cat", `${sa}/namespace`]),
          "default",
        );
        assert.match(
          await c.kubectlOk(["exec", "volumes", "--", "cat", `${sa}/ca.crt`]),
          /BEGIN CERTIFICATE/,
        );
        assert.equal(
          await c.kubectlOk(["exec", "volumes", "--", "cat", "/data/data.txt"]),
          "from the volume\n",
        );
      },
    );

    await t.step(
      "init containers run in order, a sidecar runs beside the containers, postStart runs",
      async () => {
        await c.kubectlOk(["apply", "-f", "-"], {
          stdin: `
apiVersion: v1
kind: Pod
metadata: {name: ordered}
spec:
  initContainers:
  - {name: first, image: ${IMAGE}, command: ["sh", "-c", "echo first >> /work/order"], volumeMounts: [{name: work, mountPath: /work}]}
  - name: sidecar
    image: ${IMAGE}
    restartPolicy: Always
    command: ["sh", "-c", "echo sidecar >> /work/order; exec sleep 3600"]
    volumeMounts: [{name: work, mountPath: /work}]
  - {name: second, image: ${IMAGE}, command: ["sh", "-c", "echo second >> /work/order"], volumeMounts: [{name: work, mountPath: /work}]}
  containers:
  - name: main
    image: ${IMAGE}
    command: ["sh", "-c", "echo main >> /work/order; exec sleep 3600"]
    volumeMounts: [{name: work, mountPath: /work}]
    lifecycle:
      postStart: {exec: {command: ["sh", "-c", "echo poststart > /work/poststart"]}}
    securityContext: {privileged: true}
  volumes:
  - {name: work, emptyDir: {}}
`,
        });
        await readyPod(c, "ordered");
        const order = await c.kubectlOk([
          "exec",
          "ordered",
          "-c",
          "main",
          "--",
          "cat",
          "/work/order",
        ]);
        assert.equal(order, "first\nsidecar\nsecond\nmain\n");
        assert.equal(
          await c.kubectlOk(["exec", "ordered", "-c", "main", "--", "cat", "/work/poststart"]),
          "poststart\n",
        );
        const pod = JSON.parse(await c.kubectlOk(["get", "pod", "ordered", "-o", "json"]));
        const init = Object.fromEntries(
          pod.status.initContainerStatuses.map((
            s: { name: string; state: Record<string, unknown> },
          ) => [s.name, Object.keys(s.state)[0]]),
        );
        assert.deepEqual(init, { first: "terminated", sidecar: "running", second: "terminated" });
        // A privileged container sees the host's devices.
        const devices = await c.kubectlOk(["exec", "ordered", "-c", "main", "--", "ls", "/dev"]);
        assert.ok(devices.split("\n").length > 20, "privileged: all devices");
      },
    );

    await t.step("kubectl attach and logs -f show the container's output as it comes", async () => {
      await c.kubectlOk(["apply", "-f", "-"], {
        stdin: `
apiVersion: v1
kind: Pod
metadata: {name: ticker}
spec:
  containers:
  - {name: c, image: ${IMAGE}, command: ["sh", "-c", "while true; do echo tick; sleep 1; done"]}
`,
      });
      await readyPod(c, "ticker");
      for (const k of c.kubectlBinaries) {
        const r = await c.kubectl(["attach", "ticker"], { binary: k.path, timeoutMs: 4_000 });
        assert.match(r.stdout, /tick\n/, `kubectl ${k.version}: ${r.stderr}`);
        // logs -f keeps streaming as the container writes.
        const f = await c.kubectl(["logs", "-f", "--tail=0", "ticker"], {
          binary: k.path,
          timeoutMs: 4_000,
        });
        assert.ok(
          f.stdout.split("tick\n").length - 1 >= 2,
          `kubectl ${k.version} logs -f: ${JSON.stringify(f.stdout)}`,
        );
      }
    });

    await t.step(
      "a static pod from the manifest directory runs, with a mirror pod in the API",
      async () => {
        const dir = join(c.dataDir, "agent", "pod-manifests");
        await mkdir(dir, { recursive: true });
        await writeFile(
          join(dir, "static-web.yaml"),
          `
apiVersion: v1
kind: Pod
metadata: {name: static-web, namespace: default}
spec:
  containers:
  - {name: c, image: ${IMAGE}, imagePullPolicy: IfNotPresent, command: ["sleep", "3600"]}
`,
        );
        const name = `static-web-${c.nodeName}`;
        const mirror = await eventually("a running mirror pod", async () => {
          const r = await c.kubectl(["get", "pod", name, "-o", "json"]);
          if (r.code !== 0) return undefined;
          const p = JSON.parse(r.stdout);
          return p.status?.phase === "Running" ? p : undefined;
        }, 90_000);
        assert.ok(mirror.metadata.annotations["kubernetes.io/config.mirror"]);
        assert.equal(mirror.metadata.ownerReferences?.[0]?.kind, "Node");
        assert.equal(await c.kubectlOk(["exec", name, "--", "echo", "static"]), "static\n");
      },
    );
  } finally {
    await c.close();
  }
});

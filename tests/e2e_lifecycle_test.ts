/**
 * End to end: what the kubelet does over a pod's life, on a real containerd with `k3s server`'s
 * embedded agent: CrashLoopBackOff, liveness restarts, readiness and Endpoints, configMap volume
 * updates, secret environment variables, graceful deletion with preStop that leaves nothing
 * behind, and an unpullable image (ErrImagePull, then ImagePullBackOff) on a node that stays
 * Ready.
 *
 * @module
 */
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { type E2eCluster, eventually, startE2eCluster } from "../agent/testing/e2e_cluster.ts";

const IMAGE = "docker.io/library/busybox:test";

interface ContainerStatus {
  name: string;
  ready: boolean;
  restartCount: number;
  state: Record<string, { reason?: string; message?: string; exitCode?: number }>;
  lastState: Record<string, { reason?: string; exitCode?: number }>;
}

interface PodJson {
  metadata: { name: string; uid: string };
  status: {
    phase?: string;
    podIP?: string;
    conditions?: { type: string; status: string }[];
    containerStatuses?: ContainerStatus[];
  };
}

async function pod(c: E2eCluster, name: string): Promise<PodJson> {
  return JSON.parse(await c.kubectlOk(["get", "pod", name, "-o", "json"]));
}

async function apply(c: E2eCluster, yaml: string): Promise<void> {
  await c.kubectlOk(["apply", "-f", "-"], { stdin: yaml });
}

async function events(
  c: E2eCluster,
  name: string,
): Promise<{ reason: string; message: string; type: string }[]> {
  const out = await c.kubectlOk([
    "get",
    "events",
    "--field-selector",
    `involvedObject.name=${name}`,
    "-o",
    "json",
  ]);
  return JSON.parse(out).items;
}

const ready = (p: PodJson) =>
  p.status.conditions?.some((x) => x.type === "Ready" && x.status === "True") ?? false;

Deno.test({
  name: "the kubelet restarts, probes, updates, stops and reports pods as upstream's does",
  sanitizeOps: false,
  sanitizeResources: false,
}, async (t) => {
  const c = await startE2eCluster();
  try {
    await t.step(
      "a container that exits non-zero goes into CrashLoopBackOff, its last output kept",
      async () => {
        await apply(
          c,
          `
apiVersion: v1
kind: Pod
metadata: {name: crash}
spec:
  containers:
  - {name: c, image: ${IMAGE}, command: ["sh", "-c", "echo attempt; exit 3"]}
`,
        );
        const status = await eventually("CrashLoopBackOff", async () => {
          const s = (await pod(c, "crash")).status.containerStatuses?.[0];
          return s?.state.waiting?.reason === "CrashLoopBackOff" && s.restartCount >= 1
            ? s
            : undefined;
        }, 90_000);
        assert.match(
          status.state.waiting.message ?? "",
          /^back-off \d+s restarting failed container=c pod=crash_default\(/,
        );
        assert.equal(status.lastState.terminated?.exitCode, 3);
        assert.equal(status.lastState.terminated?.reason, "Error");
        const table = await c.kubectlOk(["get", "pod", "crash"]);
        assert.match(table, /crash\s+0\/1\s+CrashLoopBackOff\s+\d+/);
        const previous = await c.kubectl(["logs", "crash", "--previous"]);
        assert.equal(previous.stdout, "attempt\n", previous.stderr);
        assert.ok(
          (await events(c, "crash")).some((e) => e.reason === "BackOff" && e.type === "Warning"),
        );
      },
    );

    await t.step("a failing liveness probe restarts the container", async () => {
      await apply(
        c,
        `
apiVersion: v1
kind: Pod
metadata: {name: live}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: c
    image: ${IMAGE}
    command: ["sh", "-c", "touch /tmp/healthy; sleep 3600"]
    livenessProbe:
      exec: {command: ["sh", "-c", "test -e /tmp/healthy && rm /tmp/healthy"]}
      periodSeconds: 2
      failureThreshold: 1
`,
      );
      const status = await eventually("a liveness restart", async () => {
        const s = (await pod(c, "live")).status.containerStatuses?.[0];
        return s && s.restartCount >= 1 ? s : undefined;
      }, 90_000);
      assert.ok(status.lastState.terminated, "the killed container is the last state");
      const seen = await events(c, "live");
      assert.ok(
        seen.some((e) =>
          e.reason === "Unhealthy" && e.message.startsWith("Liveness probe failed:")
        ),
      );
      assert.ok(
        seen.some((e) =>
          e.reason === "Killing" && /failed liveness probe, will be restarted/.test(e.message)
        ),
      );
      // Restarts go on (backing off), and only the current and previous instances are kept.
      const uid = (await pod(c, "live")).metadata.uid;
      await eventually("a second restart", async () => {
        const s = (await pod(c, "live")).status.containerStatuses?.[0];
        return s && s.restartCount >= 2 ? s : undefined;
      }, 90_000);
      await eventually("old instances removed", async () => {
        const cri = c.cri();
        try {
          const list = await cri.listContainers({
            labelSelector: { "io.kubernetes.pod.uid": uid },
          });
          return list.length <= 2 || undefined;
        } finally {
          cri.close();
        }
      });
    });

    await t.step(
      "a failing readiness probe takes the pod out of its Service's endpoints",
      async () => {
        await apply(
          c,
          `
apiVersion: v1
kind: Pod
metadata: {name: ready, labels: {app: ready}}
spec:
  containers:
  - name: c
    image: ${IMAGE}
    command: ["sh", "-c", "touch /tmp/ready; exec sleep 3600"]
    readinessProbe: {exec: {command: ["test", "-e", "/tmp/ready"]}, periodSeconds: 1, failureThreshold: 1}
---
apiVersion: v1
kind: Service
metadata: {name: ready}
spec:
  selector: {app: ready}
  ports: [{port: 80, targetPort: 8080}]
`,
        );
        const ip = await eventually("a Ready pod", async () => {
          const p = await pod(c, "ready");
          return ready(p) ? p.status.podIP : undefined;
        });
        const addresses = async (field: "addresses" | "notReadyAddresses") => {
          const ep = JSON.parse(await c.kubectlOk(["get", "endpoints", "ready", "-o", "json"]));
          return ((ep.subsets ?? []) as Record<string, { ip: string }[]>[]).flatMap((s) =>
            s[field] ?? []
          ).map((a) => a.ip);
        };
        await eventually(
          "the pod in the endpoints",
          async () => (await addresses("addresses")).includes(ip!) || undefined,
        );
        await c.kubectlOk(["exec", "ready", "--", "rm", "/tmp/ready"]);
        await eventually("the pod unready", async () => !ready(await pod(c, "ready")) || undefined);
        await eventually("the pod out of the endpoints", async () => {
          const out = await addresses("addresses");
          const notReady = await addresses("notReadyAddresses");
          return !out.includes(ip!) && notReady.includes(ip!) || undefined;
        });
      },
    );

    await t.step(
      "a configMap volume sees an update within a minute; a secret env var holds the secret",
      async () => {
        await apply(
          c,
          `
apiVersion: v1
kind: ConfigMap
metadata: {name: settings}
data: {greeting: hello}
---
apiVersion: v1
kind: Secret
metadata: {name: credentials}
stringData: {password: s3cret-value}
---
apiVersion: v1
kind: Pod
metadata: {name: config}
spec:
  containers:
  - name: c
    image: ${IMAGE}
    command: ["sleep", "3600"]
    env:
    - {name: PASSWORD, valueFrom: {secretKeyRef: {name: credentials, key: password}}}
    - {name: POD_NAME, valueFrom: {fieldRef: {fieldPath: metadata.name}}}
    volumeMounts: [{name: settings, mountPath: /etc/settings}]
  volumes:
  - {name: settings, configMap: {name: settings}}
`,
        );
        await eventually("a Ready pod", async () => ready(await pod(c, "config")) || undefined);
        assert.equal(
          await c.kubectlOk(["exec", "config", "--", "cat", "/etc/settings/greeting"]),
          "hello",
        );
        const env = await c.kubectlOk([
          "exec",
          "config",
          "--",
          "sh",
          "-c",
          'echo "$PASSWORD $POD_NAME"',
        ]);
        assert.equal(env, "s3cret-value config\n");
        await c.kubectlOk([
          "patch",
          "configmap",
          "settings",
          "-p",
          '{"data":{"greeting":"updated"}}',
        ]);
        const started = Date.now();
        await eventually(
          "the new value in the volume",
          async () => {
            const r = await c.kubectl(["exec", "config", "--", "cat", "/etc/settings/greeting"]);
            return r.stdout === "updated" || undefined;
          },
          60_000,
          1000,
        );
        assert.ok(Date.now() - started < 60_000);
      },
    );

    await t.step("a pod past its activeDeadlineSeconds fails with DeadlineExceeded", async () => {
      await apply(
        c,
        `
apiVersion: v1
kind: Pod
metadata: {name: deadline}
spec:
  activeDeadlineSeconds: 5
  terminationGracePeriodSeconds: 1
  containers:
  - {name: c, image: ${IMAGE}, command: ["sleep", "3600"]}
`,
      );
      const p = await eventually("a failed pod", async () => {
        const x = await pod(c, "deadline");
        return x.status.phase === "Failed" ? x : undefined;
      }, 60_000);
      assert.equal((p.status as { reason?: string }).reason, "DeadlineExceeded");
      assert.ok(p.status.containerStatuses?.[0].state.terminated, "the container was stopped");
    });

    await t.step(
      "deleting a pod runs preStop, stops it within the grace period and leaves nothing behind",
      async () => {
        const netnsBefore = (await c.netns()).length;
        await apply(
          c,
          `
apiVersion: v1
kind: Pod
metadata: {name: graceful}
spec:
  terminationGracePeriodSeconds: 4
  containers:
  - name: c
    image: ${IMAGE}
    # SIGTERM is ignored: only the SIGKILL after the grace period stops it.
    command: ["sh", "-c", "trap '' TERM; while true; do sleep 1; done"]
    lifecycle:
      preStop: {exec: {command: ["sh", "-c", "echo prestop ran > /out/prestop"]}}
    volumeMounts:
    - {name: out, mountPath: /out}
    - {name: scratch, mountPath: /scratch}
  volumes:
  - {name: out, hostPath: {path: ${join(c.dir, "graceful")}, type: DirectoryOrCreate}}
  - {name: scratch, emptyDir: {medium: Memory}}
`,
        );
        const p = await eventually("a Ready pod", async () => {
          const x = await pod(c, "graceful");
          return ready(x) ? x : undefined;
        });
        const uid = p.metadata.uid;
        assert.ok((await c.mounts()).some((m) => m.includes(uid)), "the pod's volumes are mounted");
        assert.equal((await c.netns()).length, netnsBefore + 1);
        const started = Date.now();
        const deleted = await c.kubectl(["delete", "pod", "graceful", "--wait=true"], {
          timeoutMs: 60_000,
        });
        const took = Date.now() - started;
        assert.equal(deleted.code, 0, deleted.stderr);
        assert.ok(took >= 3_000, `stopped after the grace period, not before (${took} ms)`);
        assert.ok(took < 4_000 + 15_000, `stopped soon after the grace period (${took} ms)`);
        assert.equal(await readFile(join(c.dir, "graceful", "prestop"), "utf8"), "prestop ran\n");
        const cri = c.cri();
        try {
          const selector = { labelSelector: { "io.kubernetes.pod.uid": uid } };
          assert.deepEqual(await cri.listContainers(selector), [], "no container left");
          assert.deepEqual(await cri.listPodSandbox(selector), [], "no sandbox left");
        } finally {
          cri.close();
        }
        assert.deepEqual((await c.mounts()).filter((m) => m.includes(uid)), [], "no mount left");
        assert.equal((await c.netns()).length, netnsBefore, "no network namespace left");
      },
    );

    await t.step(
      "an unpullable image gives ErrImagePull, then ImagePullBackOff with the runtime's message",
      async () => {
        await apply(
          c,
          `
apiVersion: v1
kind: Pod
metadata: {name: unpullable}
spec:
  containers:
  - {name: c, image: 127.0.0.1:5999/nothing/here:1}
`,
        );
        const reasons = new Set<string>();
        let last: ContainerStatus | undefined;
        await eventually(
          "ErrImagePull and then ImagePullBackOff",
          async () => {
            const s = last = (await pod(c, "unpullable")).status.containerStatuses?.[0];
            const reason = s?.state.waiting?.reason;
            if (reason) reasons.add(reason);
            if (reason === "ErrImagePull") {
              assert.match(
                s!.state.waiting.message ?? "",
                /^Failed to pull image "127\.0\.0\.1:5999\/nothing\/here:1": rpc error: .*connection refused/,
              );
            }
            return reasons.has("ErrImagePull") && reason === "ImagePullBackOff" ? s : undefined;
          },
          90_000,
          250,
        ).catch((e) => {
          throw new Error(`${e.message}; seen ${[...reasons]}, last ${JSON.stringify(last)}`);
        });
        const seen = await events(c, "unpullable");
        const failed = seen.find((e) =>
          e.reason === "Failed" && e.message.startsWith("Failed to pull image")
        );
        assert.match(failed?.message ?? "", /127\.0\.0\.1:5999.*connection refused/);
        assert.ok(
          seen.some((e) =>
            e.reason === "BackOff" &&
            e.message === 'Back-off pulling image "127.0.0.1:5999/nothing/here:1"'
          ),
        );
        const logs = await c.kubectl(["logs", "unpullable"]);
        assert.match(
          logs.stderr,
          /container "c" in pod "unpullable" is waiting to start: (trying and failing to pull image|image can't be pulled)/,
        );
        const table = await c.kubectlOk(["get", "pod", "unpullable"]);
        assert.match(table, /unpullable\s+0\/1\s+(ImagePullBackOff|ErrImagePull)/);
        const node = await c.kubectlOk([
          "get",
          "node",
          c.nodeName,
          "-o",
          'jsonpath={.status.conditions[?(@.type=="Ready")].status}',
        ]);
        assert.equal(node, "True");
      },
    );
  } finally {
    await c.close();
  }
});

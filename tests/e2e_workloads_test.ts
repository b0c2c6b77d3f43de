/**
 * End to end: `k3s server` with its embedded agent on a real containerd runs a Deployment of
 * busybox httpd, and the oldest and newest kubectl reach its pods through the API server and
 * the kubelet: logs, exec, exec -it under a pseudo terminal, port-forward, cp both ways.
 *
 * @module
 */
import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { eventually, startE2eCluster } from "../agent/testing/e2e_cluster.ts";

const DEPLOYMENT = `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: httpd
        image: docker.io/library/busybox:test
        imagePullPolicy: IfNotPresent
        command: ["sh", "-c", "echo hello from $(hostname) > /var/www/index.html; echo serving /var/www; exec httpd -f -p 8080 -h /var/www"]
        ports: [{containerPort: 8080, name: http}]
        readinessProbe: {httpGet: {path: /, port: http}, periodSeconds: 2}
`;

interface PodJson {
  metadata: { name: string };
  status: {
    phase: string;
    podIP?: string;
    conditions?: { type: string; status: string }[];
    containerStatuses?: { ready: boolean; state: Record<string, unknown> }[];
  };
}

Deno.test({
  name:
    "a busybox httpd Deployment runs Ready, and kubectl logs, exec, exec -it, port-forward and cp reach its pods",
  sanitizeOps: false,
  sanitizeResources: false,
}, async (t) => {
  const c = await startE2eCluster();
  try {
    await c.kubectlOk(["apply", "-f", "-"], { stdin: DEPLOYMENT });
    let pods: PodJson[] = [];
    await t.step(
      "both pods become Running and Ready with addresses of the node's pod CIDR",
      async () => {
        pods = await eventually("2 Ready web pods", async () => {
          const list = JSON.parse(await c.kubectlOk(["get", "pods", "-l", "app=web", "-o", "json"]))
            .items as PodJson[];
          const ready = list.filter((p) =>
            p.status.phase === "Running" &&
            p.status.conditions?.some((x) => x.type === "Ready" && x.status === "True")
          );
          return ready.length === 2 ? ready : undefined;
        }, 90_000);
        const cidr = await c.kubectlOk([
          "get",
          "node",
          c.nodeName,
          "-o",
          "jsonpath={.spec.podCIDR}",
        ]);
        const prefix = cidr.split(".").slice(0, 3).join(".");
        for (const p of pods) {
          assert.ok(p.status.podIP?.startsWith(`${prefix}.`), `${p.status.podIP} in ${cidr}`);
        }
        await c.kubectlOk(["rollout", "status", "deployment/web", "--timeout=60s"]);
      },
    );
    const pod = () => pods[0].metadata.name;

    for (const [i, k] of c.kubectlBinaries.entries()) {
      const kubectl = (args: string[], stdin?: string) =>
        c.kubectl(args, { binary: k.path, stdin, timeoutMs: 60_000 });

      await t.step(`kubectl ${k.version} logs shows what the container printed`, async () => {
        const r = await kubectl(["logs", pod()]);
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, /^serving \/var\/www$/m);
        const stamped = await kubectl(["logs", pod(), "--timestamps", "--tail=1"]);
        assert.match(stamped.stdout, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z serving \/var\/www\n$/);
      });

      await t.step(
        `kubectl ${k.version} exec runs a command and reports its exit code`,
        async () => {
          const ok = await kubectl(["exec", pod(), "--", "sh", "-c", "echo ok"]);
          assert.equal(ok.code, 0, ok.stderr);
          assert.equal(ok.stdout, "ok\n");
          const failed = await kubectl([
            "exec",
            pod(),
            "--",
            "sh",
            "-c",
            "echo out; echo err >&2; exit 7",
          ]);
          assert.equal(failed.code, 7);
          assert.equal(failed.stdout, "out\n");
          assert.match(failed.stderr, /err\n/);
          const piped = await kubectl(
            ["exec", "-i", pod(), "--", "sh", "-c", "cat; echo end"],
            "from stdin\n",
          );
          assert.equal(piped.stdout, "from stdin\nend\n");
        },
      );

      await t.step(`kubectl ${k.version} exec -it gets a terminal`, async () => {
        const r = await c.exec("script", [
          "-qc",
          `${k.path} exec -it ${pod()} -- sh -c 'tty; echo in-tty'`,
          "/dev/null",
        ], {
          timeoutMs: 60_000,
        });
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, /\/dev\/pts\/\d+\r\n/);
        assert.match(r.stdout, /in-tty\r\n/);
      });

      await t.step(`kubectl ${k.version} port-forward carries HTTP to the pod`, async () => {
        const port = 18080 + i;
        const pf = c.spawn(k.path, ["port-forward", `pod/${pod()}`, `${port}:8080`]);
        try {
          const body = await eventually("an answer through port-forward", async () => {
            const r = await c.exec("busybox", ["wget", "-qO-", `http://127.0.0.1:${port}/`], {
              timeoutMs: 10_000,
            });
            return r.code === 0 ? r.stdout : undefined;
          }, 30_000);
          assert.equal(body, `hello from ${pod()}\n`);
        } finally {
          try {
            pf.kill("SIGTERM");
          } catch { /* exited */ }
          await pf.status;
        }
      });

      await t.step(`kubectl ${k.version} cp copies files into and out of a container`, async () => {
        const up = join(c.dir, `up-${k.version}.txt`);
        await writeFile(up, `uploaded by ${k.version}\n`);
        const r1 = await kubectl(["cp", up, `${pod()}:/tmp/up.txt`]);
        assert.equal(r1.code, 0, r1.stderr);
        assert.equal(
          (await kubectl(["exec", pod(), "--", "cat", "/tmp/up.txt"])).stdout,
          `uploaded by ${k.version}\n`,
        );
        const down = join(c.dir, `down-${k.version}.html`);
        const r2 = await kubectl(["cp", `${pod()}:/var/www/index.html`, down]);
        assert.equal(r2.code, 0, r2.stderr);
        assert.equal(await readFile(down, "utf8"), `hello from ${pod()}\n`);
      });
    }
  } finally {
    await c.close();
  }
});

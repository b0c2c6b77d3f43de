/**
 * Pod benchmark: `k3s server` with its embedded agent on a real containerd (the e2e sandbox of
 * `agent/testing/e2e_cluster.ts`), then a Deployment of busybox pods brought up, reached and
 * removed through the real kubectl. Prints one markdown table and writes it to `bench/pods.md`.
 *
 * ```sh
 * deno task bench pods            # 30 pods
 * deno task bench pods --quick    # 10 pods
 * ```
 *
 * Pod start latency runs from the create call to the first poll (every 200 ms) that sees the
 * pod Ready, so it includes the controllers, the scheduler, the kubelet's sync, the sandbox
 * (CNI) and the container start. The pods have no probes: an exec probe is a process start in
 * the container each period, which on a small machine soon costs more than everything else. Exec and logs round trips are kubectl's whole run (process
 * start included), through the API server and the kubelet.
 *
 * @module
 */
import { readdir, readFile, writeFile } from "node:fs/promises";
import { loadavg } from "node:os";
import { join } from "node:path";
import { type E2eCluster, startE2eCluster } from "../agent/testing/e2e_cluster.ts";

const REPO = new URL("..", import.meta.url).pathname;

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** RSS (MiB) of the sandbox's processes whose command line starts with `name`. */
async function rssMiB(c: E2eCluster, match: (cmd: string[]) => boolean): Promise<number> {
  const holderNs = await Deno.readLink(`/proc/${c.holder}/ns/mnt`);
  let total = 0;
  for (const pid of (await readdir("/proc")).filter((p) => /^\d+$/.test(p))) {
    try {
      if (await Deno.readLink(`/proc/${pid}/ns/mnt`) !== holderNs) continue;
      const cmd = (await readFile(`/proc/${pid}/cmdline`, "utf8")).split("\0");
      if (!match(cmd)) continue;
      const kb = Number(
        /VmRSS:\s+(\d+) kB/.exec(await readFile(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0,
      );
      total += kb / 1024;
    } catch { /* gone */ }
  }
  return total;
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

export async function run(args: string[]): Promise<void> {
  const replicas = args.includes("--quick") ? 10 : 30;
  let t = performance.now();
  const c = await startE2eCluster();
  const startMs = performance.now() - t;
  try {
    const yaml = `
apiVersion: apps/v1
kind: Deployment
metadata: {name: bench}
spec:
  replicas: ${replicas}
  selector: {matchLabels: {app: bench}}
  template:
    metadata: {labels: {app: bench}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: c
        image: docker.io/library/busybox:test
        command: ["sh", "-c", "echo up; exec sleep 3600"]
`;
    const created = performance.now();
    await c.kubectlOk(["apply", "-f", "-"], { stdin: yaml });
    const readyAt = new Map<string, number>();
    while (readyAt.size < replicas) {
      const list = JSON.parse(await c.kubectlOk(["get", "pods", "-l", "app=bench", "-o", "json"]))
        .items as {
          metadata: { name: string };
          status?: { conditions?: { type: string; status: string }[] };
        }[];
      const now = performance.now();
      for (const p of list) {
        const ready = p.status?.conditions?.some((x) => x.type === "Ready" && x.status === "True");
        if (ready && !readyAt.has(p.metadata.name)) readyAt.set(p.metadata.name, now - created);
      }
      if (now - created > 600_000) {
        throw new Error(`only ${readyAt.size} of ${replicas} pods Ready in 10 min`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    const latencies = [...readyAt.values()].sort((a, b) => a - b);
    const allReadyMs = latencies.at(-1)!;
    const serverRss = await rssMiB(
      c,
      (cmd) => cmd.includes("server") && cmd.some((a) => a.endsWith("main.ts")),
    );
    const containerdRss = await rssMiB(c, (cmd) => cmd[0].endsWith("containerd"));
    const shimRss = await rssMiB(c, (cmd) => cmd[0].includes("containerd-shim"));
    const pod = [...readyAt.keys()][0];
    const execs: number[] = [];
    const logs: number[] = [];
    for (let i = 0; i < 10; i++) {
      execs.push(await timed(() => c.kubectlOk(["exec", pod, "--", "true"])));
      logs.push(await timed(() => c.kubectlOk(["logs", pod])));
    }
    execs.sort((a, b) => a - b);
    logs.sort((a, b) => a - b);
    t = performance.now();
    await c.kubectlOk(["scale", "deployment/bench", "--replicas=0"]);
    for (;;) {
      const left = (await c.kubectlOk(["get", "pods", "-l", "app=bench", "-o", "name"])).trim();
      const cri = c.cri();
      const sandboxes = await cri.listPodSandbox().finally(() => cri.close());
      if (!left && sandboxes.length === 0) break;
      if (performance.now() - t > 300_000) throw new Error("pods still there after 5 min");
      await new Promise((r) => setTimeout(r, 200));
    }
    const removeMs = performance.now() - t;
    const s = (ms: number) => (ms / 1000).toFixed(1);
    const rows: [string, string][] = [
      ["k3s server start to node Ready (s)", s(startMs)],
      [`Deployment of ${replicas} pods: all Ready (s)`, s(allReadyMs)],
      ["pods Ready per second", (replicas / (allReadyMs / 1000)).toFixed(2)],
      [
        "pod create to Ready, p50 / p95 (s)",
        `${s(percentile(latencies, 50))} / ${s(percentile(latencies, 95))}`,
      ],
      [
        "kubectl exec round trip, p50 / p90 (ms)",
        `${percentile(execs, 50).toFixed(0)} / ${percentile(execs, 90).toFixed(0)}`,
      ],
      [
        "kubectl logs round trip, p50 / p90 (ms)",
        `${percentile(logs, 50).toFixed(0)} / ${percentile(logs, 90).toFixed(0)}`,
      ],
      [`scale to 0: pods and sandboxes gone (s)`, s(removeMs)],
      [`RSS with ${replicas} pods: k3s server + agent (MiB)`, serverRss.toFixed(0)],
      ["RSS: containerd / all shims (MiB)", `${containerdRss.toFixed(0)} / ${shimRss.toFixed(0)}`],
    ];
    const table = [
      `Machine: ${navigator.hardwareConcurrency} CPUs, load ${
        loadavg()[0].toFixed(2)
      } at the end; containerd ${(await c.kubectlOk([
        "get",
        "node",
        c.nodeName,
        "-o",
        "jsonpath={.status.nodeInfo.containerRuntimeVersion}",
      ]))}.`,
      "",
      "| measure | value |",
      "| --- | --- |",
      ...rows.map(([k, v]) => `| ${k} | ${v} |`),
      "",
    ].join("\n");
    console.log(table);
    await writeFile(
      join(REPO, "bench", "pods.md"),
      `# deno task bench pods${args.includes("--quick") ? " --quick" : ""}\n\n${table}`,
    );
  } finally {
    await c.close();
  }
}

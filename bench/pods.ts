/**
 * Pod benchmark (issue 7): `k3s server --disable-agent` and a separate `k3s agent` joined with
 * the node token, each in a sandbox of its own on a real containerd (`agent/testing/e2e_cluster.ts`),
 * with the busybox test image imported at the agent's start. Prints one markdown table with the
 * targets and writes it to `bench/pods.md`.
 *
 * ```sh
 * deno task bench pods            # 50 sequential pods, 30 at steady state, a 100-pod burst
 * deno task bench pods --quick    # 10, 10 and 20, a 10 s idle window
 * deno task bench pods --debug    # the agent runs with --debug; its log goes to /tmp/bench-pods-agent.log
 * deno task bench pods --agent-v8-flags=--max-semi-space-size=1   # V8 flags for the agent only
 * ```
 *
 * A run with `--agent-v8-flags` says so above its table and is not written to `bench/pods.md`.
 *
 * Three phases on the same node:
 *
 * 1. Pod start latency: pods created one after another, each once the one before is Running.
 *    A pod's latency runs from the watch event that first shows it (the API server has stored
 *    it) to the watch event that shows `status.phase` Running; both come through one
 *    `kubectl get pods --watch`, so the pipe's delay is on both ends. It includes the
 *    scheduler, the kubelet's sync, the sandbox (CNI), the container's create and start and the
 *    status write.
 * 2. Steady state: all but 30 of those pods deleted; once their sandboxes are gone and 10 s
 *    passed, a 30 s window of the agent process's CPU (utime + stime from `/proc/<pid>/stat`,
 *    all threads) as a share of one core, and its RSS (`VmRSS`, split into anonymous memory
 *    and the file-backed pages it has touched: the `deno` executable and its cache files).
 *    containerd and its shims are measured apart (they are not the agent).
 * 3. A burst: the rest deleted, then 100 pods in one `kubectl create` (kubectl sends them one
 *    after another as fast as the server answers); the time from the first pod seen to the last
 *    Running, and each pod's latency as in phase 1.
 *
 * The containers are `sh` trapping SIGTERM around a `sleep`, so deletion does not wait for a
 * grace period.
 *
 * @module
 */
import { readdir, readFile, writeFile } from "node:fs/promises";
import { loadavg } from "node:os";
import { join } from "node:path";
import { type E2eAgent, eventually, startE2eCluster } from "../agent/testing/e2e_cluster.ts";
import type { E2eCluster } from "../agent/testing/e2e_cluster.ts";
import { entryNote } from "../tests/harness.ts";

const REPO = new URL("..", import.meta.url).pathname;
const CLK_TCK = 100;
const LABEL = "bench=pods";

interface Sizes {
  sequential: number;
  steady: number;
  burst: number;
  windowMs: number;
}

const FULL: Sizes = { sequential: 50, steady: 30, burst: 100, windowMs: 30_000 };
const QUICK: Sizes = { sequential: 10, steady: 10, burst: 20, windowMs: 10_000 };

/** Nearest-rank percentile of ascending `sorted`. */
function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)];
}

function load(): string {
  return loadavg().map((l) => l.toFixed(2)).join(" ");
}

function podYaml(name: string): string {
  return `apiVersion: v1
kind: Pod
metadata: {name: ${name}, labels: {bench: pods}}
spec:
  terminationGracePeriodSeconds: 5
  containers:
  - name: c
    image: docker.io/library/busybox:test
    command: ["sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"]
`;
}

/** The pods of the benchmark as one `kubectl get pods --watch` sees them. */
class PodWatch {
  readonly #child: Deno.ChildProcess;
  /** When each pod was first seen, when it was first Running, when it was deleted. */
  readonly seen = new Map<string, number>();
  readonly running = new Map<string, number>();
  readonly bound = new Map<string, number>();
  readonly deleted = new Set<string>();
  #changed: () => void = () => {};
  #done: Promise<void>;

  constructor(c: E2eCluster) {
    this.#child = c.spawn("kubectl", [
      "get",
      "pods",
      "--watch",
      "--output-watch-events",
      "-l",
      LABEL,
      "-o",
      'jsonpath={.type} {.object.metadata.name} {.object.status.phase} {.object.spec.nodeName}{"\\n"}',
    ]);
    this.#child.stdin.close();
    void this.#child.stderr.cancel();
    this.#done = this.#read();
  }

  async #read(): Promise<void> {
    let rest = "";
    for await (const chunk of this.#child.stdout.pipeThrough(new TextDecoderStream())) {
      const now = performance.now();
      const lines = (rest + chunk).split("\n");
      rest = lines.pop()!;
      for (const line of lines) {
        const [type, name, phase, node] = line.trim().split(" ");
        if (!name) continue;
        if (type === "DELETED") {
          this.deleted.add(name);
          continue;
        }
        if (!this.seen.has(name)) this.seen.set(name, now);
        if (node && !this.bound.has(name)) this.bound.set(name, now);
        if (phase === "Running" && !this.running.has(name)) this.running.set(name, now);
      }
      this.#changed();
    }
  }

  /** Resolves once `done()` holds, checked after each batch of events. */
  async until(what: string, done: () => boolean, timeoutMs: number): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    while (!done()) {
      const left = deadline - performance.now();
      if (left <= 0) throw new Error(`Timed out waiting for ${what}`);
      let timer: ReturnType<typeof setTimeout> | undefined;
      await new Promise<void>((resolve) => {
        this.#changed = resolve;
        timer = setTimeout(resolve, Math.min(left, 1000));
      });
      clearTimeout(timer);
    }
  }

  /** Latency (ms) from first seen to Running. */
  latency(name: string): number {
    return this.running.get(name)! - this.seen.get(name)!;
  }

  async close(): Promise<void> {
    try {
      this.#child.kill("SIGKILL");
    } catch { /* gone */ }
    await this.#done.catch(() => {});
    await this.#child.status;
  }
}

interface ProcSample {
  /** CPU seconds (user + system, all threads). */
  cpu: number;
  rssMiB: number;
  /** `RssAnon` and `RssFile` of `/proc/<pid>/status`. */
  anonMiB: number;
  fileMiB: number;
}

async function sample(pid: number): Promise<ProcSample> {
  const stat = (await readFile(`/proc/${pid}/stat`, "utf8")).split(") ")[1].split(" ");
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  const kib = (field: string) =>
    Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0) / 1024;
  return {
    cpu: (Number(stat[11]) + Number(stat[12])) / CLK_TCK,
    rssMiB: kib("VmRSS"),
    anonMiB: kib("RssAnon"),
    fileMiB: kib("RssFile"),
  };
}

/** PIDs in the agent sandbox's mount namespace whose command line `match`es. */
async function pidsWhere(agent: E2eAgent, match: (cmd: string[]) => boolean): Promise<number[]> {
  const ns = await Deno.readLink(`/proc/${agent.sandbox.holder}/ns/mnt`);
  const out: number[] = [];
  for (const pid of (await readdir("/proc")).filter((p) => /^\d+$/.test(p))) {
    try {
      if (await Deno.readLink(`/proc/${pid}/ns/mnt`) !== ns) continue;
      if (match((await readFile(`/proc/${pid}/cmdline`, "utf8")).split("\0"))) {
        out.push(Number(pid));
      }
    } catch { /* gone */ }
  }
  return out;
}

/** The summed sample of `pids`. */
async function sampleAll(pids: number[]): Promise<ProcSample> {
  const total = { cpu: 0, rssMiB: 0, anonMiB: 0, fileMiB: 0 };
  for (const pid of pids) {
    const s = await sample(pid).catch(() => ({ cpu: 0, rssMiB: 0, anonMiB: 0, fileMiB: 0 }));
    total.cpu += s.cpu;
    total.rssMiB += s.rssMiB;
    total.anonMiB += s.anonMiB;
    total.fileMiB += s.fileMiB;
  }
  return total;
}

async function sandboxCount(agent: E2eAgent): Promise<number> {
  const cri = agent.sandbox.cri();
  try {
    return (await cri.listPodSandbox()).length;
  } finally {
    cri.close();
  }
}

/** Deletes `names` and waits until the API and the runtime have none of them left. */
async function deletePods(
  c: E2eCluster,
  agent: E2eAgent,
  watch: PodWatch,
  names: string[],
  remaining: number,
): Promise<void> {
  for (let i = 0; i < names.length; i += 50) {
    await c.kubectlOk(["delete", "pod", "--wait=false", ...names.slice(i, i + 50)]);
  }
  await watch.until("pods deleted", () => names.every((n) => watch.deleted.has(n)), 300_000);
  await eventually(
    "sandboxes removed",
    async () => await sandboxCount(agent) === remaining || undefined,
    300_000,
  );
}

export async function run(args: string[]): Promise<void> {
  const quick = args.includes("--quick");
  const debug = args.includes("--debug");
  const v8Flags = args.find((a) => a.startsWith("--agent-v8-flags="))?.slice(
    "--agent-v8-flags=".length,
  );
  const sizes = quick ? QUICK : FULL;
  const c = await startE2eCluster({ agent: false });
  try {
    const t0 = performance.now();
    const agent = await c.addAgent(
      "bench-node",
      debug ? ["--debug"] : [],
      v8Flags ? [`--v8-flags=${v8Flags}`] : [],
    );
    const joinMs = performance.now() - t0;
    await eventually(
      "the default ServiceAccount",
      async () => (await c.kubectl(["get", "serviceaccount", "default"])).code === 0 || undefined,
    );
    const watch = new PodWatch(c);
    try {
      // 1. One after another.
      const sequential: number[] = [];
      for (let i = 0; i < sizes.sequential; i++) {
        const name = `seq-${i}`;
        await c.kubectlOk(["create", "-f", "-"], { stdin: podYaml(name) });
        await watch.until(`${name} Running`, () => watch.running.has(name), 120_000);
        sequential.push(watch.latency(name));
        const bound = watch.bound.get(name)! - watch.seen.get(name)!;
        console.error(
          `${name}: ${watch.latency(name).toFixed(0)} ms (bound after ${
            bound.toFixed(0)
          } ms; load ${load()})`,
        );
      }
      sequential.sort((a, b) => a - b);
      const loadSequential = load();

      // 2. Steady state with `steady` pods.
      const seqNames = Array.from({ length: sizes.sequential }, (_, i) => `seq-${i}`);
      await deletePods(c, agent, watch, seqNames.slice(sizes.steady), sizes.steady);
      await new Promise((r) => setTimeout(r, 10_000));
      const shimPids = await pidsWhere(agent, (cmd) => cmd[0].includes("containerd-shim"));
      const containerdPids = await pidsWhere(agent, (cmd) => cmd[0].endsWith("/containerd"));
      const before = {
        agent: await sample(agent.pid),
        containerd: await sampleAll(containerdPids),
        shims: await sampleAll(shimPids),
        at: performance.now(),
      };
      await new Promise((r) => setTimeout(r, sizes.windowMs));
      const after = {
        agent: await sample(agent.pid),
        containerd: await sampleAll(containerdPids),
        shims: await sampleAll(shimPids),
        at: performance.now(),
      };
      const loadSteady = load();
      const windowS = (after.at - before.at) / 1000;
      const pct = (k: "agent" | "containerd" | "shims") =>
        (after[k].cpu - before[k].cpu) / windowS * 100;

      // 3. The burst.
      await deletePods(c, agent, watch, seqNames.slice(0, sizes.steady), 0);
      const burstNames = Array.from({ length: sizes.burst }, (_, i) => `burst-${i}`);
      const list = burstNames.map((n) => podYaml(n)).join("---\n");
      const created = performance.now();
      await c.kubectlOk(["create", "-f", "-"], { stdin: list });
      const createdMs = performance.now() - created;
      await watch.until(
        "the burst Running",
        () => burstNames.every((n) => watch.running.has(n)),
        600_000,
      );
      const firstSeen = Math.min(...burstNames.map((n) => watch.seen.get(n)!));
      const lastRunning = Math.max(...burstNames.map((n) => watch.running.get(n)!));
      const burst = burstNames.map((n) => watch.latency(n)).sort((a, b) => a - b);
      const loadBurst = load();
      const agentAfterBurst = await sample(agent.pid);

      const ms = (v: number) => `${v.toFixed(0)} ms`;
      const check = (ok: boolean) => ok ? "pass" : "FAIL";
      const seqP50 = percentile(sequential, 50);
      const seqP99 = percentile(sequential, 99);
      const rows: [string, string, string, string][] = [
        ["`k3s agent` start to node Ready", ms(joinMs), "", ""],
        [
          `start latency, ${sizes.sequential} pods one after another: p50`,
          ms(seqP50),
          "≤ 1 s",
          check(seqP50 <= 1000),
        ],
        [
          `start latency, ${sizes.sequential} pods one after another: p99`,
          ms(seqP99),
          "≤ 3 s",
          check(seqP99 <= 3000),
        ],
        [
          `agent RSS, ${sizes.steady} pods, steady (anonymous + file-backed)`,
          `${after.agent.rssMiB.toFixed(0)} MiB (${after.agent.anonMiB.toFixed(0)} + ${
            after.agent.fileMiB.toFixed(0)
          })`,
          "≤ 60 MB",
          check(after.agent.rssMiB * 1.048576 <= 60),
        ],
        [
          `agent CPU, ${sizes.steady} pods, ${windowS.toFixed(0)} s idle`,
          `${pct("agent").toFixed(2)} % of a core`,
          "< 2 %",
          check(pct("agent") < 2),
        ],
        [
          `containerd: RSS / CPU (${containerdPids.length} process)`,
          `${after.containerd.rssMiB.toFixed(0)} MiB / ${pct("containerd").toFixed(2)} %`,
          "",
          "",
        ],
        [
          `shims (${shimPids.length}): RSS / CPU`,
          `${after.shims.rssMiB.toFixed(0)} MiB / ${pct("shims").toFixed(2)} %`,
          "",
          "",
        ],
        [
          `burst of ${sizes.burst}: \`kubectl create\` of all`,
          ms(createdMs),
          "",
          "",
        ],
        [
          `burst of ${sizes.burst}: first seen to all Running`,
          ms(lastRunning - firstSeen),
          "",
          "",
        ],
        [
          `burst of ${sizes.burst}: start latency p50`,
          ms(percentile(burst, 50)),
          "",
          "",
        ],
        [
          `burst of ${sizes.burst}: start latency p99`,
          ms(percentile(burst, 99)),
          "≤ 5 s (upstream SLO)",
          check(percentile(burst, 99) <= 5000),
        ],
        [
          `agent RSS after the burst (${sizes.burst} pods)`,
          `${agentAfterBurst.rssMiB.toFixed(0)} MiB`,
          "",
          "",
        ],
      ];
      const table = [
        ...(v8Flags ? [`The agent ran with \`--v8-flags=${v8Flags}\`.`, ""] : []),
        `Machine: ${navigator.hardwareConcurrency} CPUs shared with other work; load average ` +
        `(1/5/15 min) after the sequential pods ${loadSequential}, after the idle window ` +
        `${loadSteady}, after the burst ${loadBurst}. ${entryNote()}`,
        "",
        "| measure | value | target | result |",
        "| --- | --- | --- | --- |",
        ...rows.map((r) => `| ${r.join(" | ")} |`),
        "",
      ].join("\n");
      console.log(table);
      if (v8Flags) return;
      await writeFile(
        join(REPO, "bench", "pods.md"),
        `# deno task bench pods${quick ? " --quick" : ""}\n\n${table}`,
      );
    } finally {
      await watch.close();
      if (debug) await writeFile("/tmp/bench-pods-agent.log", agent.logs());
    }
  } finally {
    await c.close();
  }
}

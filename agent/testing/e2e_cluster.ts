/**
 * End-to-end test clusters: a real `k3s server` with its embedded agent (containerd, runc, CNI)
 * in a sandbox of its own, so that tests can run side by side and leave nothing behind.
 *
 * The sandbox is a holder process in new mount and network namespaces: `/run` is a private
 * tmpfs (containerd's state and socket, runc's state, pod network namespaces), `/etc` and `/var`
 * are overlays whose writes land in the test's temp dir (`/etc/rancher/node/password`,
 * `/var/lib/kubelet`, `/var/log/pods`), and the network has loopback plus a veth `eth0` (its peer stays inside)
 * (172.31.255.2/24, the default route) as the node's address. So the agent runs with K3s's
 * default paths and ports (10250, 10010, `cni0`) exactly as on a real node. kubectl runs in the
 * sandbox's network namespace only.
 *
 * `close()` stops the server, removes pods through CRI, kills leftover runc containers and every
 * process of the sandbox by PID, then the holder (the namespaces and their mounts go with it),
 * then the temp dir.
 *
 * @module
 */
import { execFile, spawn } from "node:child_process";
import { copyFile, mkdir, mkdtemp, readdir, readFile, readlink, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import process from "node:process";
import { promisify } from "node:util";
import { GrpcCriClient } from "../../cri/grpc_client.ts";
import { testImages } from "../../tests/images/mod.ts";
import { freePort, oldestAndNewestKubectl } from "../../tests/harness.ts";

const run = promisify(execFile);
const REPO = dirname(dirname(dirname(new URL(import.meta.url).pathname)));
const NODE_IP = "172.31.255.2";
const RUNC_ROOT = "/run/containerd/runc/k8s.io";

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface E2eOptions {
  /** Extra `k3s server` arguments. */
  args?: string[];
  /** The node name (default `e2e-<random>`). */
  nodeName?: string;
}

export interface E2eCluster {
  dir: string;
  dataDir: string;
  kubeconfig: string;
  nodeName: string;
  nodeIp: string;
  /** PID of the sandbox's holder process. */
  holder: number;
  /** Runs a command in the sandbox's network namespace (host files). */
  exec(
    cmd: string,
    args: string[],
    opts?: { stdin?: string; env?: Record<string, string>; timeoutMs?: number },
  ): Promise<CommandResult>;
  /** Starts a command in the sandbox's network namespace without waiting. */
  spawn(cmd: string, args: string[], env?: Record<string, string>): Deno.ChildProcess;
  kubectl(
    args: string[],
    opts?: { binary?: string; stdin?: string; timeoutMs?: number },
  ): Promise<CommandResult>;
  kubectlOk(
    args: string[],
    opts?: { binary?: string; stdin?: string; timeoutMs?: number },
  ): Promise<string>;
  /** The newest kubectl (and `oldest`). */
  kubectlBinaries: { version: string; path: string }[];
  /** A CRI client on the sandbox's containerd (through /proc/<holder>/root). */
  cri(): GrpcCriClient;
  /** Mount points inside the sandbox. */
  mounts(): Promise<string[]>;
  /** Pod network namespaces in the sandbox (`/run/netns`). */
  netns(): Promise<string[]>;
  /** Kills the k3s process and its containerd with SIGKILL (pods keep running). */
  kill(): Promise<void>;
  /** Starts k3s again on the same data dir. */
  start(): Promise<void>;
  logs(): string;
  close(): Promise<void>;
}

async function sh(cmd: string, args: string[]): Promise<void> {
  await run(cmd, args);
}

/** Starts a cluster as described in the module doc; resolves once its node is Ready. */
export async function startE2eCluster(options: E2eOptions = {}): Promise<E2eCluster> {
  const images = await testImages();
  const dir = await mkdtemp(join(tmpdir(), "k3s-e2e-"));
  const dataDir = join(dir, "data");
  const kubeconfig = join(dir, "kubeconfig.yaml");
  const nodeName = options.nodeName ??
    `e2e-${dir.slice(-6).toLowerCase().replace(/[^a-z0-9]/g, "x")}`;
  const port = await freePort();
  await mkdir(join(dataDir, "agent", "images"), { recursive: true });
  for (const image of [images.busybox, images.pause]) {
    await copyFile(image.path, join(dataDir, "agent", "images", image.path.split("/").pop()!));
  }
  for (const d of ["etc-upper", "etc-work", "var-upper", "var-work", "home"]) {
    await mkdir(join(dir, d), { recursive: true });
  }
  const setup = [
    "set -e",
    "mount -t tmpfs -o mode=0755 tmpfs /run",
    `mount -t overlay overlay -o lowerdir=/etc,upperdir=${dir}/etc-upper,workdir=${dir}/etc-work /etc`,
    `mount -t overlay overlay -o lowerdir=/var,upperdir=${dir}/var-upper,workdir=${dir}/var-work /var`,
    "ip link set lo up",
    "ip link add eth0 type veth peer name eth0-peer",
    "ip link set eth0-peer up",
    `ip addr add ${NODE_IP}/24 dev eth0`,
    "ip link set eth0 up",
    "ip route add default dev eth0",
    "echo ready",
    "exec sleep infinity",
  ].join("\n");
  const holderProcess = spawn("unshare", [
    "--mount",
    "--net",
    "--propagation",
    "private",
    "sh",
    "-c",
    setup,
  ], {
    stdio: ["ignore", "pipe", "pipe"],
    detached: false,
  });
  const holder = holderProcess.pid!;
  let holderErr = "";
  holderProcess.stderr!.on("data", (c) => holderErr += c);
  await new Promise<void>((resolve, reject) => {
    holderProcess.stdout!.on("data", (c) => {
      if (String(c).includes("ready")) resolve();
    });
    holderProcess.once(
      "exit",
      (code) => reject(new Error(`The sandbox did not start (${code}): ${holderErr}`)),
    );
  });
  holderProcess.stdout!.removeAllListeners("data");
  holderProcess.removeAllListeners("exit");

  const nsArgs = (
    mount: boolean,
  ) => ["--target", String(holder), ...(mount ? ["--mount"] : []), "--net", "--"];
  let child: Deno.ChildProcess | undefined;
  let output = "";
  const kubectlBinaries = oldestAndNewestKubectl();
  const newest = kubectlBinaries.at(-1)!.path;
  const env = { HOME: join(dir, "home"), TMPDIR: dir, KUBECONFIG: kubeconfig, NO_COLOR: "1" };

  const start = async () => {
    const from = output.length;
    child = new Deno.Command("nsenter", {
      args: [
        ...nsArgs(true),
        Deno.execPath(),
        "run",
        "-A",
        join(REPO, "main.ts"),
        "server",
        "--data-dir",
        dataDir,
        "--https-listen-port",
        String(port),
        "--write-kubeconfig",
        kubeconfig,
        "--node-name",
        nodeName,
        ...(options.args ?? []),
      ],
      env: {
        NO_COLOR: "1",
        PATH: Deno.env.get("PATH") ?? "/usr/sbin:/usr/bin:/sbin:/bin",
        HOME: Deno.env.get("HOME") ?? "/root",
        ...(Deno.env.get("DENO_DIR") ? { DENO_DIR: Deno.env.get("DENO_DIR")! } : {}),
      },
      clearEnv: true,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const collect = async (s: ReadableStream<Uint8Array>) => {
      const dec = new TextDecoder();
      for await (const chunk of s) output += dec.decode(chunk, { stream: true });
    };
    void collect(child.stdout);
    void collect(child.stderr);
    let exited = false;
    void child.status.then(() => exited = true);
    const deadline = Date.now() + 120_000;
    for (;;) {
      if (exited) throw new Error(`k3s server exited during start:\n${output.slice(from)}`);
      if (Date.now() > deadline) {
        throw new Error(`the node was not Ready in 120 s:\n${output.slice(from)}`);
      }
      // This run's kubelet, not a Ready condition left from a run before.
      if (
        output.includes("Server ready", from) &&
        /\[kubelet\] kubelet \S+ running on node/.test(output.slice(from))
      ) {
        const r = await cluster.kubectl([
          "get",
          "node",
          nodeName,
          "-o",
          'jsonpath={.status.conditions[?(@.type=="Ready")].status}',
        ]);
        if (r.code === 0 && r.stdout.trim() === "True") return;
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  };

  const stopServer = async (signal: "SIGTERM" | "SIGKILL") => {
    const c = child;
    child = undefined;
    if (!c) return;
    // nsenter execs into deno: the PID is the server's.
    try {
      c.kill(signal);
    } catch { /* gone */ }
    const timer = setTimeout(() => {
      try {
        c.kill("SIGKILL");
      } catch { /* gone */ }
    }, 20_000);
    await c.status;
    clearTimeout(timer);
  };

  const inSandbox = async (pid: string): Promise<boolean> => {
    try {
      return await readlink(`/proc/${pid}/ns/mnt`) === await readlink(`/proc/${holder}/ns/mnt`);
    } catch {
      return false;
    }
  };

  const killContainerd = async () => {
    for (const pid of await readdir("/proc")) {
      if (!/^\d+$/.test(pid) || Number(pid) === holder) continue;
      const cmdline = await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "");
      if (cmdline.split("\0")[0].endsWith("containerd") && await inSandbox(pid)) {
        try {
          process.kill(Number(pid), "SIGKILL");
        } catch { /* gone */ }
      }
    }
  };

  const cluster: E2eCluster = {
    dir,
    dataDir,
    kubeconfig,
    nodeName,
    nodeIp: NODE_IP,
    holder,
    kubectlBinaries,
    async exec(cmd, args, opts = {}) {
      const p = new Deno.Command("nsenter", {
        args: [...nsArgs(false), cmd, ...args],
        env: { ...env, ...opts.env },
        stdin: opts.stdin === undefined ? "null" : "piped",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      const timer = opts.timeoutMs
        ? setTimeout(() => {
          try {
            p.kill("SIGKILL");
          } catch { /* gone */ }
        }, opts.timeoutMs)
        : undefined;
      if (opts.stdin !== undefined) {
        const w = p.stdin.getWriter();
        await w.write(new TextEncoder().encode(opts.stdin));
        await w.close();
      }
      const out = await p.output();
      clearTimeout(timer);
      const dec = new TextDecoder();
      return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
    },
    spawn(cmd, args, extra) {
      return new Deno.Command("nsenter", {
        args: [...nsArgs(false), cmd, ...args],
        env: { ...env, ...extra },
        stdin: "piped",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
    },
    kubectl(args, opts = {}) {
      return cluster.exec(opts.binary ?? newest, args, {
        stdin: opts.stdin,
        timeoutMs: opts.timeoutMs ?? 120_000,
      });
    },
    async kubectlOk(args, opts) {
      const r = await cluster.kubectl(args, opts);
      if (r.code !== 0) {
        throw new Error(`kubectl ${args.join(" ")} failed (${r.code}):\n${r.stderr}${r.stdout}`);
      }
      return r.stdout;
    },
    cri() {
      return new GrpcCriClient({
        endpoint: `unix:///proc/${holder}/root/run/k3s/containerd/containerd.sock`,
        timeoutMs: 30_000,
      });
    },
    async mounts() {
      const table = await readFile(`/proc/${holder}/mountinfo`, "utf8");
      return table.split("\n").map((l) => l.split(" ")[4]).filter(Boolean);
    },
    async netns() {
      return await readdir(`/proc/${holder}/root/run/netns`).catch(() => [] as string[]);
    },
    async kill() {
      await stopServer("SIGKILL");
      await killContainerd();
    },
    start,
    logs: () => output,
    async close() {
      try {
        const cri = cluster.cri();
        try {
          for (const s of await cri.listPodSandbox(undefined, { timeoutMs: 10_000 })) {
            await cri.stopPodSandbox(s.id, { timeoutMs: 30_000 }).catch(() => {});
            await cri.removePodSandbox(s.id, { timeoutMs: 30_000 }).catch(() => {});
          }
        } finally {
          cri.close();
        }
      } catch {
        // containerd is gone: runc and PIDs below.
      }
      await stopServer("SIGTERM");
      const runcList = await run("nsenter", [
        ...nsArgs(true),
        "runc",
        "--root",
        RUNC_ROOT,
        "list",
        "-q",
      ]).catch(() => ({ stdout: "" }));
      for (const id of runcList.stdout.split("\n").filter(Boolean)) {
        await sh("nsenter", [...nsArgs(true), "runc", "--root", RUNC_ROOT, "kill", id, "KILL"])
          .catch(() => {});
        await sh("nsenter", [...nsArgs(true), "runc", "--root", RUNC_ROOT, "delete", "--force", id])
          .catch(() => {});
      }
      for (const pid of await readdir("/proc")) {
        if (/^\d+$/.test(pid) && Number(pid) !== holder && await inSandbox(pid)) {
          try {
            process.kill(Number(pid), "SIGKILL");
          } catch { /* gone */ }
        }
      }
      holderProcess.kill("SIGKILL");
      await new Promise((r) =>
        holderProcess.exitCode !== null ? r(null) : holderProcess.once("exit", r)
      );
      await rm(dir, { recursive: true, force: true }).catch(async () => {
        await new Promise((r) => setTimeout(r, 1000));
        await rm(dir, { recursive: true, force: true });
      });
    },
  };
  try {
    await start();
  } catch (error) {
    await cluster.close();
    throw error;
  }
  return cluster;
}

/** Retries `check` until it returns a value (not undefined) or `timeoutMs` passes. */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs = 60_000,
  everyMs = 500,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`Timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ""}`);
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/**
 * End-to-end test clusters: a real `k3s server` with its embedded agent (containerd, runc, CNI)
 * in a {@link Sandbox} of its own, so that tests run side by side with K3s's default paths and
 * ports and leave nothing behind; and more nodes, each a `k3s agent` in a sandbox of its own
 * wired to the server's by a veth pair.
 *
 * The server's sandbox has `eth0` at 172.31.255.2/24 (the node's address and default route);
 * agent `n` gets `eth0` at 172.31.254.(4n+2)/30 facing the server's end at 172.31.254.(4n+1),
 * with its default route there. kubectl runs in the server's network namespace only.
 *
 * With `agent: false` the server runs `--disable-agent` (no node, no containerd in its sandbox)
 * and every node is a `k3s agent` added with `addAgent()`.
 *
 * @module
 */
import { execFile } from "node:child_process";
import { copyFile, mkdir, mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import type { GrpcCriClient } from "../../cri/grpc_client.ts";
import { testImages } from "../../tests/images/mod.ts";
import { freePort, oldestAndNewestKubectl } from "../../tests/harness.ts";
import { type CommandResult, type K3sProcess, Sandbox } from "./sandbox.ts";

export type { CommandResult } from "./sandbox.ts";

const run = promisify(execFile);
const NODE_IP = "172.31.255.2";

export interface E2eOptions {
  /** Extra `k3s server` arguments. */
  args?: string[];
  /** The node name (default `e2e-<random>`). */
  nodeName?: string;
  /** false: `k3s server --disable-agent`, nodes only through `addAgent()` (default true). */
  agent?: boolean;
}

/** A `k3s agent` node of a cluster. */
export interface E2eAgent {
  nodeName: string;
  nodeIp: string;
  sandbox: Sandbox;
  /** PID of the `k3s agent` process (not its containerd). */
  pid: number;
  logs(): string;
  close(): Promise<void>;
}

export interface E2eCluster {
  dir: string;
  dataDir: string;
  kubeconfig: string;
  nodeName: string;
  nodeIp: string;
  /** PID of the server sandbox's holder process. */
  holder: number;
  /** PID of the `k3s server` process. */
  pid(): number;
  exec(
    cmd: string,
    args: string[],
    opts?: { stdin?: string; env?: Record<string, string>; timeoutMs?: number },
  ): Promise<CommandResult>;
  /** Starts a command in the server sandbox's network namespace without waiting. */
  spawn(cmd: string, args: string[], env?: Record<string, string>): Deno.ChildProcess;
  kubectl(
    args: string[],
    opts?: { binary?: string; stdin?: string; timeoutMs?: number },
  ): Promise<CommandResult>;
  kubectlOk(
    args: string[],
    opts?: { binary?: string; stdin?: string; timeoutMs?: number },
  ): Promise<string>;
  /** The oldest and newest kubectl of the machine. */
  kubectlBinaries: { version: string; path: string }[];
  /** A CRI client on the server node's containerd. */
  cri(): GrpcCriClient;
  mounts(): Promise<string[]>;
  netns(): Promise<string[]>;
  /** Kills the k3s process and its containerd with SIGKILL (pods keep running). */
  kill(): Promise<void>;
  /** Starts k3s again on the same data dir. */
  start(): Promise<void>;
  /**
   * Joins another node: `k3s agent` in a sandbox of its own; resolves once it is Ready.
   * `denoFlags` go to the agent's `deno run`.
   */
  addAgent(nodeName: string, args?: string[], denoFlags?: string[]): Promise<E2eAgent>;
  logs(): string;
  close(): Promise<void>;
}

async function copyImages(dataDir: string): Promise<void> {
  const images = await testImages();
  await mkdir(join(dataDir, "agent", "images"), { recursive: true });
  for (const image of [images.busybox, images.pause]) {
    await copyFile(image.path, join(dataDir, "agent", "images", image.path.split("/").pop()!));
  }
}

/** Waits for a line of this run's output and the node's Ready condition. */
async function waitReady(
  k3s: K3sProcess,
  from: number,
  ready: () => Promise<boolean>,
  what: string,
  needServer: boolean,
  needKubelet = true,
): Promise<void> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const out = k3s.output().slice(from);
    if (k3s.exited()) throw new Error(`${what} exited during start:\n${out}`);
    if (Date.now() > deadline) throw new Error(`${what} was not Ready in 120 s:\n${out}`);
    // This run's kubelet, not a Ready condition left from a run before.
    const kubeletUp = !needKubelet || /\[kubelet\] kubelet \S+ running on node/.test(out);
    if ((!needServer || out.includes("Server ready")) && kubeletUp && await ready()) return;
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** Starts a cluster as described in the module doc; resolves once its node is Ready. */
export async function startE2eCluster(options: E2eOptions = {}): Promise<E2eCluster> {
  const dir = await mkdtemp(join(tmpdir(), "k3s-e2e-"));
  const dataDir = join(dir, "data");
  const kubeconfig = join(dir, "kubeconfig.yaml");
  const nodeName = options.nodeName ??
    `e2e-${dir.slice(-6).toLowerCase().replace(/[^a-z0-9]/g, "x")}`;
  const port = await freePort();
  await copyImages(dataDir);
  await mkdir(join(dir, "home"), { recursive: true });
  const sandbox = await Sandbox.create(dir, [
    "ip link add eth0 type veth peer name eth0-peer",
    "ip link set eth0-peer up",
    `ip addr add ${NODE_IP}/24 dev eth0`,
    "ip link set eth0 up",
    "ip route add default dev eth0",
  ]);
  const withAgent = options.agent ?? true;
  const kubectlBinaries = oldestAndNewestKubectl();
  const newest = kubectlBinaries.at(-1)!.path;
  const env = { HOME: join(dir, "home"), TMPDIR: dir, KUBECONFIG: kubeconfig, NO_COLOR: "1" };
  const agents: E2eAgent[] = [];
  let k3s: K3sProcess | undefined;
  let earlier = "";

  const nodeReady = async (name: string) => {
    const r = await cluster.kubectl([
      "get",
      "node",
      name,
      "-o",
      'jsonpath={.status.conditions[?(@.type=="Ready")].status}',
    ]);
    return r.code === 0 && r.stdout.trim() === "True";
  };

  const start = async () => {
    if (k3s) earlier += k3s.output();
    k3s = sandbox.k3s([
      "server",
      "--data-dir",
      dataDir,
      "--https-listen-port",
      String(port),
      "--write-kubeconfig",
      kubeconfig,
      "--node-name",
      nodeName,
      "--tls-san",
      NODE_IP,
      ...(withAgent ? [] : ["--disable-agent"]),
      ...(options.args ?? []),
    ]);
    const ready = withAgent
      ? () => nodeReady(nodeName)
      : async () => (await cluster.kubectl(["get", "--raw", "/readyz"])).code === 0;
    await waitReady(k3s, 0, ready, "k3s server", true, withAgent);
  };

  const cluster: E2eCluster = {
    dir,
    dataDir,
    kubeconfig,
    nodeName,
    nodeIp: NODE_IP,
    holder: sandbox.holder,
    pid: () => k3s!.pid,
    kubectlBinaries,
    exec: (cmd, args, opts = {}) =>
      sandbox.exec(cmd, args, { ...opts, env: { ...env, ...opts.env } }),
    spawn: (cmd, args, extra) => sandbox.spawn(cmd, args, { ...env, ...extra }),
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
    cri: () => sandbox.cri(),
    mounts: () => sandbox.mounts(),
    netns: () => sandbox.netns(),
    async kill() {
      await k3s?.stop("SIGKILL");
      await sandbox.killWhere((cmd) => cmd[0].endsWith("containerd"));
    },
    start,
    async addAgent(name, args = [], denoFlags = []) {
      const n = agents.length;
      const serverEnd = `172.31.254.${4 * n + 1}`;
      const agentIp = `172.31.254.${4 * n + 2}`;
      const agentDir = join(dir, `agent-${n}`);
      const agentData = join(agentDir, "data");
      await copyImages(agentData);
      const agentBox = await Sandbox.create(agentDir, []);
      const link = `k3e${Math.random().toString(36).slice(2, 9)}`;
      try {
        await run("ip", ["link", "add", link, "type", "veth", "peer", "name", `${link}p`]);
        await run("ip", ["link", "set", link, "netns", String(sandbox.holder)]);
        await run("ip", ["link", "set", `${link}p`, "netns", String(agentBox.holder)]);
        const inServer = (a: string[]) => run("nsenter", [...sandbox.nsArgs(false), "ip", ...a]);
        const inAgent = (a: string[]) => run("nsenter", [...agentBox.nsArgs(false), "ip", ...a]);
        await inServer(["addr", "add", `${serverEnd}/30`, "dev", link]);
        await inServer(["link", "set", link, "up"]);
        await inAgent(["link", "set", `${link}p`, "name", "eth0"]);
        await inAgent(["addr", "add", `${agentIp}/30`, "dev", "eth0"]);
        await inAgent(["link", "set", "eth0", "up"]);
        await inAgent(["route", "add", "default", "via", serverEnd]);
      } catch (error) {
        await agentBox.close();
        throw error;
      }
      const token = (await readFile(join(dataDir, "server", "node-token"), "utf8")).trim();
      const agentK3s = agentBox.k3s([
        "agent",
        "--server",
        `https://${NODE_IP}:${port}`,
        "--token",
        token,
        "--data-dir",
        agentData,
        "--node-name",
        name,
        ...args,
      ], denoFlags);
      const agent: E2eAgent = {
        nodeName: name,
        nodeIp: agentIp,
        sandbox: agentBox,
        pid: agentK3s.pid,
        logs: () => agentK3s.output(),
        close: () => agentBox.close(agentK3s),
      };
      agents.push(agent);
      await waitReady(agentK3s, 0, () => nodeReady(name), "k3s agent", false);
      return agent;
    },
    logs: () => earlier + (k3s?.output() ?? ""),
    async close() {
      for (const a of agents.splice(0)) await a.close();
      await sandbox.close(k3s);
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

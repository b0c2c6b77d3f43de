/**
 * Integration test harness: starts a real `k3s server` (this checkout's main.ts, as a child
 * process) on a free loopback port with a temporary data dir, and runs the real kubectl binaries
 * against it. Everything started is stopped in `close()`, also when a test fails.
 *
 * @module
 */
import { existsSync, readdirSync, realpathSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

export const REPO = dirname(dirname(new URL(import.meta.url).pathname));
const TOOLS_DIR = "/opt/k3s-deno-tools";

/** A free TCP port on loopback. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Paths of the kubectl binaries on this machine, by minor version ("1.27", "1.35", ...). */
export function kubectlBinaries(): Record<string, string> {
  const out: Record<string, string> = {};
  const onPath = ["/usr/bin/kubectl", "/usr/local/bin/kubectl"].find((p) => existsSync(p));
  if (onPath) {
    const dir = dirname(realpathSync(onPath));
    for (const f of readdirSync(dir)) {
      const m = /^kubectl\.(1\.\d+)$/.exec(f);
      if (m) out[m[1]] = join(dir, f);
    }
  }
  if (existsSync(join(TOOLS_DIR, "kubectl-1.35"))) out["1.35"] = join(TOOLS_DIR, "kubectl-1.35");
  return out;
}

/** The oldest and newest kubectl the machine has: the pair every kubectl test runs with. */
export function oldestAndNewestKubectl(): { version: string; path: string }[] {
  const all = kubectlBinaries();
  const versions = Object.keys(all).sort((a, b) =>
    Number(a.split(".")[1]) - Number(b.split(".")[1])
  );
  if (versions.length === 0) throw new Error("Cannot find kubectl: run `sh scripts/deps.sh test`");
  const pick = [versions[0], versions[versions.length - 1]];
  return [...new Set(pick)].map((v) => ({ version: v, path: all[v] }));
}

export const HELM = join(TOOLS_DIR, "helm");

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion with optional stdin. */
export async function run(
  cmd: string,
  args: string[],
  opts: { env?: Record<string, string>; stdin?: string; cwd?: string } = {},
): Promise<CommandResult> {
  const child = new Deno.Command(cmd, {
    args,
    env: opts.env,
    cwd: opts.cwd,
    stdin: opts.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (opts.stdin !== undefined) {
    const w = child.stdin.getWriter();
    await w.write(new TextEncoder().encode(opts.stdin));
    await w.close();
  }
  const out = await child.output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

export interface K3sServer {
  port: number;
  dataDir: string;
  kubeconfig: string;
  /** Runs kubectl (the given binary) against this server. */
  kubectl(
    args: string[],
    opts?: { binary?: string; stdin?: string; env?: Record<string, string> },
  ): Promise<CommandResult>;
  /** Like kubectl(), but throws with stderr when the command fails. */
  kubectlOk(
    args: string[],
    opts?: { binary?: string; stdin?: string; env?: Record<string, string> },
  ): Promise<string>;
  /** Stops the server (SIGTERM, then SIGKILL) and keeps the data dir. */
  stop(): Promise<void>;
  /** Starts it again on the same data dir and port. */
  restart(): Promise<void>;
  /** Stops the server and removes the data dir. */
  close(): Promise<void>;
  /** Everything the server printed so far. */
  logs(): string;
}

export interface StartOptions {
  args?: string[];
  env?: Record<string, string>;
  dataDir?: string;
}

/** Starts `k3s server --disable-agent` and waits until /readyz answers ok. */
export async function startServer(opts: StartOptions = {}): Promise<K3sServer> {
  const dataDir = opts.dataDir ?? await mkdtemp(join(tmpdir(), "k3s-it-"));
  const port = await freePort();
  const kubeconfig = join(dataDir, "kubeconfig.yaml");
  let child: Deno.ChildProcess | null = null;
  let output = "";

  const launch = async () => {
    child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        join(REPO, "main.ts"),
        "server",
        "--disable-agent",
        "--data-dir",
        dataDir,
        "--https-listen-port",
        String(port),
        "--bind-address",
        "127.0.0.1",
        "--write-kubeconfig",
        kubeconfig,
        ...(opts.args ?? []),
      ],
      env: { ...opts.env, NO_COLOR: "1" },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const collect = async (s: ReadableStream<Uint8Array>) => {
      const dec = new TextDecoder();
      for await (const chunk of s) output += dec.decode(chunk, { stream: true });
    };
    collect(child.stdout);
    collect(child.stderr);
    const deadline = Date.now() + 30_000;
    const status = child.status;
    let exited = false;
    status.then(() => (exited = true));
    for (;;) {
      if (exited) throw new Error(`k3s server exited during start:\n${output}`);
      if (Date.now() > deadline) throw new Error(`k3s server not ready in 30 s:\n${output}`);
      if (output.includes("Server ready")) return;
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const stop = async () => {
    const c = child as Deno.ChildProcess | null;
    if (!c) return;
    child = null;
    try {
      c.kill("SIGTERM");
    } catch { /* already exited */ }
    const timer = setTimeout(() => {
      try {
        c.kill("SIGKILL");
      } catch { /* already exited */ }
    }, 5_000);
    await c.status;
    clearTimeout(timer);
  };
  try {
    await launch();
  } catch (err) {
    await stop();
    if (!opts.dataDir) await rm(dataDir, { recursive: true, force: true });
    throw err;
  }
  const newest = oldestAndNewestKubectl().at(-1)!.path;
  const kubectl: K3sServer["kubectl"] = (args, o = {}) =>
    run(o.binary ?? newest, args, {
      env: { KUBECONFIG: kubeconfig, HOME: dataDir, ...o.env },
      stdin: o.stdin,
    });
  return {
    port,
    dataDir,
    kubeconfig,
    kubectl,
    async kubectlOk(args, o) {
      const r = await kubectl(args, o);
      if (r.code !== 0) {
        throw new Error(`kubectl ${args.join(" ")} failed (${r.code}):\n${r.stderr}${r.stdout}`);
      }
      return r.stdout;
    },
    stop,
    async restart() {
      await stop();
      await launch();
    },
    async close() {
      await stop();
      if (!opts.dataDir) await rm(dataDir, { recursive: true, force: true });
    },
    logs: () => output,
  };
}

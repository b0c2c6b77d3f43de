/**
 * A test node's sandbox: a holder process in new mount and network namespaces where a `k3s`
 * process runs with K3s's default paths and ports, side by side with other tests. `/run` is a
 * private tmpfs (containerd's state and socket, runc's state, pod network namespaces), `/etc`
 * and `/var` are overlays whose writes land in the sandbox's directory
 * (`/etc/rancher/node/password`, `/var/lib/kubelet`, `/var/log/pods`), and the network has
 * loopback plus an `eth0` set up by the caller.
 *
 * `close()` removes every trace: pods through CRI, the k3s process, leftover runc containers,
 * every process of the sandbox (by PID), the holder (its namespaces and mounts go with it), and
 * the directory.
 *
 * @module
 */
import { execFile, spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { mkdir, readdir, readFile, readlink, rm } from "node:fs/promises";
import { join } from "node:path";
import process from "node:process";
import { promisify } from "node:util";
import { GrpcCriClient } from "../../cri/grpc_client.ts";
import { K3S_DENO_FLAGS, K3S_ENTRY } from "../../tests/harness.ts";

const run = promisify(execFile);
const RUNC_ROOT = "/run/containerd/runc/k8s.io";

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A `k3s` process in the sandbox, with its output kept. */
export interface K3sProcess {
  /** The k3s process's PID (nsenter execs into deno). */
  pid: number;
  output(): string;
  exited(): boolean;
  stop(signal: "SIGTERM" | "SIGKILL"): Promise<void>;
}

export class Sandbox {
  readonly dir: string;
  readonly holder: number;
  readonly #holder: ChildProcess;

  private constructor(dir: string, holder: ChildProcess) {
    this.dir = dir;
    this.#holder = holder;
    this.holder = holder.pid!;
  }

  /** Starts the holder; `network` are shell lines run inside after loopback is up. */
  static async create(dir: string, network: string[]): Promise<Sandbox> {
    for (const d of ["etc-upper", "etc-work", "var-upper", "var-work"]) {
      await mkdir(join(dir, d), { recursive: true });
    }
    const setup = [
      "set -e",
      "mount -t tmpfs -o mode=0755 tmpfs /run",
      `mount -t overlay overlay -o lowerdir=/etc,upperdir=${dir}/etc-upper,workdir=${dir}/etc-work /etc`,
      `mount -t overlay overlay -o lowerdir=/var,upperdir=${dir}/var-upper,workdir=${dir}/var-work /var`,
      "ip link set lo up",
      ...network,
      "echo ready",
      "exec sleep infinity",
    ].join("\n");
    const holder = spawn("unshare", [
      "--mount",
      "--net",
      "--propagation",
      "private",
      "sh",
      "-c",
      setup,
    ], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let err = "";
    holder.stderr!.on("data", (c) => err += c);
    try {
      await new Promise<void>((resolve, reject) => {
        holder.stdout!.on("data", (c) => {
          if (String(c).includes("ready")) resolve();
        });
        holder.once(
          "exit",
          (code) => reject(new Error(`The sandbox did not start (${code}): ${err}`)),
        );
      });
    } catch (error) {
      await rm(dir, { recursive: true, force: true });
      throw error;
    }
    holder.stdout!.removeAllListeners("data");
    holder.removeAllListeners("exit");
    return new Sandbox(dir, holder);
  }

  /** `nsenter` arguments entering the network (and with `mount`, the mount) namespace. */
  nsArgs(mount: boolean): string[] {
    return ["--target", String(this.holder), ...(mount ? ["--mount"] : []), "--net", "--"];
  }

  /** Runs a command in the sandbox's network namespace (the host's files). */
  async exec(
    cmd: string,
    args: string[],
    opts: { stdin?: string; env?: Record<string, string>; timeoutMs?: number; mount?: boolean } =
      {},
  ): Promise<CommandResult> {
    const p = new Deno.Command("nsenter", {
      args: [...this.nsArgs(opts.mount ?? false), cmd, ...args],
      env: opts.env,
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
  }

  /** Starts a command in the sandbox's network namespace without waiting. */
  spawn(cmd: string, args: string[], env?: Record<string, string>): Deno.ChildProcess {
    return new Deno.Command("nsenter", {
      args: [...this.nsArgs(false), cmd, ...args],
      env,
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
  }

  /**
   * Starts `k3s <args>` (this checkout's main.ts, or `K3S_ENTRY`) inside the sandbox; `denoFlags` go to
   * `deno run` (`--v8-flags=…`, `--cpu-prof` for a benchmark).
   */
  k3s(args: string[], denoFlags: string[] = []): K3sProcess {
    const child = new Deno.Command("nsenter", {
      args: [
        ...this.nsArgs(true),
        Deno.execPath(),
        "run",
        "-A",
        ...K3S_DENO_FLAGS,
        ...denoFlags,
        K3S_ENTRY,
        ...args,
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
    let output = "";
    let exited = false;
    const collect = async (s: ReadableStream<Uint8Array>) => {
      const dec = new TextDecoder();
      for await (const chunk of s) output += dec.decode(chunk, { stream: true });
    };
    void collect(child.stdout);
    void collect(child.stderr);
    void child.status.then(() => exited = true);
    return {
      pid: child.pid,
      output: () => output,
      exited: () => exited,
      async stop(signal) {
        if (exited) return;
        // nsenter execs into deno: the PID is k3s's.
        try {
          child.kill(signal);
        } catch { /* gone */ }
        const timer = setTimeout(() => {
          try {
            child.kill("SIGKILL");
          } catch { /* gone */ }
        }, 20_000);
        await child.status;
        clearTimeout(timer);
      },
    };
  }

  /** A CRI client on the sandbox's containerd (through /proc/<holder>/root). */
  cri(): GrpcCriClient {
    return new GrpcCriClient({
      endpoint: `unix:///proc/${this.holder}/root/run/k3s/containerd/containerd.sock`,
      timeoutMs: 30_000,
    });
  }

  /** Mount points inside the sandbox. */
  async mounts(): Promise<string[]> {
    const table = await readFile(`/proc/${this.holder}/mountinfo`, "utf8");
    return table.split("\n").map((l) => l.split(" ")[4]).filter(Boolean);
  }

  /** Pod network namespaces in the sandbox (`/run/netns`). */
  async netns(): Promise<string[]> {
    return await readdir(`/proc/${this.holder}/root/run/netns`).catch(() => [] as string[]);
  }

  async #inside(pid: string): Promise<boolean> {
    try {
      return await readlink(`/proc/${pid}/ns/mnt`) ===
        await readlink(`/proc/${this.holder}/ns/mnt`);
    } catch {
      return false;
    }
  }

  /** SIGKILLs the sandbox's processes whose command line `match`es (not the holder). */
  async killWhere(match: (cmd: string[]) => boolean): Promise<void> {
    for (const pid of await readdir("/proc")) {
      if (!/^\d+$/.test(pid) || Number(pid) === this.holder) continue;
      const cmd = (await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "")).split("\0");
      if (match(cmd) && await this.#inside(pid)) {
        try {
          process.kill(Number(pid), "SIGKILL");
        } catch { /* gone */ }
      }
    }
  }

  /** Removes everything, as described in the module doc; `k3s` is stopped first. */
  async close(k3s?: K3sProcess): Promise<void> {
    try {
      const cri = this.cri();
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
    await k3s?.stop("SIGTERM");
    const ns = this.nsArgs(true);
    const list = await run("nsenter", [...ns, "runc", "--root", RUNC_ROOT, "list", "-q"])
      .catch(() => ({ stdout: "" }));
    for (const id of list.stdout.split("\n").filter(Boolean)) {
      await run("nsenter", [...ns, "runc", "--root", RUNC_ROOT, "kill", id, "KILL"]).catch(
        () => {},
      );
      await run("nsenter", [...ns, "runc", "--root", RUNC_ROOT, "delete", "--force", id]).catch(
        () => {},
      );
    }
    await this.killWhere(() => true);
    this.#holder.kill("SIGKILL");
    if (this.#holder.exitCode === null) await new Promise((r) => this.#holder.once("exit", r));
    await rm(this.dir, { recursive: true, force: true }).catch(async () => {
      await new Promise((r) => setTimeout(r, 1000));
      await rm(this.dir, { recursive: true, force: true });
    });
  }
}

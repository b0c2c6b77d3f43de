/**
 * containerd as a child process of the agent: started as `containerd -c <config> -a <socket>
 * --state <state> --root <root>` (as K3s does), ready once CRI `Version` answers on its socket,
 * restarted with backoff (1 s doubling to 30 s, back to 1 s after a minute of running) when it
 * dies, and stopped with SIGTERM, then SIGKILL after a grace period.
 *
 * Running containers outlive containerd (their shims keep them), so a restart does not disturb
 * pods. Its output goes to a log file (K3s: `<data-dir>/agent/containerd/containerd.log`) or to
 * the agent's own output.
 *
 * @module
 */
import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, openSync, readFileSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import process from "node:process";
import { setTimeout as sleep } from "node:timers/promises";
import type { Logger } from "../../kube/client/log.ts";
import { GrpcCriClient } from "../../cri/grpc_client.ts";

export interface ContainerdSupervisorOptions {
  /** The rendered `config.toml`. */
  configPath: string;
  /** The socket path containerd serves on. */
  address: string;
  root: string;
  state: string;
  /** Append containerd's output here; inherit the agent's stdout/stderr when absent. */
  logFile?: string;
  /** containerd's log level (`-l`), e.g. from `CONTAINERD_LOG_LEVEL`. */
  logLevel?: string;
  /** The containerd binary; default `containerd` from PATH. */
  binary?: string;
  /** Run containerd in this network namespace (a `/run/netns/<name>` path), through nsenter. */
  netns?: string;
  /** How long start() waits for CRI to answer, in ms; default 60 s. */
  startTimeoutMs?: number;
  /** Grace period between SIGTERM and SIGKILL in stop(), in ms; default 10 s. */
  stopTimeoutMs?: number;
  /** First and longest wait before a restart, in ms; default 1 s and 30 s. */
  restartDelayMs?: { initial: number; max: number };
  log: Logger;
  /** Resolves once containerd serves CRI; default: a CRI `Version` call on `address`. */
  probe?: () => Promise<void>;
}

/** A run of at least this long resets the restart delay. */
const STABLE_MS = 60_000;

export class ContainerdSupervisor {
  #options: ContainerdSupervisorOptions;
  #child: ChildProcess | undefined;
  #exited: Promise<void> = Promise.resolve();
  #lastExit = "";
  #startedAt = 0;
  #delay: number;
  #restartTimer: ReturnType<typeof setTimeout> | undefined;
  #stopping = false;
  #restarts = 0;
  #client: GrpcCriClient | undefined;

  constructor(options: ContainerdSupervisorOptions) {
    this.#options = options;
    this.#delay = options.restartDelayMs?.initial ?? 1_000;
  }

  /** The PID of the running containerd, if one runs. */
  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** How many times containerd was started again after dying. */
  get restarts(): number {
    return this.#restarts;
  }

  /**
   * Starts containerd and resolves once it answers CRI. After the start timeout it stops
   * containerd (and the restarts) and rejects with the last exit and the end of the log.
   */
  async start(): Promise<void> {
    if (this.#child || this.#restartTimer) throw new Error("containerd is already supervised");
    this.#stopping = false;
    await mkdir(this.#options.state, { recursive: true });
    await mkdir(this.#options.root, { recursive: true });
    if (this.#options.logFile) {
      await mkdir(dirname(this.#options.logFile), { recursive: true });
      this.#options.log.info(`Logging containerd to ${this.#options.logFile}`);
    }
    this.#spawn();
    try {
      await this.waitReady();
    } catch (error) {
      await this.stop();
      throw error;
    }
    this.#options.log.info("containerd is now running");
  }

  /** Resolves once containerd answers CRI (again); rejects after `timeoutMs`. */
  async waitReady(timeoutMs = this.#options.startTimeoutMs ?? 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let lastError = "";
    while (!this.#stopping) {
      try {
        await this.#probe();
        return;
      } catch (error) {
        lastError = (error as Error).message;
      }
      if (Date.now() >= deadline) break;
      await sleep(200);
    }
    const exit = this.#lastExit ? `; containerd ${this.#lastExit}` : "";
    const tail = this.#logTail();
    throw new Error(
      `Cannot start containerd: no CRI answer at unix://${this.#options.address} within ` +
        `${Math.round(timeoutMs / 1000)} s (${lastError}${exit})${tail}`,
    );
  }

  /** Stops containerd (SIGTERM, then SIGKILL) and ends the supervision. */
  async stop(): Promise<void> {
    this.#stopping = true;
    clearTimeout(this.#restartTimer);
    this.#restartTimer = undefined;
    const child = this.#child;
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      const grace = this.#options.stopTimeoutMs ?? 10_000;
      const timer = setTimeout(() => {
        this.#options.log.warn(`containerd did not stop within ${grace} ms; killing it`);
        child.kill("SIGKILL");
      }, grace);
      await this.#exited;
      clearTimeout(timer);
    }
    this.#client?.close();
    this.#client = undefined;
  }

  #spawn(): void {
    const o = this.#options;
    const args = ["-c", o.configPath, "-a", o.address, "--state", o.state, "--root", o.root];
    if (o.logLevel) args.push("-l", o.logLevel);
    const binary = o.binary ?? "containerd";
    const [command, argv] = o.netns
      ? ["nsenter", [`--net=${o.netns}`, "--", binary, ...args]]
      : [binary, args];
    o.log.info(`Running ${binary} ${args.join(" ")}`);
    const output = o.logFile ? openSync(o.logFile, "a") : "inherit";
    // NOTIFY_SOCKET would let containerd tell systemd that k3s is ready before it is.
    const env = { ...process.env };
    delete env.NOTIFY_SOCKET;
    const child = spawn(command, argv, { stdio: ["ignore", output, output], env });
    if (typeof output === "number") closeSync(output);
    this.#child = child;
    this.#startedAt = Date.now();
    this.#exited = new Promise<void>((resolve) => {
      let done = false;
      const finish = (description: string) => {
        if (done) return;
        done = true;
        this.#onExit(child, description);
        resolve();
      };
      child.once(
        "exit",
        (code, signal) => finish(signal ? `was killed by ${signal}` : `exited with code ${code}`),
      );
      child.once("error", (error) => finish(`could not run: ${error.message}`));
    });
  }

  #onExit(child: ChildProcess, description: string): void {
    if (child !== this.#child) return;
    this.#child = undefined;
    this.#lastExit = description;
    if (this.#stopping) return;
    const max = this.#options.restartDelayMs?.max ?? 30_000;
    if (Date.now() - this.#startedAt >= STABLE_MS) {
      this.#delay = this.#options.restartDelayMs?.initial ?? 1_000;
    }
    const delay = this.#delay;
    this.#delay = Math.min(delay * 2, max);
    this.#options.log.error(`containerd ${description}; restarting it in ${delay} ms`);
    this.#restartTimer = setTimeout(() => {
      this.#restartTimer = undefined;
      if (this.#stopping) return;
      this.#restarts++;
      this.#spawn();
    }, delay);
  }

  async #probe(): Promise<void> {
    if (this.#options.probe) return await this.#options.probe();
    this.#client ??= new GrpcCriClient({ endpoint: this.#options.address, timeoutMs: 2_000 });
    await this.#client.version();
  }

  /** The last lines of containerd's log file, for a start failure's message. */
  #logTail(): string {
    if (!this.#options.logFile) return "";
    try {
      const lines = readFileSync(this.#options.logFile, "utf8").trimEnd().split("\n");
      return `\nlast lines of ${this.#options.logFile}:\n${lines.slice(-5).join("\n")}`;
    } catch {
      return "";
    }
  }
}

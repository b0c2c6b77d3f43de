/**
 * Integration test harness: starts a real `k3s server` (this checkout's main.ts, as a child
 * process) on a free loopback port with a temporary data dir, and runs the real kubectl binaries
 * against it. Everything started is stopped in `close()`, also when a test fails.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { existsSync, readdirSync, realpathSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { Agent, request as httpsRequest } from "node:https";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
export { freePort } from "../datastore/etcd/etcd_server.ts";
import { freePort } from "../datastore/etcd/etcd_server.ts";
import { buildKubeconfig, type KubeconfigContext, parseKubeconfig } from "../kube/kubeconfig.ts";
import { signCertificate } from "../server/pki/mod.ts";

export const REPO = dirname(dirname(new URL(import.meta.url).pathname));

/**
 * The program a test or benchmark runs as `k3s`: this checkout's main.ts, or the file `K3S_ENTRY`
 * names (the build, `dist/k3s/main.js`, when `deno task bench` measures what users run).
 */
export const K3S_ENTRY = Deno.env.get("K3S_ENTRY") || join(REPO, "main.ts");

/**
 * The `deno run` flags `./k3s` runs k3s with (its `DENO_RUN_FLAGS` line), so tests and benchmarks
 * run it as users do.
 */
export const K3S_DENO_FLAGS: string[] = launcherFlags(
  Deno.readTextFileSync(join(REPO, "k3s")),
);

/** The flags in the launcher's `DENO_RUN_FLAGS="…"` line. */
export function launcherFlags(script: string): string[] {
  const line = /^DENO_RUN_FLAGS="([^"]*)"$/m.exec(script);
  if (!line) throw new Error(`Cannot find the DENO_RUN_FLAGS line in ${join(REPO, "k3s")}`);
  return line[1].split(/\s+/).filter((f) => f !== "");
}

/**
 * `server` and the flags of a test or benchmark server: no agent, `dataDir`, loopback only on
 * `port`, the admin kubeconfig written to `kubeconfig`.
 */
export function loopbackServerArgs(dataDir: string, port: number, kubeconfig: string): string[] {
  return [
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
  ];
}

/** One sentence for a benchmark's report: which program ran as k3s. */
export function entryNote(): string {
  return K3S_ENTRY === join(REPO, "main.ts")
    ? "k3s ran from the TypeScript sources (`deno run main.ts`, `--source`)."
    : `k3s ran from the build, as \`./k3s\` runs it (\`deno run ${
      K3S_ENTRY.startsWith(REPO + "/") ? K3S_ENTRY.slice(REPO.length + 1) : K3S_ENTRY
    }\`).`;
}
const TOOLS_DIR = "/opt/k3s-deno-tools";

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

/** Options of {@linkcode K3sServer.request}. */
export interface RequestOptions {
  body?: string | Uint8Array;
  /** Content-Type of the body; `application/json` when a body is given without one. */
  contentType?: string;
  headers?: Record<string, string>;
  /** Send no client certificate (the CA is still checked). */
  anonymous?: boolean;
}

/** An HTTP response with its body read as text. */
export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** Options of the kubectl helpers of {@linkcode K3sServer}. */
export interface KubectlOptions {
  binary?: string;
  stdin?: string;
  env?: Record<string, string>;
}

export interface K3sServer {
  port: number;
  dataDir: string;
  kubeconfig: string;
  /** Runs kubectl (the given binary) against this server. */
  kubectl(args: string[], opts?: KubectlOptions): Promise<CommandResult>;
  /** Like kubectl(), but throws with stderr when the command fails. */
  kubectlOk(args: string[], opts?: KubectlOptions): Promise<string>;
  /** Starts kubectl without waiting (stdout and stderr piped): for `get -w`, `wait`. */
  spawnKubectl(args: string[], opts?: Omit<KubectlOptions, "stdin">): Deno.ChildProcess;
  /** One HTTPS request with the kubeconfig's admin client certificate (or none). */
  request(method: string, path: string, opts?: RequestOptions): Promise<HttpResponse>;
  /**
   * A request with a JSON body (`contentType` defaults to `application/json`; patches name
   * their own) that must succeed (2xx); returns the parsed response body.
   */
  requestOk<T = Record<string, unknown>>(
    method: string,
    path: string,
    body?: unknown,
    contentType?: string,
  ): Promise<T>;
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
  let port = await freePort();
  const kubeconfig = join(dataDir, "kubeconfig.yaml");
  let child: Deno.ChildProcess | null = null;
  let output = "";

  const launch = async () => {
    // On a restart, only this run's output counts.
    const from = output.length;
    child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        ...K3S_DENO_FLAGS,
        K3S_ENTRY,
        ...loopbackServerArgs(dataDir, port, kubeconfig),
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
      if (output.includes("Server ready", from)) return;
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
    // Another process may bind the chosen port first: choose again.
    for (let attempt = 1;; attempt++) {
      try {
        await launch();
        break;
      } catch (err) {
        if (attempt === 3 || !/EADDRINUSE/.test((err as Error).message)) throw err;
        await stop();
        port = await freePort();
      }
    }
  } catch (err) {
    await stop();
    if (!opts.dataDir) await rm(dataDir, { recursive: true, force: true });
    throw err;
  }
  const newest = oldestAndNewestKubectl().at(-1)!.path;
  // TMPDIR too: a failed `kubectl edit` leaves a copy of the edit there, removed with dataDir.
  const kubectlEnv = (env?: Record<string, string>) => ({
    KUBECONFIG: kubeconfig,
    HOME: dataDir,
    TMPDIR: dataDir,
    ...env,
  });
  const kubectl: K3sServer["kubectl"] = (args, o = {}) =>
    run(o.binary ?? newest, args, { env: kubectlEnv(o.env), stdin: o.stdin });
  // One keep-alive agent, so that many requests share a few TLS connections.
  let agent: Agent | null = null;
  let credentials: KubeconfigContext | null = null;
  const request: K3sServer["request"] = async (method, path, o = {}) => {
    credentials ??= parseKubeconfig(await readFile(kubeconfig, "utf8"));
    agent ??= new Agent({ keepAlive: true, maxSockets: 16 });
    const { caPem, certPem, keyPem } = credentials;
    const headers: Record<string, string> = { accept: "application/json", ...o.headers };
    if (o.body !== undefined) headers["content-type"] = o.contentType ?? "application/json";
    return new Promise<HttpResponse>((resolve, reject) => {
      const req = httpsRequest({
        host: "127.0.0.1",
        port,
        method,
        path,
        headers,
        ca: caPem,
        cert: o.anonymous ? undefined : certPem,
        key: o.anonymous ? undefined : keyPem,
        // The agent pools connections by credentials; anonymous ones get their own socket.
        agent: o.anonymous ? false : agent!,
      }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("error", reject);
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString("utf8"),
          }));
      });
      req.on("error", reject);
      req.end(o.body);
    });
  };
  const dropConnections = () => {
    agent?.destroy();
    agent = null;
  };
  return {
    port,
    dataDir,
    kubeconfig,
    kubectl,
    spawnKubectl(args, o = {}) {
      return new Deno.Command(o.binary ?? newest, {
        args,
        env: kubectlEnv(o.env),
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
    },
    request,
    async requestOk(method, path, body, contentType) {
      const res = await request(method, path, {
        body: body === undefined ? undefined : JSON.stringify(body),
        contentType,
      });
      if (res.status < 200 || res.status > 299) {
        throw new Error(`${method} ${path} answered ${res.status}:\n${res.body}`);
      }
      return JSON.parse(res.body);
    },
    async kubectlOk(args, o) {
      const r = await kubectl(args, o);
      if (r.code !== 0) {
        throw new Error(`kubectl ${args.join(" ")} failed (${r.code}):\n${r.stderr}${r.stdout}`);
      }
      return r.stdout;
    },
    async stop() {
      dropConnections();
      await stop();
    },
    async restart() {
      dropConnections();
      await stop();
      await launch();
    },
    async close() {
      dropConnections();
      await stop();
      if (!opts.dataDir) await rm(dataDir, { recursive: true, force: true });
    },
    logs: () => output,
  };
}

/** kubectl bound to one server, one binary and one namespace (`-n` goes first). */
export interface ScopedKubectl {
  version: string;
  binary: string;
  namespace: string;
  run(args: string[], opts?: Omit<KubectlOptions, "binary">): Promise<CommandResult>;
  ok(args: string[], opts?: Omit<KubectlOptions, "binary">): Promise<string>;
  spawn(args: string[], opts?: { env?: Record<string, string> }): Deno.ChildProcess;
}

/**
 * Runs `fn` once per kubectl of {@linkcode oldestAndNewestKubectl}, each as a test step named
 * `kubectl <version>` with a fresh namespace `<prefix>-<version>` created over HTTP, so that the
 * versions never see each other's objects.
 */
export async function kubectlSteps(
  t: Deno.TestContext,
  server: K3sServer,
  prefix: string,
  fn: (k: ScopedKubectl, t: Deno.TestContext) => Promise<void>,
): Promise<void> {
  for (const { version, path } of oldestAndNewestKubectl()) {
    await t.step(`kubectl ${version}`, async (t) => {
      const namespace = `${prefix}-${version.replace(".", "-")}`;
      await server.requestOk("POST", "/api/v1/namespaces", {
        apiVersion: "v1",
        kind: "Namespace",
        metadata: { name: namespace },
      });
      const ns = (args: string[]) => ["-n", namespace, ...args];
      await fn({
        version,
        binary: path,
        namespace,
        run: (args, o) => server.kubectl(ns(args), { ...o, binary: path }),
        ok: (args, o) => server.kubectlOk(ns(args), { ...o, binary: path }),
        spawn: (args, o) => server.spawnKubectl(ns(args), { ...o, binary: path }),
      }, t);
    });
  }
}

/**
 * Splits kubectl's table output (header line, then rows aligned under it) into one record per
 * row, keyed by column header. Columns are cut at the header's offsets, so empty cells and
 * headers with a space ("NOMINATED NODE") come out right.
 */
export function parseTable(text: string): { headers: string[]; rows: Record<string, string>[] } {
  const lines = text.split("\n").filter((l) => l.trim() !== "");
  if (lines.length === 0) return { headers: [], rows: [] };
  const columns = [...lines[0].matchAll(/\S+(?: \S+)*/g)].map((m) => ({
    name: m[0],
    start: m.index,
  }));
  const rows = lines.slice(1).map((line) => {
    const row: Record<string, string> = {};
    columns.forEach((c, i) => {
      row[c.name] = line.slice(c.start, columns[i + 1]?.start ?? line.length).trim();
    });
    return row;
  });
  return { headers: columns.map((c) => c.name), rows };
}

/** Client credentials of a user, as a server's admin would hand them out. */
export interface UserCredentials {
  caPem: string;
  certPem: string;
  keyPem: string;
}

/** A client certificate for `user` in `groups`, signed by the server's client CA. */
export async function userCredentials(
  server: K3sServer,
  user: string,
  groups: string[] = [],
): Promise<UserCredentials> {
  const tls = join(server.dataDir, "server", "tls");
  const cert = await signCertificate({
    ca: {
      certPem: await readFile(join(tls, "client-ca.crt"), "utf8"),
      keyPem: await readFile(join(tls, "client-ca.key"), "utf8"),
    },
    commonName: user,
    organizations: groups,
    usage: "client",
  });
  return {
    caPem: await readFile(join(tls, "server-ca.crt"), "utf8"),
    certPem: cert.certPem,
    keyPem: cert.keyPem,
  };
}

/** A kubeconfig for `user` in `groups` next to the server's data; returns its path. */
export async function userKubeconfig(
  server: K3sServer,
  user: string,
  groups: string[] = [],
): Promise<string> {
  const creds = await userCredentials(server, user, groups);
  const path = join(server.dataDir, `${user}.kubeconfig`);
  await writeFile(
    path,
    buildKubeconfig({ server: `https://127.0.0.1:${server.port}`, ...creds, user }),
    { mode: 0o600 },
  );
  return path;
}

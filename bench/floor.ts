/**
 * `deno task bench floor`: how much of k3s's memory is the runtime's. It measures the resident
 * memory of small programs, each idle 5 s after it is set up, bundled and started the way
 * `./k3s` runs k3s (bench/floor_probe.ts): `deno run` of nothing; the Node TLS and HTTP/2 layer
 * with client certificates plus SQLite, which the API server cannot do without; k3s's server and
 * agent modules loaded but not started; and the server itself, idle after a cold start. Each
 * row is the median of three runs. RSS is split into anonymous memory (heaps, stacks) and
 * file-backed pages (the deno executable and shared libraries).
 *
 * @module
 */
import http2 from "node:http2";
import { request as httpsRequest } from "node:https";
import { join } from "node:path";
import { bundleLazy } from "../scripts/lazy_chunks.ts";
import { startServerProcess } from "./api.ts";
import { createCa, signCertificate } from "../server/pki/mod.ts";
import { entryNote, freePort, K3S_DENO_FLAGS, K3S_ENTRY, REPO } from "../tests/harness.ts";

const SETTLE_MS = 5_000;
const RUNS = 3;
const TARGETS = { server: 80, agent: 60 };

interface Memory {
  rssMb: number;
  anonMb: number;
}

interface Started {
  pid: number;
  stop(): Promise<void>;
}

export async function run(_args: string[]): Promise<void> {
  const load = Deno.readTextFileSync("/proc/loadavg").split(" ").slice(0, 3).join(" ");
  const work = await Deno.makeTempDir({ prefix: "bench-floor-" });
  try {
    const probe = await bundleProbe(work);
    await writeCertificates(work);
    const rows: [string, Memory][] = [];
    const measure = async (label: string, start: () => Promise<Started>) => {
      console.error(`floor: ${label}`);
      rows.push([label, await median(start)]);
    };
    await measure("`deno run` of an empty program", () => startProbe(probe, []));
    const floor = "runtime floor: node:http2 server asking for client certificates (one HTTP/2 " +
      "and one HTTP/1.1 request answered) and SQLite";
    await measure(floor, () => startMtls(probe, work, []));
    await measure(
      "runtime floor + k3s server modules loaded, not started",
      () => startMtls(probe, work, ["server-code"]),
    );
    await measure(
      "runtime floor + k3s agent modules loaded, not started",
      () => startMtls(probe, work, ["agent-code"]),
    );
    await measure("`k3s server` idle after a cold start", () => startServer(work));
    const text = report(rows, load);
    console.log(text);
    await Deno.writeTextFile(join(REPO, "bench", "floor.md"), text + "\n");
  } finally {
    await Deno.remove(work, { recursive: true });
  }
}

async function median(start: () => Promise<Started>): Promise<Memory> {
  const samples: Memory[] = [];
  for (let i = 0; i < RUNS; i++) {
    const started = await start();
    try {
      await new Promise((r) => setTimeout(r, SETTLE_MS));
      samples.push(memoryOf(started.pid));
    } finally {
      await started.stop();
    }
  }
  samples.sort((a, b) => a.rssMb - b.rssMb);
  return samples[Math.floor(samples.length / 2)];
}

function memoryOf(pid: number): Memory {
  const rollup = Deno.readTextFileSync(`/proc/${pid}/smaps_rollup`);
  const kb = (field: string) => {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(rollup);
    if (!match) throw new Error(`Cannot read ${field} of process ${pid}`);
    return Number(match[1]);
  };
  return { rssMb: kb("Rss") / 1024, anonMb: kb("Anonymous") / 1024 };
}

/** Bundles floor_probe.ts as scripts/build.ts bundles main.ts. */
async function bundleProbe(work: string): Promise<string> {
  const out = join(work, "probe");
  await bundleLazy(REPO, ["bench/floor_probe.ts"], out);
  return join(out, "floor_probe.js");
}

async function writeCertificates(work: string): Promise<void> {
  const ca = await createCa({ commonName: "floor-ca" });
  const server = await signCertificate({
    ca,
    commonName: "floor-server",
    usage: "server",
    sans: ["localhost", "127.0.0.1"],
  });
  const client = await signCertificate({ ca, commonName: "floor-client", usage: "client" });
  for (
    const [name, pem] of Object.entries({
      ca: ca.certPem,
      server: server.certPem,
      client: client.certPem,
    })
  ) {
    await Deno.writeTextFile(join(work, `${name}.crt`), pem);
  }
  await Deno.writeTextFile(join(work, "server.key"), server.keyPem);
  await Deno.writeTextFile(join(work, "client.key"), client.keyPem);
}

/** Starts a deno process and waits until `ready()` says it is set up. */
async function spawn(
  args: string[],
  ready: (output: string) => Promise<boolean>,
  env: Record<string, string> = {},
): Promise<Started> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", ...K3S_DENO_FLAGS, ...args],
    cwd: REPO,
    env: { NO_COLOR: "1", ...env },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let output = "";
  let exited = false;
  const collect = async (stream: ReadableStream<Uint8Array>) => {
    const dec = new TextDecoder();
    for await (const chunk of stream) output = (output + dec.decode(chunk)).slice(-20_000);
  };
  collect(child.stdout);
  collect(child.stderr);
  child.status.then(() => (exited = true));
  const stop = async () => {
    if (!exited) child.kill("SIGKILL");
    await child.status;
  };
  for (let tries = 0; tries < 1_500; tries++) {
    if (exited) throw new Error(`deno ${args.join(" ")} exited:\n${output}`);
    if (await ready(output)) return { pid: child.pid, stop };
    await new Promise((r) => setTimeout(r, 20));
  }
  await stop();
  throw new Error(`deno ${args.join(" ")} not ready after 30 s:\n${output}`);
}

function startProbe(
  probe: string,
  parts: string[],
  env: Record<string, string> = {},
): Promise<Started> {
  return spawn([probe, ...parts], (output) => Promise.resolve(output.includes("ready\n")), env);
}

/** The probe with the mTLS server and `parts`, after it answered one request per protocol. */
async function startMtls(probe: string, work: string, parts: string[]): Promise<Started> {
  const port = await freePort();
  const started = await startProbe(probe, ["mtls", ...parts], {
    FLOOR_DIR: work,
    FLOOR_PORT: String(port),
  });
  try {
    const tls = {
      ca: await Deno.readTextFile(join(work, "ca.crt")),
      cert: await Deno.readTextFile(join(work, "client.crt")),
      key: await Deno.readTextFile(join(work, "client.key")),
    };
    const answers = [await http2Get(port, tls), await http1Get(port, tls)];
    for (const answer of answers) {
      if (answer !== "floor-client") throw new Error(`The mTLS probe answered ${answer}`);
    }
    return started;
  } catch (err) {
    await started.stop();
    throw err;
  }
}

interface ClientTls {
  ca: string;
  cert: string;
  key: string;
}

function http2Get(port: number, tls: ClientTls): Promise<string> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(`https://localhost:${port}`, tls);
    session.on("error", reject);
    const req = session.request({ ":path": "/" });
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => {
      session.close();
      resolve(body);
    });
    req.on("error", reject);
    req.end();
  });
}

function http1Get(port: number, tls: ClientTls): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      { host: "localhost", port, path: "/", agent: false, ...tls },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk) => (body += chunk));
        res.on("end", () => resolve(body));
      },
    );
    req.on("error", reject);
    req.end();
  });
}

async function startServer(work: string): Promise<Started> {
  const dataDir = await Deno.makeTempDir({ dir: work, prefix: "server-" });
  return await startServerProcess(K3S_ENTRY, dataDir, await freePort(), K3S_DENO_FLAGS);
}

function report(rows: [string, Memory][], load: string): string {
  const lines = [
    `Memory floor: deno ${Deno.version.deno}, ${Deno.build.os}/${Deno.build.arch}, ` +
    `${new Date().toISOString().slice(0, 10)}, load average at start ${load}. Each program is ` +
    `bundled and started as \`./k3s\` starts k3s (\`deno run -A ${K3S_DENO_FLAGS.join(" ")}\`), ` +
    `left idle ${
      SETTLE_MS / 1000
    } s, and read from /proc/PID/smaps_rollup; median of ${RUNS} runs. ` +
    entryNote(),
    "",
    "| program | RSS | anonymous | file-backed |",
    "| --- | ---: | ---: | ---: |",
  ];
  const mb = (v: number) => `${v.toFixed(1)} MB`;
  for (const [label, m] of rows) {
    lines.push(`| ${label} | ${mb(m.rssMb)} | ${mb(m.anonMb)} | ${mb(m.rssMb - m.anonMb)} |`);
  }
  const [, floor, serverCode, agentCode, server] = rows.map(([, m]) => m.rssMb);
  lines.push(
    "",
    `Under the API server's ${TARGETS.server} MB target, k3s's own code and state may take ` +
      `${mb(TARGETS.server - floor)} above the runtime floor: its modules alone take ` +
      `${mb(serverCode - floor)}, and the idle server takes ${mb(server - floor)}. The agent's ` +
      `modules over the runtime floor hold ${mb(agentCode)} before the agent has done anything, ` +
      `against its ${TARGETS.agent} MB target (bench/pods.md measures the running agent).`,
  );
  return lines.join("\n");
}

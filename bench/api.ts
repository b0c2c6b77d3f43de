/**
 * API server benchmark: starts a real `k3s server --disable-agent` (the build, see bench/main.ts) as a
 * child process on a loopback port and drives it over HTTPS with the admin client certificate,
 * over HTTP/1.1 keep-alive connections (the server's default; kubectl and client-go fall back to
 * it by ALPN). Prints one
 * markdown table with targets and writes it to `bench/api.md`.
 *
 * ```sh
 * deno task bench api                     # the full run (a few minutes)
 * deno task bench api --quick             # fewer operations, for trying the benchmark itself
 * deno task bench api --cpu-prof DIR      # also write the server's V8 CPU profile to DIR
 * deno task bench api --main FILE         # serve with FILE (e.g. an instrumented copy of main.ts)
 * ```
 *
 * Every client has its own keep-alive TLS connections. Latency is
 * measured to the last byte of the response. Watch-event latency runs from the write's
 * acknowledgement (its response) to the receipt of the event at a watcher; an event that arrives
 * before the acknowledgement counts as 0 ms. "Server CPU per op" is the server process's user +
 * system time (all threads, from `/proc/<pid>/stat`) divided by the operations of the row; for
 * watch rows an operation is one event delivered to one watcher.
 *
 * @module
 */
import https from "node:https";
import process from "node:process";
import { join } from "node:path";
import { type KubeconfigContext, loadKubeconfig } from "../kube/kubeconfig.ts";
import {
  entryNote,
  freePort,
  K3S_DENO_FLAGS,
  K3S_ENTRY,
  loopbackServerArgs,
  REPO,
} from "../tests/harness.ts";

const LEVELS = [1, 16, 64] as const;
const SMALL_LIST = 10;
const BIG_LIST = 5_000;
const HELD = 10_000;
/**
 * How long the server is left alone before an RSS reading: what it holds, without the garbage of
 * the burst before (its idle collector runs after two quiet seconds).
 */
const SETTLE_MS = 5_000;
const WATCHERS = 1_000;
/**
 * Connections the 1,000 watchers use: one each, as 1,000 kubelets would. The fan-out runs last
 * on its server, because Deno 2.9.6's node:http2 server (nghttp2) aborts now and then when many
 * clients disconnect at once, and always when one client that had ~75 concurrent streams does
 * (denoland/deno#36788); the table says whether the server survived the watchers leaving.
 */
const WATCH_SESSIONS = WATCHERS;
/** A ConfigMap's data: one small config file. */
const DATA = { "config.yaml": "key: value\n".repeat(16) };

interface Sizes {
  creates: number;
  gets: number;
  lists: number;
  watchEvents: number;
  bigLists: number;
  fanWrites: number;
  http1: number;
}

const FULL: Sizes = {
  creates: 1_000,
  gets: 2_000,
  lists: 2_000,
  watchEvents: 300,
  bigLists: 30,
  fanWrites: 30,
  http1: 500,
};
const QUICK: Sizes = {
  creates: 100,
  gets: 200,
  lists: 200,
  watchEvents: 50,
  bigLists: 5,
  fanWrites: 5,
  http1: 100,
};

const TARGETS = {
  bigListMs: 250,
  fanOutP99Ms: 100,
  createP99Ms: 25,
  idleRssMb: 80,
  heldRssMb: 200,
  startMs: 1_500,
};

/** Replies whose JSON body ended early (status and headers fine, body cut short). */
interface Counters {
  cutShort: number;
  /** GOAWAY frames the server sent on a connection the bench had not closed. */
  goaways: number;
  examples: string[];
}

interface ObjectMetaLike {
  name?: string;
  labels?: Record<string, string>;
}

interface Row {
  measurement: string;
  clients: string;
  p50: string;
  p99: string;
  rate: string;
  serverCpu: string;
  benchCpu: string;
  target: string;
  result: "pass" | "**FAIL**" | "";
}

export async function run(args: string[]): Promise<void> {
  const quick = args.includes("--quick");
  const profIndex = args.indexOf("--cpu-prof");
  const profDir = profIndex >= 0 ? args[profIndex + 1] : undefined;
  if (profIndex >= 0 && !profDir) throw new Error("Cannot profile: --cpu-prof needs a folder");
  const sizes = quick ? QUICK : FULL;
  // Other work on the machine shows in every number: the table says how busy it was.
  const load = Deno.readTextFileSync("/proc/loadavg").split(" ").slice(0, 3).join(" ");
  const rows: Row[] = [];
  const counters: Counters = { cutShort: 0, goaways: 0, examples: [] };
  const dataDir = await Deno.makeTempDir({ prefix: "bench-api-" });
  const port = await freePort();
  const mainIndex = args.indexOf("--main");
  const main = mainIndex >= 0 ? args[mainIndex + 1] : K3S_ENTRY;
  if (!main) throw new Error("Cannot start the server: --main needs a file");
  const denoFlags = [...K3S_DENO_FLAGS, `--config=${join(REPO, "deno.json")}`];
  if (profDir) denoFlags.push("--cpu-prof", `--cpu-prof-dir=${profDir}`);
  let server: ServerProcess | null = null;
  const clients: Client[] = [];
  const onInterrupt = () => {
    for (const c of clients) c.close();
    (server?.stop() ?? Promise.resolve()).finally(() => Deno.exit(130));
  };
  Deno.addSignalListener("SIGINT", onInterrupt);
  try {
    progress("cold start");
    server = await startServerProcess(main, dataDir, port, denoFlags);
    rows.push(startRow("cold start to /readyz ok (fresh data dir)", server.readyMs));
    await sleep(SETTLE_MS);
    rows.push(rssRow(
      `server RSS, idle ${SETTLE_MS / 1000} s after start`,
      rssMb(server.pid),
      TARGETS.idleRssMb,
    ));

    const kc = await loadKubeconfig(join(dataDir, "kc.yaml"));
    const connect = async (n: number) => {
      const made = await Promise.all(
        Array.from({ length: n }, () => connectClient(kc, counters)),
      );
      clients.push(...made);
      return made;
    };
    const [admin] = await connect(1);
    const names = ["small", "warm", "5k", "fan", "fill", "h1"];
    for (const c of LEVELS) names.push(`c${c}`, `w${c}`);
    for (const n of names) await createNamespace(admin, `bench-${n}`);
    for (let i = 0; i < SMALL_LIST; i++) await createConfigMap(admin, "bench-small", `cm-${i}`);

    const perLevel = await connect(Math.max(...LEVELS));
    await creates(perLevel.slice(0, 16), "bench-warm", "warm", 300);
    for (const c of LEVELS) {
      progress(`${c} concurrent clients`);
      rows.push(...await level(server.pid, perLevel.slice(0, c), sizes));
    }
    progress("HTTP/1.1");
    rows.push(...await http1Rows(server.pid, kc, counters, sizes.http1));
    progress(`list of ${BIG_LIST}`);
    rows.push(await bigList(server.pid, perLevel, sizes.bigLists));
    progress(`${HELD} objects`);
    const held = await configMapCount(admin);
    const fill = Math.max(0, HELD - held);
    if (fill > 0) await creates(perLevel, "bench-fill", "fill", fill);
    await sleep(SETTLE_MS);
    rows.push(rssRow(
      `server RSS, holding ${(held + fill).toLocaleString("en")} ConfigMaps ` +
        `${
          SETTLE_MS / 1000
        } s after the last write (${clients.length} idle client connections open)`,
      rssMb(server.pid),
      TARGETS.heldRssMb,
    ));

    // Last on this server: closing 1,000 connections may crash it (see WATCH_SESSIONS).
    progress(`${WATCHERS} watchers`);
    const current = server;
    const alive = async () => !current.exited() && await readyzOk(port);
    rows.push(...await fanOut(server.pid, kc, counters, admin, sizes.fanWrites, alive));

    for (const c of clients.splice(0)) c.close();
    progress("warm restart");
    await server.stop();
    server = await startServerProcess(main, dataDir, port, denoFlags);
    rows.push(startRow(
      `warm restart to /readyz ok (${(held + fill).toLocaleString("en")} ConfigMaps)`,
      server.readyMs,
    ));
    await sleep(SETTLE_MS);
    rows.push(
      rssRow(`server RSS, idle ${SETTLE_MS / 1000} s after warm restart`, rssMb(server.pid)),
    );
    const [again] = await connect(1);
    const started = performance.now();
    const all = await expect(again, "GET", "/api/v1/configmaps", 200);
    const elapsed = performance.now() - started;
    rows.push({
      ...blank(
        `first list of all ConfigMaps after restart (${mb(all.body.length)} MB; fills the cache)`,
        "1",
      ),
      p50: ms(elapsed),
    });
    rows.push(rssRow("server RSS after that list", rssMb(server.pid)));
    rows.push({
      ...blank("JSON responses cut short (all requests of the run)", "—"),
      p50: String(counters.cutShort),
      target: "0",
      result: counters.cutShort === 0 ? "pass" : "**FAIL**",
    });
    rows.push({
      ...blank("connections the server closed with GOAWAY (all of the run)", "—"),
      p50: String(counters.goaways),
      target: "0",
      result: counters.goaways === 0 ? "pass" : "**FAIL**",
    });
  } catch (err) {
    if (server?.exited()) {
      throw new Error(
        `${(err as Error).message}\nThe server died; its last output:\n${server.output()}`,
      );
    }
    throw err;
  } finally {
    for (const c of clients) c.close();
    await server?.stop();
    Deno.removeSignalListener("SIGINT", onInterrupt);
    await Deno.remove(dataDir, { recursive: true });
  }
  const text = report(rows, quick, counters, load);
  console.log(text);
  if (!quick && mainIndex < 0 && !profDir) {
    await Deno.writeTextFile(join(REPO, "bench", "api.md"), text + "\n");
  }
}

// ---------------------------------------------------------------------------------------------
// Scenarios

/** create, get, list (small) and watch-event latency with `clients.length` concurrent clients. */
async function level(pid: number, clients: Client[], sizes: Sizes): Promise<Row[]> {
  const c = clients.length;
  const ns = `bench-c${c}`;
  const label = String(c);
  const rows: Row[] = [];

  const created = await measure(pid, sizes.creates, c, async (i) => {
    const cl = clients[i % c];
    await createConfigMap(cl, ns, `cm-${i}`);
  });
  const createRow = latencyRow("create ConfigMap", label, created);
  if (c === 16) {
    const p99 = percentile(created.latencies, 99);
    createRow.target = `p99 ≤ ${TARGETS.createP99Ms} ms`;
    createRow.result = p99 <= TARGETS.createP99Ms ? "pass" : "**FAIL**";
  }
  rows.push(createRow);

  const got = await measure(pid, sizes.gets, c, async (i) => {
    await expect(
      clients[i % c],
      "GET",
      `/api/v1/namespaces/${ns}/configmaps/cm-${i % sizes.creates}`,
      200,
    );
  });
  rows.push(latencyRow("get ConfigMap", label, got));

  const listed = await measure(pid, sizes.lists, c, async (i) => {
    await expect(clients[i % c], "GET", "/api/v1/namespaces/bench-small/configmaps", 200);
  });
  rows.push(latencyRow(`list a small namespace (${SMALL_LIST} ConfigMaps)`, label, listed));

  rows.push(...await watchEvents(pid, clients, `bench-w${c}`, sizes.watchEvents));
  return rows;
}

/** Every client watches the namespace while all of them write; latency at every watcher. */
async function watchEvents(
  pid: number,
  clients: Client[],
  ns: string,
  events: number,
): Promise<Row[]> {
  const c = clients.length;
  const path = `/api/v1/namespaces/${ns}/configmaps`;
  const rv = listRv((await expect(clients[0], "GET", path, 200)).body);
  const sends: number[] = [];
  const acks: number[] = [];
  const receipts: number[][] = Array.from({ length: events }, () => []);
  let delivered = 0;
  let lastReceipt = 0;
  let allDelivered!: () => void;
  const done = new Promise<void>((resolve) => (allDelivered = resolve));
  const stops = await Promise.all(
    clients.map((cl) =>
      cl.watch(`${path}?watch=true&resourceVersion=${rv}`, (line, at) => {
        const name = eventName(line);
        if (!name.startsWith("ev-")) return;
        receipts[Number(name.slice(3))].push(at);
        lastReceipt = at;
        if (++delivered === events * c) allDelivered();
      })
    ),
  );
  try {
    const before = sample(pid);
    await runConcurrently(events, c, async (i) => {
      sends[i] = performance.now();
      await createConfigMap(clients[i % c], ns, `ev-${i}`);
      acks[i] = performance.now();
    });
    await deadline(done, 60_000, () => `only ${delivered} of ${events * c} watch events arrived`);
    const cost = sample(pid).minus(before, events * c);
    const fromAck: number[] = [];
    const fromSend: number[] = [];
    for (let i = 0; i < events; i++) {
      for (const at of receipts[i]) {
        fromAck.push(Math.max(0, at - acks[i]));
        fromSend.push(at - sends[i]);
      }
    }
    const rate = (events * c) / ((lastReceipt - before.at) / 1000);
    return [
      latencyRow("watch event (write ack → receipt at each watcher)", String(c), {
        latencies: fromAck,
        rate,
        cost,
      }, "events/s"),
      latencyRow("watch event (write sent → receipt at each watcher)", String(c), {
        latencies: fromSend,
        rate,
        cost,
      }, "events/s"),
    ];
  } finally {
    for (const stop of stops) stop();
  }
}

/** A few HTTP/1.1 rows at 16 clients (one keep-alive socket each), for comparison. */
async function http1Rows(
  pid: number,
  kc: KubeconfigContext,
  counters: Counters,
  ops: number,
): Promise<Row[]> {
  const c = 16;
  const client = new H1Client(kc, c, counters);
  try {
    const ns = "bench-h1";
    const created = await measure(pid, ops, c, (i) => createConfigMap(client, ns, `cm-${i}`));
    const got = await measure(pid, ops, c, async (i) => {
      await expect(client, "GET", `/api/v1/namespaces/${ns}/configmaps/cm-${i}`, 200);
    });
    const listed = await measure(pid, ops, c, async () => {
      await expect(client, "GET", "/api/v1/namespaces/bench-small/configmaps", 200);
    });
    return [
      latencyRow("HTTP/1.1 create ConfigMap", String(c), created),
      latencyRow("HTTP/1.1 get ConfigMap", String(c), got),
      latencyRow(`HTTP/1.1 list a small namespace (${SMALL_LIST} ConfigMaps)`, String(c), listed),
    ];
  } finally {
    client.close();
  }
}

/** One namespace of 5,000 ConfigMaps, listed whole by one client, one list at a time. */
async function bigList(pid: number, clients: Client[], runs: number): Promise<Row> {
  await creates(clients, "bench-5k", "cm", BIG_LIST);
  const path = "/api/v1/namespaces/bench-5k/configmaps";
  const first = await expect(clients[0], "GET", path, 200);
  // Controllers may add their own objects (kube-root-ca.crt): all of ours must be there.
  const items = (JSON.parse(first.body) as { items: { metadata: ObjectMetaLike }[] }).items;
  const ours = items.filter((i) => i.metadata.labels?.app === "bench").length;
  if (ours !== BIG_LIST) throw new Error(`Cannot benchmark lists: listed ${ours} of ${BIG_LIST}`);
  await expect(clients[0], "GET", path, 200);
  const listed = await measure(pid, runs, 1, () => expect(clients[0], "GET", path, 200));
  const row = latencyRow(
    `list ${items.length.toLocaleString("en")} ConfigMaps, one namespace (${
      mb(first.body.length)
    } MB)`,
    "1",
    listed,
    "lists/s",
  );
  const p99 = percentile(listed.latencies, 99);
  row.target = `p99 ≤ ${TARGETS.bigListMs} ms`;
  row.result = p99 <= TARGETS.bigListMs ? "pass" : "**FAIL**";
  return row;
}

/** 1,000 watchers of one namespace; one write at a time, each awaited at every watcher. */
async function fanOut(
  pid: number,
  kc: KubeconfigContext,
  counters: Counters,
  writer: Client,
  writes: number,
  alive: () => Promise<boolean>,
): Promise<Row[]> {
  const ns = "bench-fan";
  const path = `/api/v1/namespaces/${ns}/configmaps`;
  const rv = listRv((await expect(writer, "GET", path, 200)).body);
  const sessions: Client[] = [];
  for (let i = 0; i < WATCH_SESSIONS; i += 50) {
    const batch = Math.min(50, WATCH_SESSIONS - i);
    sessions.push(
      ...await Promise.all(Array.from({ length: batch }, () => connectClient(kc, counters))),
    );
  }
  const stops: (() => void)[] = [];
  const rows: Row[] = [];
  let expected = "";
  let received = 0;
  let receipts: number[] = [];
  let allReceived = () => {};
  try {
    for (let i = 0; i < WATCHERS; i++) {
      stops.push(
        await sessions[i % WATCH_SESSIONS].watch(
          `${path}?watch=true&resourceVersion=${rv}`,
          (line, at) => {
            if (eventName(line) !== expected) return;
            receipts.push(at);
            if (++received === WATCHERS) allReceived();
          },
        ),
      );
    }
    const rss = rssMb(pid);
    const latencies: number[] = [];
    const lastLatencies: number[] = [];
    const fromSend: number[] = [];
    const acks: number[] = [];
    let busy = 0;
    const before = sample(pid);
    for (let i = 0; i < writes; i++) {
      expected = `fan-${i}`;
      received = 0;
      receipts = [];
      const done = new Promise<void>((resolve) => (allReceived = resolve));
      const sent = performance.now();
      await createConfigMap(writer, ns, expected);
      const ack = performance.now();
      await deadline(done, 10_000, () => `${received} of ${WATCHERS} watchers got ${expected}`);
      for (const at of receipts) {
        latencies.push(Math.max(0, at - ack));
        fromSend.push(at - sent);
      }
      acks.push(ack - sent);
      const last = Math.max(...receipts);
      lastLatencies.push(last - sent);
      busy += last - sent;
      await sleep(20);
    }
    const cost = sample(pid).minus(before, writes * WATCHERS);
    const row = latencyRow(
      `watch event to ${WATCHERS.toLocaleString("en")} watchers (write ack → receipt at each)`,
      `${WATCHERS.toLocaleString("en")} watchers on ${WATCH_SESSIONS} conns, 1 writer`,
      { latencies, rate: (writes * WATCHERS) / (busy / 1000), cost },
      "events/s",
    );
    const p99 = percentile(latencies, 99);
    row.target = `p99 ≤ ${TARGETS.fanOutP99Ms} ms`;
    row.result = p99 <= TARGETS.fanOutP99Ms ? "pass" : "**FAIL**";
    const perWrite = (measurement: string, values: number[]): Row => ({
      ...blank(measurement, "1"),
      p50: ms(percentile(values, 50)),
      p99: ms(percentile(values, 99)),
    });
    rows.push(
      row,
      {
        ...perWrite("… the same, write sent → receipt at each watcher", fromSend),
        clients: row.clients,
      },
      perWrite(
        `… per write: write sent → receipt at the last of ${WATCHERS} watchers`,
        lastLatencies,
      ),
      perWrite("… per write: write sent → its acknowledgement (writer's create latency)", acks),
      rssRow(`server RSS with ${WATCHERS.toLocaleString("en")} watches open`, rss),
    );
  } finally {
    for (const stop of stops) stop();
    for (const s of sessions) s.close();
  }
  await sleep(2_000);
  const survived = await alive();
  rows.push({
    ...blank(
      `server still ready 2 s after the ${WATCHERS.toLocaleString("en")} watchers left`,
      "—",
    ),
    p50: survived ? "yes" : "no (crashed)",
    target: "yes",
    result: survived ? "pass" : "**FAIL**",
  });
  return rows;
}

// ---------------------------------------------------------------------------------------------
// Requests

async function createNamespace(client: Client, name: string): Promise<void> {
  await expect(client, "POST", "/api/v1/namespaces", 201, { metadata: { name } });
}

async function createConfigMap(client: Client, ns: string, name: string): Promise<void> {
  await expect(client, "POST", `/api/v1/namespaces/${ns}/configmaps`, 201, {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name, labels: { app: "bench" } },
    data: DATA,
  });
}

/** Creates `count` ConfigMaps named `<prefix>-<i>` with all the clients at once. */
async function creates(clients: Client[], ns: string, prefix: string, count: number) {
  await runConcurrently(count, clients.length, async (i) => {
    await createConfigMap(clients[i % clients.length], ns, `${prefix}-${i}`);
  });
}

async function configMapCount(client: Client): Promise<number> {
  const all = await expect(client, "GET", "/api/v1/configmaps", 200);
  return (JSON.parse(all.body) as { items: unknown[] }).items.length;
}

async function expect(
  client: Client,
  method: string,
  path: string,
  status: number,
  body?: unknown,
): Promise<Reply> {
  let reply = await client.request(method, path, body);
  // A body cut short is counted (and reported) by the client; reads are tried again so that the
  // run can go on. Writes are not: the object may exist.
  for (let retry = 0; !reply.complete && method === "GET" && retry < 2; retry++) {
    reply = await client.request(method, path, body);
  }
  if (reply.status !== status) {
    throw new Error(`${method} ${path}: status ${reply.status}, not ${status}: ${reply.body}`);
  }
  return reply;
}

function listRv(body: string): string {
  return (JSON.parse(body) as { metadata: { resourceVersion: string } }).metadata.resourceVersion;
}

/** The object name of one watch event line. */
function eventName(line: string): string {
  const ev = JSON.parse(line) as { type: string; object: { metadata?: { name?: string } } };
  return ev.type === "ERROR" ? "" : ev.object.metadata?.name ?? "";
}

// ---------------------------------------------------------------------------------------------
// Clients

interface Reply {
  status: number;
  body: string;
  /** False when the JSON body ended early. */
  complete: boolean;
}

interface Client {
  request(method: string, path: string, body?: unknown): Promise<Reply>;
  /** Starts a watch; resolves with its stop function once the server answered 200. */
  watch(path: string, onLine: (line: string, at: number) => void): Promise<() => void>;
  close(): void;
}

/** A reply, counted in `counters` when its JSON body is cut short. */
function checked(
  counters: Counters,
  method: string,
  path: string,
  status: number,
  body: string,
): Reply {
  const complete = body.trimEnd().endsWith("}");
  if (!complete) {
    counters.cutShort++;
    if (counters.examples.length < 6) {
      counters.examples.push(`body cut short: ${method} ${path} → ${status}, ${body.length} bytes`);
    }
  }
  return { status, body, complete };
}

/**
 * One client process's connection(s). The server speaks HTTP/1.1 by default (see
 * server/apiserver/http.ts), so each client keeps two keep-alive sockets (a watch holds one);
 */
function connectClient(kc: KubeconfigContext, counters: Counters): Promise<Client> {
  return Promise.resolve(new H1Client(kc, 2, counters));
}

/** HTTP/1.1 with a keep-alive agent of `sockets` sockets. */
class H1Client implements Client {
  #agent: https.Agent;
  #url: URL;
  #kc: KubeconfigContext;
  #counters: Counters;

  constructor(kc: KubeconfigContext, sockets: number, counters: Counters) {
    this.#kc = kc;
    this.#counters = counters;
    this.#url = new URL(kc.server);
    this.#agent = new https.Agent({ keepAlive: true, maxSockets: sockets });
  }

  request(method: string, path: string, body?: unknown): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const req = https.request({
        host: this.#url.hostname,
        port: Number(this.#url.port),
        method,
        path,
        agent: this.#agent,
        ca: this.#kc.caPem,
        cert: this.#kc.certPem,
        key: this.#kc.keyPem,
        headers: {
          accept: "application/json",
          ...(payload === undefined ? {} : {
            "content-type": "application/json",
            "content-length": String(new TextEncoder().encode(payload).length),
          }),
        },
      }, (res) => {
        res.setEncoding("utf8");
        let text = "";
        res.on("data", (chunk: string) => (text += chunk));
        res.on("end", () => {
          resolve(checked(this.#counters, method, path, res.statusCode ?? 0, text));
        });
        res.on("error", reject);
      });
      req.on("error", reject);
      req.end(payload);
    });
  }

  watch(path: string, onLine: (line: string, at: number) => void): Promise<() => void> {
    return new Promise((resolve, reject) => {
      const req = https.request({
        host: this.#url.hostname,
        port: Number(this.#url.port),
        method: "GET",
        path,
        agent: this.#agent,
        ca: this.#kc.caPem,
        cert: this.#kc.certPem,
        key: this.#kc.keyPem,
        headers: { accept: "application/json" },
      });
      req.on("response", (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          reject(new Error(`Cannot watch ${path}: status ${res.statusCode}`));
          return;
        }
        res.setEncoding("utf8");
        let buffered = "";
        res.on("data", (chunk: string) => {
          const at = performance.now();
          buffered += chunk;
          for (let nl = buffered.indexOf("\n"); nl >= 0; nl = buffered.indexOf("\n")) {
            const line = buffered.slice(0, nl);
            buffered = buffered.slice(nl + 1);
            if (line) onLine(line, at);
          }
        });
        res.on("error", () => {});
        resolve(() => req.destroy());
      });
      req.on("error", reject);
      req.end();
    });
  }

  close(): void {
    this.#agent.destroy();
  }
}

// ---------------------------------------------------------------------------------------------
// The server process

export interface ServerProcess {
  pid: number;
  /** From spawning the process to the first `/readyz` that answered 200 "ok". */
  readyMs: number;
  stop(): Promise<void>;
  exited(): boolean;
  /** The last 20,000 characters the server printed. */
  output(): string;
}

/** Starts `deno run -A main.ts server` and polls `/readyz` (anonymous) until it answers ok. */
export async function startServerProcess(
  main: string,
  dataDir: string,
  port: number,
  denoFlags: string[],
): Promise<ServerProcess> {
  const started = performance.now();
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      ...denoFlags,
      main,
      ...loopbackServerArgs(dataDir, port, join(dataDir, "kc.yaml")),
    ],
    env: { NO_COLOR: "1" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let output = "";
  const collect = async (stream: ReadableStream<Uint8Array>) => {
    const dec = new TextDecoder();
    for await (const chunk of stream) output = (output + dec.decode(chunk)).slice(-20_000);
  };
  collect(child.stdout);
  collect(child.stderr);
  let exited = false;
  child.status.then(() => (exited = true));
  const stop = async () => {
    const kill = (signal: Deno.Signal) => {
      try {
        if (!exited) child.kill(signal);
      } catch { /* it exited meanwhile */ }
    };
    kill("SIGTERM");
    const timer = setTimeout(() => kill("SIGKILL"), 10_000);
    await child.status;
    clearTimeout(timer);
  };
  try {
    for (let tries = 0; tries < 3_000; tries++) {
      if (exited) throw new Error(`k3s server exited during start:\n${output}`);
      if (await readyzOk(port)) {
        const readyMs = performance.now() - started;
        // RSS and CPU are read from this pid: it must be the deno process serving, no wrapper.
        const cmdline = Deno.readTextFileSync(`/proc/${child.pid}/cmdline`).split("\0");
        if (!cmdline.includes("server") || !cmdline.includes(main)) {
          throw new Error(`process ${child.pid} is not the server: ${cmdline.join(" ")}`);
        }
        return { pid: child.pid, readyMs, stop, exited: () => exited, output: () => output };
      }
      await sleep(10);
    }
    throw new Error(`k3s server not ready after 3,000 polls of /readyz:\n${output}`);
  } catch (err) {
    await stop();
    throw err;
  }
}

function readyzOk(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = https.get({
      host: "127.0.0.1",
      port,
      path: "/readyz",
      agent: false,
      rejectUnauthorized: false,
      timeout: 1_000,
    }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (text += chunk));
      res.on("end", () => resolve(res.statusCode === 200 && text === "ok"));
      res.on("error", () => resolve(false));
    });
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolve(false));
  });
}

/** The resident set of the server process, in MB, from `/proc/<pid>/status`. */
function rssMb(pid: number): number {
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  const kb = /^VmRSS:\s+(\d+) kB/m.exec(status);
  if (!kb) throw new Error(`Cannot read VmRSS of process ${pid}`);
  return Number(kb[1]) / 1024;
}

const TICKS_PER_SECOND = 100;

interface CpuSample {
  at: number;
  serverMs: number;
  benchMs: number;
  minus(before: CpuSample, ops: number): Cost;
}

/** CPU per operation, in ms: the server's and this benchmark process's. */
interface Cost {
  server: number;
  bench: number;
}

/** CPU time used so far by the server (all its threads) and by this process. */
function sample(pid: number): CpuSample {
  const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(fields[11]) + Number(fields[12]);
  const usage = process.cpuUsage();
  const s: CpuSample = {
    at: performance.now(),
    serverMs: (ticks * 1000) / TICKS_PER_SECOND,
    benchMs: (usage.user + usage.system) / 1000,
    minus: (before, ops) => ({
      server: (s.serverMs - before.serverMs) / ops,
      bench: (s.benchMs - before.benchMs) / ops,
    }),
  };
  return s;
}

// ---------------------------------------------------------------------------------------------
// Measuring

interface Measured {
  latencies: number[];
  /** Operations per second. */
  rate: number;
  cost: Cost;
}

/** Runs `op(i)` for i < count with `concurrency` workers; latency of each, in ms. */
async function measure(
  pid: number,
  count: number,
  concurrency: number,
  op: (i: number) => Promise<unknown>,
): Promise<Measured> {
  const latencies: number[] = [];
  const before = sample(pid);
  await runConcurrently(count, concurrency, async (i) => {
    const t = performance.now();
    await op(i);
    latencies.push(performance.now() - t);
  });
  const after = sample(pid);
  return {
    latencies,
    rate: count / ((after.at - before.at) / 1000),
    cost: after.minus(before, count),
  };
}

async function runConcurrently(
  count: number,
  concurrency: number,
  op: (i: number) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < count) await op(next++);
  }));
}

/** Nearest-rank percentile; sorts `values` in place. */
function percentile(values: number[], p: number): number {
  values.sort((a, b) => a - b);
  return values[Math.min(values.length - 1, Math.max(0, Math.ceil((p / 100) * values.length) - 1))];
}

async function deadline(done: Promise<void>, timeoutMs: number, what: () => string) {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`Timed out after ${timeoutMs} ms: ${what()}`)),
      timeoutMs,
    );
  });
  try {
    await Promise.race([done, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

const began = performance.now();

/** A progress line on stderr, so that a long run shows where it is (and where it failed). */
function progress(step: string): void {
  console.error(`bench api: ${((performance.now() - began) / 1000).toFixed(1)} s: ${step}`);
}

function sleep(delayMs: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, delayMs));
}

// ---------------------------------------------------------------------------------------------
// The table

function blank(measurement: string, clients: string): Row {
  return {
    measurement,
    clients,
    p50: "",
    p99: "",
    rate: "",
    serverCpu: "",
    benchCpu: "",
    target: "",
    result: "",
  };
}

function latencyRow(measurement: string, clients: string, m: Measured, unit = "ops/s"): Row {
  return {
    ...blank(measurement, clients),
    p50: ms(percentile(m.latencies, 50)),
    p99: ms(percentile(m.latencies, 99)),
    rate: `${Math.round(m.rate).toLocaleString("en")} ${unit}`,
    serverCpu: ms(m.cost.server),
    benchCpu: ms(m.cost.bench),
  };
}

function startRow(measurement: string, elapsed: number): Row {
  return {
    ...blank(measurement, "—"),
    p50: ms(elapsed),
    target: `≤ ${TARGETS.startMs.toLocaleString("en")} ms`,
    result: elapsed <= TARGETS.startMs ? "pass" : "**FAIL**",
  };
}

function rssRow(measurement: string, value: number, target?: number): Row {
  const row = { ...blank(measurement, "—"), p50: `${value.toFixed(1)} MB` };
  if (target === undefined) return row;
  return { ...row, target: `≤ ${target} MB`, result: value <= target ? "pass" : "**FAIL**" };
}

function ms(value: number): string {
  if (value >= 100) return `${Math.round(value).toLocaleString("en")} ms`;
  if (value >= 10) return `${value.toFixed(1)} ms`;
  return `${value.toFixed(2)} ms`;
}

function mb(bytes: number): string {
  return (bytes / 1024 / 1024).toFixed(1);
}

function report(rows: Row[], quick: boolean, counters: Counters, load: string): string {
  const cpus = navigator.hardwareConcurrency;
  const lines = [
    `API server benchmark${quick ? " (--quick)" : ""}: deno ${Deno.version.deno}, ` +
    `${cpus} CPUs, ${Deno.build.os}/${Deno.build.arch}, sqlite datastore, ` +
    `${new Date().toISOString().slice(0, 10)}, load average at start ${load}. ` +
    `HTTP/1.1 keep-alive throughout; ` +
    `p50/p99 is the value for one-shot rows. ${entryNote()}`,
    "",
    "| measurement | clients | p50 | p99 | throughput | server CPU / op | bench CPU / op | " +
    "target | result |",
    "| --- | --- | ---: | ---: | ---: | ---: | ---: | --- | --- |",
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.measurement} | ${r.clients} | ${r.p50 || "—"} | ${r.p99 || "—"} | ${
        r.rate || "—"
      } | ` +
        `${r.serverCpu || "—"} | ${r.benchCpu || "—"} | ${r.target || "—"} | ${r.result || "—"} |`,
    );
  }
  for (const example of counters.examples) lines.push("", `Seen: ${example}`);
  return lines.join("\n");
}

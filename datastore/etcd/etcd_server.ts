/**
 * For tests and benchmarks: runs a real single-member etcd (`/usr/bin/etcd`, Debian's
 * `etcd-server`) on loopback ports with a temporary data dir, and stops it by PID.
 *
 * @module
 */
import { createServer } from "node:net";

export interface EtcdServerOptions {
  /** Client port; a free one when absent. */
  clientPort?: number;
  /** Data dir to reuse (for a restart); a new temporary one when absent. */
  dataDir?: string;
  /** Serve clients over TLS, requiring client certificates signed by `caFile`. */
  tls?: { caFile: string; certFile: string; keyFile: string };
}

export interface EtcdServer {
  endpoint: string;
  clientPort: number;
  dataDir: string;
  /** Kills etcd (SIGKILL) and waits for it to exit; keeps the data dir. */
  kill(): Promise<void>;
  /** Kills etcd and removes the data dir it created. */
  stop(): Promise<void>;
}

export const ETCD_BINARY = "/usr/bin/etcd";

/**
 * A TCP port on loopback that was free a moment ago, chosen below Linux's ephemeral range
 * (32768-60999): a port the kernel handed out for listen(0) is also the next source port of
 * some client's connection, and the suite makes thousands, so it may be taken again before the
 * server binds it. Tests in parallel pick at random from 12,000 ports. (Every test and
 * benchmark server takes its port from here, through tests/harness.ts.)
 */
export async function freePort(): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const port = 20_000 + Math.floor(Math.random() * 12_768);
    if (await canListen(port)) return port;
  }
  return await listenOnce(0);
}

function canListen(port: number): Promise<boolean> {
  return listenOnce(port).then(() => true, () => false);
}

function listenOnce(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(port, "127.0.0.1", () => {
      const bound = (s.address() as { port: number }).port;
      s.close(() => resolve(bound));
    });
  });
}

/**
 * Starts etcd and waits until it listens (at most 30 s). A port taken between choosing it and
 * etcd binding it (tests run in parallel) is retried with new ports, unless the caller chose it.
 */
export async function startEtcd(options: EtcdServerOptions = {}): Promise<EtcdServer> {
  try {
    await Deno.stat(ETCD_BINARY);
  } catch {
    throw new Error(`${ETCD_BINARY} is missing: install it with apt-get install -y etcd-server`);
  }
  for (let attempt = 1;; attempt++) {
    try {
      return await startOnce(options);
    } catch (error) {
      const portTaken = /address already in use/.test(String(error));
      if (!portTaken || options.clientPort || attempt >= 3) throw error;
    }
  }
}

async function startOnce(options: EtcdServerOptions): Promise<EtcdServer> {
  const clientPort = options.clientPort ?? await freePort();
  const peerPort = await freePort();
  const ownDir = options.dataDir ? null : await Deno.makeTempDir({ prefix: "etcd-test-" });
  const dataDir = options.dataDir ?? `${ownDir}/data`;
  const scheme = options.tls ? "https" : "http";
  const endpoint = `${scheme}://127.0.0.1:${clientPort}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  const args = [
    `--name=test`,
    `--data-dir=${dataDir}`,
    `--listen-client-urls=${endpoint}`,
    `--advertise-client-urls=${endpoint}`,
    `--listen-peer-urls=${peer}`,
    `--initial-advertise-peer-urls=${peer}`,
    `--initial-cluster=test=${peer}`,
    `--log-level=error`,
    `--logger=zap`,
  ];
  if (options.tls) {
    const { caFile, certFile, keyFile } = options.tls;
    args.push(
      `--cert-file=${certFile}`,
      `--key-file=${keyFile}`,
      `--trusted-ca-file=${caFile}`,
      "--client-cert-auth",
    );
  }
  const child = new Deno.Command(ETCD_BINARY, { args, stdout: "null", stderr: "piped" }).spawn();
  let log = "";
  const draining = (async () => {
    const decoder = new TextDecoder();
    for await (const chunk of child.stderr) log = (log + decoder.decode(chunk)).slice(-8192);
  })();
  let exited = false;
  const status = child.status.then((status) => {
    exited = true;
    return status;
  });
  const kill = async () => {
    if (!exited) child.kill("SIGKILL");
    await status;
    await draining;
  };
  const server: EtcdServer = {
    endpoint,
    clientPort,
    dataDir,
    kill,
    stop: async () => {
      await kill();
      if (ownDir) await Deno.remove(ownDir, { recursive: true });
    },
  };
  try {
    await waitReady(clientPort, () => exited);
  } catch (error) {
    await server.stop();
    throw new Error(`etcd did not start: ${(error as Error).message}\n${log}`);
  }
  return server;
}

/**
 * Polls until the client port accepts TCP connections. A backend's start() then retries until the
 * member has elected itself leader (well under a second).
 */
async function waitReady(port: number, exited: () => boolean): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (exited()) throw new Error("the process exited");
    try {
      const connection = await Deno.connect({ hostname: "127.0.0.1", port });
      connection.close();
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  throw new Error(`port ${port} did not open within 30 s`);
}

/**
 * The kubelet's streaming endpoints (upstream's `/exec`, `/attach`, `/portForward`, `/run`):
 *
 * - SPDY upgrades, and WebSocket upgrades with the `channel.k8s.io` protocols up to v4 or
 *   `portforward.k8s.io`, go to the CRI streaming server's URL for the request, which speaks
 *   them itself (the upgrade is proxied byte for byte);
 * - WebSocket `v5.channel.k8s.io` (kubectl 1.30+ for exec, attach and cp) is ended here with
 *   `ws` and bridged to the CRI streaming server over SPDY, so that v5's close signal becomes a
 *   real end of stdin;
 * - `/run` runs a command with ExecSync and answers its output.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
// @ts-types="npm:@types/ws@^8.5.0"
import { type WebSocket, WebSocketServer } from "ws";
import type { Logger } from "../../../kube/client/log.ts";
import type { Pod } from "../../../kube/client/types.ts";
import type { RuntimeService } from "../../../cri/service.ts";
import type { RuntimeView } from "../runtime_pod.ts";
import { HttpError, refuseUpgrade, respondError } from "./errors.ts";
import { proxyUpgrade } from "./upgrade_proxy.ts";
import { SpdyClient, type SpdyStream } from "./spdy.ts";

export interface StreamingOptions {
  runtime: RuntimeService;
  view: RuntimeView;
  findPod(namespace: string, name: string, uid?: string): Pod;
  log: Logger;
}

export const V5 = "v5.channel.k8s.io";
const CHANNEL_STDIN = 0;
const CHANNEL_STDOUT = 1;
const CHANNEL_STDERR = 2;
const CHANNEL_ERROR = 3;
const CHANNEL_RESIZE = 4;
const CHANNEL_CLOSE = 255;

/** What an exec or attach asks for, from the kubelet's query parameters. */
export interface StreamRequest {
  kind: "exec" | "attach" | "portForward" | "run";
  namespace: string;
  pod: string;
  uid?: string;
  container?: string;
  command: string[];
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
  ports: number[];
}

const yes = (v: string | null) => v === "1" || v === "true" || v === "True";

/** Parses `/exec/<ns>/<pod>[/<uid>]/<container>?command=…&input=1&output=1&error=1&tty=1`. */
export function parseStreamRequest(url: URL, parts: string[]): StreamRequest {
  const kind = parts[0] as StreamRequest["kind"];
  const rest = parts.slice(1);
  const withContainer = kind !== "portForward";
  if (rest.length < (withContainer ? 3 : 2) || rest.length > (withContainer ? 4 : 3)) {
    throw new HttpError(
      400,
      `Cannot serve ${url.pathname}: expected /${kind}/<namespace>/<pod>${
        withContainer ? "/<container>" : ""
      }`,
    );
  }
  const [namespace, pod] = rest;
  const uid = withContainer ? (rest.length === 4 ? rest[2] : undefined) : rest[2];
  const q = url.searchParams;
  return {
    kind,
    namespace,
    pod,
    uid,
    container: withContainer ? rest[rest.length - 1] : undefined,
    command: [...q.getAll("command"), ...q.getAll("cmd")],
    stdin: yes(q.get("input")) || yes(q.get("stdin")),
    stdout: yes(q.get("output")) || yes(q.get("stdout")),
    stderr: yes(q.get("error")) || yes(q.get("stderr")),
    tty: yes(q.get("tty")),
    ports: q.getAll("port").concat(q.getAll("ports")).flatMap((p) => p.split(",")).filter(Boolean)
      .map(Number),
  };
}

export class StreamingHandler {
  readonly #o: StreamingOptions;
  readonly #wss = new WebSocketServer({
    noServer: true,
    handleProtocols: (protocols: Set<string>) => protocols.has(V5) ? V5 : false,
  });
  readonly #open = new Set<{ close(): void }>();

  constructor(options: StreamingOptions) {
    this.#o = options;
  }

  async #containerId(r: StreamRequest): Promise<string> {
    const pod = this.#o.findPod(r.namespace, r.pod, r.uid);
    const names = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])].map((c) =>
      c.name
    );
    if (!r.container || !names.includes(r.container)) {
      throw new HttpError(400, `container ${r.container ?? ""} is not valid for pod ${r.pod}`);
    }
    const runtime = await this.#o.view.pod(pod.metadata.uid!);
    const running = runtime.containers.find((c) =>
      c.name === r.container && c.state === "CONTAINER_RUNNING"
    );
    if (!running) throw new HttpError(404, `container not found ("${r.container}")`);
    return running.id;
  }

  async #sandboxId(r: StreamRequest): Promise<string> {
    const pod = this.#o.findPod(r.namespace, r.pod, r.uid);
    const runtime = await this.#o.view.pod(pod.metadata.uid!);
    const sandbox = runtime.sandboxes.find((s) => s.state === "SANDBOX_READY");
    if (!sandbox) throw new HttpError(404, `pod ${r.namespace}/${r.pod} has no running sandbox`);
    return sandbox.id;
  }

  /** The CRI streaming URL that serves this request. */
  async #criUrl(r: StreamRequest): Promise<string> {
    if (r.kind === "portForward") {
      return await this.#o.runtime.portForward(await this.#sandboxId(r), r.ports);
    }
    const containerId = await this.#containerId(r);
    if (r.kind === "attach") {
      return await this.#o.runtime.attach({
        containerId,
        stdin: r.stdin,
        stdout: r.stdout,
        stderr: r.stderr,
        tty: r.tty,
      });
    }
    if (!r.command.length) throw new HttpError(400, "you must specify at least 1 command");
    return await this.#o.runtime.exec({
      containerId,
      cmd: r.command,
      stdin: r.stdin,
      stdout: r.stdout,
      stderr: r.stderr,
      tty: r.tty,
    });
  }

  /** Plain (non-upgrade) requests: `/run`, and a refusal for the streaming paths. */
  async handleRequest(
    _req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    parts: string[],
  ): Promise<void> {
    if (parts[0] !== "run") {
      res.writeHead(400, { "content-type": "text/plain" });
      res.end("Upgrade request required");
      return;
    }
    const r = parseStreamRequest(url, ["exec", ...parts.slice(1)]);
    try {
      const id = await this.#containerId(r);
      if (!r.command.length) throw new HttpError(400, "you must specify at least 1 command");
      const out = await this.#o.runtime.execSync(id, r.command, 0);
      res.writeHead(200, { "content-type": "text/plain" });
      res.end(Buffer.concat([Buffer.from(out.stdout), Buffer.from(out.stderr)]));
    } catch (error) {
      respondError(res, error);
    }
  }

  /** Upgrade requests of `/exec`, `/attach` and `/portForward`. */
  async handleUpgrade(
    req: IncomingMessage,
    socket: Duplex,
    head: Uint8Array,
    url: URL,
    parts: string[],
  ): Promise<void> {
    let r: StreamRequest;
    let criUrl: string;
    try {
      r = parseStreamRequest(url, parts);
      criUrl = await this.#criUrl(r);
    } catch (error) {
      refuseUpgrade(socket, error);
      return;
    }
    const upgrade = String(req.headers.upgrade ?? "").toLowerCase();
    const offered = String(req.headers["sec-websocket-protocol"] ?? "").split(",").map((p) =>
      p.trim()
    );
    if (upgrade === "websocket" && r.kind !== "portForward" && offered.includes(V5)) {
      await this.#bridgeV5(req, socket, head, r, criUrl);
      return;
    }
    try {
      await proxyUpgrade(req, socket, head, { url: criUrl });
    } catch (error) {
      refuseUpgrade(
        socket,
        new HttpError(502, `Cannot reach the runtime's stream server: ${(error as Error).message}`),
      );
    }
  }

  async #bridgeV5(
    req: IncomingMessage,
    socket: Duplex,
    head: Uint8Array,
    r: StreamRequest,
    criUrl: string,
  ) {
    const channelOf = new Map<number, number>();
    let ws: WebSocket | undefined;
    let errorDone = false;
    const pending: Buffer[] = [];
    const sendWs = (frame: Buffer) => {
      if (ws?.readyState === 1) ws.send(frame);
      else pending.push(frame);
    };
    let spdy: SpdyClient;
    try {
      ({ client: spdy } = await SpdyClient.connect(criUrl, ["v4.channel.k8s.io"], {
        data: (id, data) => {
          const channel = channelOf.get(id);
          if (channel !== undefined) {
            sendWs(Buffer.concat([Buffer.from([channel]), Buffer.from(data)]));
          }
        },
        streamEnd: (id) => {
          if (channelOf.get(id) === CHANNEL_ERROR) {
            errorDone = true;
            setTimeout(() => ws?.close(1000), 10);
          }
        },
        close: () => {
          if (ws && ws.readyState === 1) ws.close(1000);
        },
      }));
    } catch (error) {
      refuseUpgrade(
        socket,
        new HttpError(502, `Cannot reach the runtime's stream server: ${(error as Error).message}`),
      );
      return;
    }
    const streams: Partial<Record<"stdin" | "resize", SpdyStream>> = {};
    const open = (type: string, channel?: number) => {
      const s = spdy.open({ streamtype: type });
      if (channel !== undefined) channelOf.set(s.id, channel);
      return s;
    };
    open("error", CHANNEL_ERROR);
    if (r.stdin) streams.stdin = open("stdin");
    if (r.stdout) open("stdout", CHANNEL_STDOUT);
    if (r.stderr && !r.tty) open("stderr", CHANNEL_STDERR);
    if (r.tty) streams.resize = open("resize");
    const entry = { close: () => spdy.close() };
    this.#open.add(entry);
    this.#wss.handleUpgrade(req, socket, Buffer.from(head), (conn) => {
      ws = conn;
      for (const frame of pending.splice(0)) conn.send(frame);
      if (errorDone) setTimeout(() => conn.close(1000), 10);
      conn.on("message", (data: Buffer, isBinary: boolean) => {
        const bytes = isBinary ? data : Buffer.from(data);
        if (!bytes.length) return;
        const channel = bytes[0];
        const payload = bytes.subarray(1);
        if (channel === CHANNEL_STDIN) streams.stdin?.write(payload);
        else if (channel === CHANNEL_RESIZE) streams.resize?.write(payload);
        else if (channel === CHANNEL_CLOSE && payload[0] === CHANNEL_STDIN) streams.stdin?.end();
      });
      conn.on("close", () => {
        spdy.close();
        this.#open.delete(entry);
      });
      conn.on("error", () => spdy.close());
    });
  }

  closeAll(): void {
    for (const e of this.#open) e.close();
    this.#open.clear();
    this.#wss.close();
  }
}

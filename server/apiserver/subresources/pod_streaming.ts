/**
 * The pod subresources the kubelet serves, proxied to it (upstream's `pods/log`, `pods/exec`,
 * `pods/attach`, `pods/portforward`): the API server checks the request as any other
 * (authentication, authorization, the pod and its container), then calls the kubelet of the
 * pod's node on its HTTPS port with the `client-kube-apiserver` certificate.
 *
 * `pods/log` streams the kubelet's `/containerLogs` answer back. The streaming subresources are
 * HTTP/1.1 upgrades: {@link attachStreamingUpgrades} hooks the listener's `upgrade` event, runs
 * the request through the API server with the socket set aside, and the handler here then
 * proxies the upgrade to the kubelet byte for byte (SPDY, and WebSocket `v5.channel.k8s.io`,
 * which the kubelet ends itself). kubectl 1.31+'s port-forward over WebSocket
 * (`SPDY/3.1+portforward.k8s.io`) is ended here: its binary messages carry a SPDY connection,
 * which goes on to the kubelet as a plain SPDY upgrade.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import type { IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import type { EventEmitter } from "node:events";
import type { Duplex } from "node:stream";
import { connect as tlsConnect, type TLSSocket } from "node:tls";
// @ts-types="npm:@types/ws@^8.5.0"
import type { WebSocketServer } from "ws";
import { badRequest, notFound, StatusError } from "../../../kube/errors.ts";
import type { KubeObject } from "../../../kube/meta.ts";
import { tlsUser } from "../../pki/tls_identity.ts";
import type { ApiServer } from "../app.ts";
import { NODES, type ObjectLookup, PODS } from "../authn/lookup.ts";
import type { RequestContext } from "../context.ts";
import type { SubresourceHandler } from "../rest.ts";

export interface PodStreamingOptions {
  lookup: ObjectLookup;
  /** The `client-kube-apiserver` certificate and key, and the CA kubelet certificates chain to. */
  kubeletClient: { certPem: string; keyPem: string; caPem: string };
}

interface PendingUpgrade {
  socket: Duplex;
  head: Uint8Array;
  req: IncomingMessage;
  claimed: boolean;
}

/** Upgrade requests in flight, by the web `Request` the API server sees. */
type Upgrades = WeakMap<Request, PendingUpgrade>;

export const PORTFORWARD_TUNNEL = "SPDY/3.1+portforward.k8s.io";

interface PodSpecLike {
  nodeName?: string;
  containers?: { name: string }[];
  initContainers?: { name: string }[];
  ephemeralContainers?: { name: string }[];
}

interface Kubelet {
  host: string;
  port: number;
}

async function podOf(opts: PodStreamingOptions, ctx: RequestContext): Promise<KubeObject> {
  const pod = await opts.lookup.get(PODS, ctx.info.namespace, ctx.info.name);
  if (!pod) throw notFound({ group: "", resource: "pods" }, ctx.info.name);
  return pod;
}

async function kubeletOf(opts: PodStreamingOptions, pod: KubeObject): Promise<Kubelet> {
  const nodeName = (pod.spec as PodSpecLike | undefined)?.nodeName;
  if (!nodeName) throw badRequest(`pod ${pod.metadata.name} does not have a host assigned`);
  const node = await opts.lookup.get(NODES, "", nodeName);
  if (!node) throw notFound({ group: "", resource: "nodes" }, nodeName);
  const status = node.status as {
    addresses?: { type: string; address: string }[];
    daemonEndpoints?: { kubeletEndpoint?: { Port?: number } };
  } | undefined;
  const addresses = status?.addresses ?? [];
  const host = addresses.find((a) => a.type === "InternalIP")?.address ??
    addresses.find((a) => a.type === "ExternalIP")?.address ??
    addresses.find((a) => a.type === "Hostname")?.address ?? nodeName;
  return { host, port: status?.daemonEndpoints?.kubeletEndpoint?.Port || 10250 };
}

/** The container a request names, or the pod's only one (upstream's messages otherwise). */
function containerOf(pod: KubeObject, requested: string | null): string {
  const spec = (pod.spec ?? {}) as PodSpecLike;
  const regular = (spec.containers ?? []).map((c) => c.name);
  const init = (spec.initContainers ?? []).map((c) => c.name);
  const ephemeral = (spec.ephemeralContainers ?? []).map((c) => c.name);
  const name = pod.metadata.name;
  if (!requested) {
    if (regular.length === 1) return regular[0];
    let message = `a container name must be specified for pod ${name}, choose one of: [${
      regular.join(" ")
    }]`;
    if (init.length) message += ` or one of the init containers: [${init.join(" ")}]`;
    throw badRequest(message);
  }
  if (![...regular, ...init, ...ephemeral].includes(requested)) {
    throw badRequest(`container ${requested} is not valid for pod ${name}`);
  }
  return requested;
}

function hostPort(k: Kubelet): string {
  return k.host.includes(":") ? `[${k.host}]:${k.port}` : `${k.host}:${k.port}`;
}

function path(...parts: string[]): string {
  return `/${parts.map(encodeURIComponent).join("/")}`;
}

const truthy = (v: string | null) => v === "true" || v === "1" || v === "True";

/** The kubelet path and query of a streaming subresource request. */
function kubeletPath(
  kind: "exec" | "attach" | "portforward",
  pod: KubeObject,
  q: URLSearchParams,
): string {
  const ns = pod.metadata.namespace!;
  const name = pod.metadata.name!;
  if (kind === "portforward") {
    const ports = q.getAll("ports");
    return path("portForward", ns, name) +
      (ports.length ? `?${ports.map((p) => `port=${encodeURIComponent(p)}`).join("&")}` : "");
  }
  const container = containerOf(pod, q.get("container"));
  const out = new URLSearchParams();
  if (kind === "exec") {
    const command = q.getAll("command");
    if (!command.length) throw badRequest("you must specify at least 1 command");
    for (const c of command) out.append("command", c);
  }
  if (truthy(q.get("stdin"))) out.set("input", "1");
  if (truthy(q.get("stdout"))) out.set("output", "1");
  if (truthy(q.get("stderr"))) out.set("error", "1");
  if (truthy(q.get("tty"))) out.set("tty", "1");
  return `${path(kind, ns, name, container)}?${out}`;
}

function connectKubelet(opts: PodStreamingOptions, k: Kubelet): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({
      host: k.host,
      port: k.port,
      ca: opts.kubeletClient.caPem,
      cert: opts.kubeletClient.certPem,
      key: opts.kubeletClient.keyPem,
      servername: /^[\d.]+$/.test(k.host) || k.host.includes(":") ? undefined : k.host,
    });
    socket.once("error", reject);
    socket.once("secureConnect", () => {
      socket.off("error", reject);
      resolve(socket);
    });
  });
}

/** Forwarded request headers of an upgrade (the client's own credentials stay here). */
function upgradeHeaders(req: IncomingMessage): string[] {
  const drop = new Set([
    "host",
    "authorization",
    "content-length",
    "transfer-encoding",
    "impersonate-user",
    "impersonate-group",
  ]);
  const out: string[] = [];
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    if (!drop.has(req.rawHeaders[i].toLowerCase())) {
      out.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
    }
  }
  return out;
}

function pipeBoth(a: Duplex, b: Duplex): void {
  a.pipe(b);
  b.pipe(a);
  const close = () => {
    a.destroy();
    b.destroy();
  };
  for (const s of [a, b]) {
    s.on("error", close);
    s.on("close", close);
  }
}

function streaming(
  opts: PodStreamingOptions,
  upgrades: Upgrades,
  tunnels: Tunnels,
  kind: "exec" | "attach" | "portforward",
): SubresourceHandler {
  return async (ctx) => {
    const pending = upgrades.get(ctx.req);
    if (!pending) throw badRequest("Upgrade request required");
    const pod = await podOf(opts, ctx);
    const kubelet = await kubeletOf(opts, pod);
    const target = kubeletPath(kind, pod, ctx.url.searchParams);
    const offered = String(pending.req.headers["sec-websocket-protocol"] ?? "").split(",").map((
      s,
    ) => s.trim());
    const tunnel = kind === "portforward" && offered.includes(PORTFORWARD_TUNNEL);
    const wss = tunnel ? await tunnels() : undefined;
    const upstream = await connectKubelet(opts, kubelet);
    pending.claimed = true;
    if (wss) {
      tunnelPortForward(wss, pending, upstream, kubelet, target);
    } else {
      const request = [
        `${pending.req.method ?? "GET"} ${target} HTTP/1.1`,
        `Host: ${hostPort(kubelet)}`,
        ...upgradeHeaders(pending.req),
      ];
      upstream.write(`${request.join("\r\n")}\r\n\r\n`);
      if (pending.head.length) upstream.write(pending.head);
      pipeBoth(pending.socket, upstream);
    }
    return new Response(null, { status: 200 });
  };
}

/** The WebSocket server of port-forward tunnels, made (and `ws` loaded) on first use. */
type Tunnels = () => Promise<WebSocketServer>;

function tunnelServer(): Tunnels {
  let server: Promise<WebSocketServer> | undefined;
  return () =>
    server ??= import("ws").then(({ WebSocketServer }) =>
      new WebSocketServer({
        noServer: true,
        handleProtocols: (protocols: Set<string>) =>
          protocols.has(PORTFORWARD_TUNNEL) ? PORTFORWARD_TUNNEL : false,
      })
    );
}

/** kubectl's SPDY-over-WebSocket port-forward: SPDY to the kubelet, its bytes in ws messages. */
function tunnelPortForward(
  tunnels: WebSocketServer,
  pending: PendingUpgrade,
  upstream: TLSSocket,
  kubelet: Kubelet,
  target: string,
) {
  const request = [
    `POST ${target} HTTP/1.1`,
    `Host: ${hostPort(kubelet)}`,
    "Connection: Upgrade",
    "Upgrade: SPDY/3.1",
    "X-Stream-Protocol-Version: portforward.k8s.io",
    "Content-Length: 0",
  ];
  upstream.write(`${request.join("\r\n")}\r\n\r\n`);
  let head = Buffer.alloc(0);
  const onData = (chunk: Buffer) => {
    head = Buffer.concat([head, chunk]);
    const end = head.indexOf("\r\n\r\n");
    if (end < 0) return;
    upstream.off("data", onData);
    upstream.pause();
    const status = head.subarray(0, end).toString("latin1");
    if (!/^HTTP\/1\.[01] 101/.test(status)) {
      const body = head.subarray(end + 4).toString() || status.split("\r\n")[0];
      pending.socket.end(
        `HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/plain\r\nContent-Length: ${
          Buffer.byteLength(body)
        }\r\nConnection: close\r\n\r\n${body}`,
      );
      upstream.destroy();
      return;
    }
    const rest = head.subarray(end + 4);
    tunnels.handleUpgrade(pending.req, pending.socket, Buffer.from(pending.head), (ws) => {
      if (rest.length) ws.send(rest);
      upstream.on("data", (chunk: Buffer) => ws.send(chunk));
      upstream.resume();
      ws.on("message", (data: Buffer) => upstream.write(data));
      ws.on("close", () => upstream.destroy());
      ws.on("error", () => upstream.destroy());
      upstream.on("close", () => ws.close());
      upstream.on("error", () => ws.terminate());
    });
  };
  upstream.on("data", onData);
  upstream.on("error", () => pending.socket.destroy());
}

/** `pods/log`: the kubelet's `/containerLogs` answer, streamed. */
function logs(opts: PodStreamingOptions): SubresourceHandler {
  return async (ctx) => {
    if (ctx.info.verb !== "get") {
      throw new StatusError(
        405,
        "MethodNotAllowed",
        "the server does not allow this method on the requested resource",
      );
    }
    const pod = await podOf(opts, ctx);
    const q = ctx.url.searchParams;
    const container = containerOf(pod, q.get("container"));
    const kubelet = await kubeletOf(opts, pod);
    const out = new URLSearchParams();
    for (const name of ["follow", "previous", "timestamps"]) {
      if (truthy(q.get(name))) out.set(name, "true");
    }
    for (const name of ["sinceSeconds", "sinceTime", "tailLines", "limitBytes", "stream"]) {
      const v = q.get(name);
      if (v !== null && v !== "") out.set(name, v);
    }
    const target = `${
      path("containerLogs", pod.metadata.namespace!, pod.metadata.name!, container)
    }?${out}`;
    return await new Promise<Response>((resolve, reject) => {
      const req = httpsRequest({
        host: kubelet.host,
        port: kubelet.port,
        path: target,
        method: "GET",
        ca: opts.kubeletClient.caPem,
        cert: opts.kubeletClient.certPem,
        key: opts.kubeletClient.keyPem,
        signal: ctx.signal,
      }, (res) => {
        const status = res.statusCode ?? 500;
        if (status !== 200) {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => {
            const message = Buffer.concat(chunks).toString().trim() ||
              `the kubelet answered ${status}`;
            reject(
              status === 404
                ? new StatusError(404, "NotFound", message)
                : status === 400
                ? badRequest(message)
                : new StatusError(500, "InternalError", message),
            );
          });
          return;
        }
        const body = new ReadableStream<Uint8Array>({
          start(controller) {
            res.on("data", (c: Buffer) => controller.enqueue(new Uint8Array(c)));
            res.on("end", () => controller.close());
            res.on("error", (e) => controller.error(e));
          },
          cancel() {
            res.destroy();
          },
        });
        resolve(new Response(body, { status: 200, headers: { "content-type": "text/plain" } }));
      });
      req.on(
        "error",
        (e) =>
          reject(
            new StatusError(
              500,
              "InternalError",
              `Get "https://${hostPort(kubelet)}${target}": ${e.message}`,
            ),
          ),
      );
      req.end();
    });
  };
}

/** The pod streaming subresources and the upgrade hook that feeds them. */
export interface PodStreaming {
  /** The handlers, keyed as the API server's `subresources` option wants them. */
  subresources: Record<string, SubresourceHandler>;
  /**
   * Serves HTTP/1.1 upgrade requests of the listener through the API server: the request
   * passes authentication, authorization and the subresource handler like any other; a
   * handler that takes over the socket answers through it, anything else is written back as
   * an HTTP answer.
   */
  attach(server: EventEmitter, api: ApiServer): void;
}

export function podStreaming(opts: PodStreamingOptions): PodStreaming {
  const upgrades: Upgrades = new WeakMap();
  const tunnels = tunnelServer();
  return {
    subresources: {
      "/pods/log": logs(opts),
      "/pods/exec": streaming(opts, upgrades, tunnels, "exec"),
      "/pods/attach": streaming(opts, upgrades, tunnels, "attach"),
      "/pods/portforward": streaming(opts, upgrades, tunnels, "portforward"),
    },
    attach: (server, api) => attachUpgrades(server, api, upgrades),
  };
}

function attachUpgrades(server: EventEmitter, api: ApiServer, upgrades: Upgrades): void {
  server.on("upgrade", async (req: IncomingMessage, socket: Duplex, head: Uint8Array) => {
    socket.on("error", () => socket.destroy());
    const headers = new Headers();
    for (const [k, v] of Object.entries(req.headers)) {
      if (v === undefined) continue;
      if (Array.isArray(v)) { for (const x of v) headers.append(k, x); }
      else headers.set(k, v);
    }
    const request = new Request(`https://${req.headers.host ?? "localhost"}${req.url}`, {
      method: req.method,
      headers,
    });
    const pending: PendingUpgrade = { socket, head, req, claimed: false };
    upgrades.set(request, pending);
    const conn = {
      certUser: tlsUser(req.socket as unknown as Parameters<typeof tlsUser>[0]),
      remoteAddr: req.socket.remoteAddress ?? "",
    };
    const response = await api.handle(request, conn);
    upgrades.delete(request);
    if (pending.claimed || socket.destroyed) return;
    const body = Buffer.from(await response.arrayBuffer());
    const lines = [`HTTP/1.1 ${response.status} ${response.statusText || "Error"}`];
    response.headers.forEach((value, key) => lines.push(`${key}: ${value}`));
    lines.push(`content-length: ${body.length}`, "connection: close");
    socket.end(Buffer.concat([Buffer.from(`${lines.join("\r\n")}\r\n\r\n`), body]));
  });
}

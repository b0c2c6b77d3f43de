/**
 * The HTTPS listener, asking for (not requiring) client certificates. Turns each request into a
 * web `Request` for {@link ApiServer} and streams the `Response` back. The certificate user comes
 * only from a TLS-verified peer (see pki).
 *
 * HTTP/1.1 (`node:https`) by default: Deno 2.9's HTTP/2 server (nghttp2) aborts the whole process
 * with an assertion (`find_stream_on_goaway_func`) when a client closes a connection carrying many
 * open streams, which no JavaScript can catch. `http2: true` serves HTTP/2 with HTTP/1.1 fallback
 * on the same port for when that is fixed; clients negotiate by ALPN either way.
 *
 * @module
 */
import http2 from "node:http2";
import https from "node:https";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";
import { tlsUser } from "../pki/tls_identity.ts";
import type { ConnInfo } from "./app.ts";

export interface ListenOptions {
  host: string;
  port: number;
  certPem: string;
  keyPem: string;
  /** CA bundle that client certificates must chain to. */
  clientCaPem: string;
  /** Serve HTTP/2 too (see the module note). */
  http2?: boolean;
}

export type Handler = (req: Request, conn: ConnInfo, signal: AbortSignal) => Promise<Response>;

export interface Listener {
  port: number;
  close(): Promise<void>;
  /** The underlying server, for `upgrade` (WebSocket) handlers. */
  server: http2.Http2SecureServer | https.Server;
}

type NodeReq = http2.Http2ServerRequest;
type NodeRes = http2.Http2ServerResponse;

export async function listen(opts: ListenOptions, handler: Handler): Promise<Listener> {
  const tls = {
    cert: opts.certPem,
    key: opts.keyPem,
    ca: opts.clientCaPem,
    requestCert: true,
    rejectUnauthorized: false,
  };
  const users: Users = new WeakMap();
  const server = opts.http2
    ? http2.createSecureServer({ allowHTTP1: true, ...tls })
    : https.createServer({ ...tls, keepAliveTimeout: 60_000 });
  server.on("request", (req: NodeReq, res: NodeRes) => {
    serve(req, res, handler, users).catch((err) => {
      console.error(`apiserver: response failed: ${(err as Error).message}`);
      try {
        res.destroy();
      } catch { /* already gone */ }
    });
  });
  server.on("sessionError", () => {});
  server.on("tlsClientError", () => {});
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Open watch streams would keep the server alive.
        (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
      }),
  };
}

async function serve(
  req: NodeReq,
  res: NodeRes,
  handler: Handler,
  users: Users,
): Promise<void> {
  const abort = new AbortController();
  res.on("close", () => abort.abort());
  const headers = new Headers();
  for (const [k, v] of Object.entries(req.headers)) {
    if (k.startsWith(":") || v === undefined) continue;
    if (Array.isArray(v)) { for (const x of v) headers.append(k, x); }
    else headers.set(k, v);
  }
  const authority = req.headers[":authority"] ?? req.headers.host ?? "localhost";
  const method = req.method ?? "GET";
  const hasBody = method !== "GET" && method !== "HEAD";
  const request = new Request(`https://${authority}${req.url}`, {
    method,
    headers,
    body: hasBody
      ? (Readable.toWeb(req as unknown as Readable) as ReadableStream<Uint8Array>)
      : null,
    // @ts-ignore: duplex is required for streaming bodies and missing from the lib types.
    duplex: "half",
  });
  const conn: ConnInfo = {
    certUser: socketUser(users, req.socket),
    remoteAddr: req.socket?.remoteAddress ?? "",
  };
  const response = await handler(request, conn, abort.signal);
  const out: Record<string, string | string[]> = {};
  response.headers.forEach((value, key) => {
    if (key === "warning") return;
    out[key] = value;
  });
  const warnings = response.headers.get("warning");
  if (warnings) out["warning"] = splitWarnings(warnings);
  // A request body left unread (refused as too large) is drained, within bounds, so the client
  // can finish sending and read the answer; an HTTP/1.1 connection is then closed, as Go's
  // server does, since its framing can no longer be trusted.
  if (hasBody && !req.readableEnded) {
    await drain(req);
    if (req.httpVersionMajor === 1) out["connection"] = "close";
  }
  // A chunked response (a watch) may wait long for its first chunk; its headers go out at once,
  // as upstream's watch handler flushes them: kubectl 1.27's `rollout status` handles no event,
  // not even the list's before it, until its watch answers. HTTP/2 frames the body itself.
  const streaming = out["transfer-encoding"] === "chunked";
  if (req.httpVersionMajor >= 2) delete out["transfer-encoding"];
  res.writeHead(response.status, out);
  if (streaming) (res as unknown as { flushHeaders?: () => void }).flushHeaders?.();
  if (!response.body || method === "HEAD") {
    res.end();
    return;
  }
  const reader = response.body.getReader();
  abort.signal.addEventListener("abort", () => reader.cancel().catch(() => {}), { once: true });
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (!res.write(value)) {
        await new Promise<void>((resolve) => {
          res.once("drain", resolve);
          res.once("close", resolve);
        });
      }
    }
  } finally {
    if (!res.writableEnded) res.end();
  }
}

type Users = WeakMap<object, ReturnType<typeof tlsUser>>;

/** The certificate user of a connection, read once per socket (it cannot change). */
function socketUser(users: Users, socket: NodeReq["socket"] | undefined) {
  if (!socket) return null;
  if (users.has(socket)) return users.get(socket)!;
  const user = tlsUser(socket as unknown as Parameters<typeof tlsUser>[0]);
  users.set(socket, user);
  return user;
}

/** Reads and drops what is left of a request body: at most 64 MiB and 5 seconds. */
function drain(req: NodeReq): Promise<void> {
  return new Promise((resolve) => {
    let left = 64 * 1024 * 1024;
    const done = () => {
      clearTimeout(timer);
      req.off("data", onData);
      resolve();
    };
    const onData = (chunk: Uint8Array) => {
      left -= chunk.byteLength;
      if (left < 0) done();
    };
    const timer = setTimeout(done, 5_000);
    req.on("data", onData);
    req.once("end", done);
    req.once("error", done);
    req.resume();
  });
}

/** Headers joins repeated values with ", "; each warning is a quoted 299 entry. */
function splitWarnings(joined: string): string[] {
  return joined.split(/,\s*(?=299 )/);
}

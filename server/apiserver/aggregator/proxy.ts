/**
 * Requests to an extension API server: TLS to the backend verified with the APIService's
 * `caBundle` (for the name `<service>.<namespace>.svc`) unless `insecureSkipTLSVerify`, the
 * front-proxy client certificate, and the already authenticated user in the request-header
 * headers (`X-Remote-User`, `X-Remote-Group`, `X-Remote-Extra-*`). Responses stream through, so
 * a watch passes as it is.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from "node:http";
import { request } from "node:https";
import { Readable } from "node:stream";
import type { UserInfo } from "../resource.ts";
import type { BackendTarget } from "./endpoints.ts";

/** How to talk TLS to a backend. */
export interface BackendTls {
  /** PEM CA bundle for the serving certificate; none with `insecure`. */
  caPem?: string;
  insecure: boolean;
  /** The front-proxy client certificate (signed by the request-header CA). */
  certPem: string;
  keyPem: string;
}

/** One request to a backend. */
export interface BackendRequest {
  method: string;
  /** Path and query. */
  path: string;
  headers?: OutgoingHttpHeaders;
  body?: Uint8Array;
  /** The user the backend is told about; none for the aggregator's own checks. */
  user?: UserInfo;
  signal?: AbortSignal;
  timeoutMs?: number;
}

/** Request headers never passed on: credentials, impersonation, hop-by-hop, identity headers. */
const DROPPED =
  /^(authorization|impersonate-.*|x-remote-.*|host|connection|keep-alive|proxy-.*|te|trailer|transfer-encoding|upgrade)$/i;
/** Response headers that belong to the backend connection. */
const HOP_BY_HOP = /^(connection|keep-alive|proxy-.*|te|trailer|transfer-encoding|upgrade)$/i;

/** The request-header identity headers for `user`. */
export function identityHeaders(user: UserInfo): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = { "x-remote-user": user.name };
  if (user.groups.length) out["x-remote-group"] = [...user.groups];
  for (const [key, values] of Object.entries(user.extra ?? {})) {
    out[`x-remote-extra-${encodeURIComponent(key)}`] = [...values];
  }
  return out;
}

/** The headers of a client request that may go on to a backend. */
export function forwardedHeaders(headers: Headers): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  headers.forEach((value, key) => {
    if (!DROPPED.test(key)) out[key] = value;
  });
  return out;
}

/** Sends one request; resolves with the backend's answer, its body streaming. */
export function backendRequest(
  target: BackendTarget,
  tls: BackendTls,
  req: BackendRequest,
): Promise<Response> {
  return new Promise((resolve, reject) => {
    const headers: OutgoingHttpHeaders = { ...req.headers };
    if (req.user) Object.assign(headers, identityHeaders(req.user));
    if (req.body) headers["content-length"] = String(req.body.byteLength);
    const out = request({
      host: target.host,
      port: target.port,
      method: req.method,
      path: req.path,
      headers,
      servername: target.serverName,
      ca: tls.caPem,
      rejectUnauthorized: !tls.insecure,
      cert: tls.certPem,
      key: tls.keyPem,
      agent: false,
      timeout: req.timeoutMs,
      signal: req.signal,
    }, (res) => {
      const body = res.statusCode === 204 || res.statusCode === 304 || req.method === "HEAD"
        ? null
        : Readable.toWeb(res) as ReadableStream<Uint8Array>;
      if (!body) res.resume();
      resolve(
        new Response(body, {
          status: res.statusCode ?? 502,
          headers: responseHeaders(res.headers),
        }),
      );
    });
    out.on("timeout", () => out.destroy(new Error(`no answer in ${req.timeoutMs} ms`)));
    out.on("error", reject);
    out.end(req.body ? Buffer.from(req.body) : undefined);
  });
}

function responseHeaders(headers: IncomingHttpHeaders): Headers {
  const out = new Headers();
  for (const [key, value] of Object.entries(headers)) {
    if (value === undefined || HOP_BY_HOP.test(key)) continue;
    if (Array.isArray(value)) { for (const v of value) out.append(key, v); }
    else out.set(key, String(value));
  }
  return out;
}

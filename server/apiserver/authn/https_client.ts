/**
 * One HTTP(S) request with the credentials of a kubeconfig (CA, client certificate, bearer
 * token or basic auth): what the token webhook and `k3s token` need from a Kubernetes client.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import type { KubeconfigContext } from "../../../kube/kubeconfig.ts";

export interface HttpResult {
  status: number;
  body: string;
}

export interface RequestOptions {
  /** JSON-encoded when not a string. */
  body?: unknown;
  contentType?: string;
  timeoutMs?: number;
}

/** Where to send requests and how to authenticate: the parts of a kubeconfig that matter. */
export type Target = Pick<
  KubeconfigContext,
  | "server"
  | "caPem"
  | "certPem"
  | "keyPem"
  | "token"
  | "username"
  | "password"
  | "insecureSkipTlsVerify"
  | "tlsServerName"
>;

/**
 * Sends `method url` (`url` absolute, or a path resolved against `target.server`'s origin and
 * path) and resolves to the status and body text; rejects only when no answer came.
 */
export function requestWith(
  target: Target,
  method: string,
  url: string,
  opts: RequestOptions = {},
): Promise<HttpResult> {
  const base = new URL(target.server);
  const full = /^https?:\/\//.test(url)
    ? new URL(url)
    : new URL(base.pathname.replace(/\/$/, "") + url, base.origin);
  const headers: Record<string, string> = { accept: "application/json" };
  if (target.token) headers.authorization = `Bearer ${target.token}`;
  else if (target.username !== undefined) {
    const pair = `${target.username}:${target.password ?? ""}`;
    headers.authorization = `Basic ${Buffer.from(pair).toString("base64")}`;
  }
  let payload: string | undefined;
  if (opts.body !== undefined) {
    payload = typeof opts.body === "string" ? opts.body : JSON.stringify(opts.body);
    headers["content-type"] = opts.contentType ?? "application/json";
    headers["content-length"] = String(Buffer.byteLength(payload));
  }
  const send = full.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(full, {
      method,
      headers,
      ca: target.caPem,
      cert: target.certPem,
      key: target.keyPem,
      servername: target.tlsServerName,
      rejectUnauthorized: !target.insecureSkipTlsVerify,
      agent: false,
      timeout: opts.timeoutMs ?? 30_000,
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("error", reject);
      res.on(
        "end",
        () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }),
      );
    });
    req.on("timeout", () => req.destroy(new Error(`request to ${full.origin} timed out`)));
    req.on("error", reject);
    req.end(payload);
  });
}

/**
 * The actions probes and lifecycle hooks run: `exec` in the container (through CRI ExecSync),
 * `httpGet` to the pod's IP (or `host`), `tcpSocket` to a port, and `sleep` (hooks). Each
 * returns success or failure with the message upstream shows in events.
 *
 * @module
 */
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { connect } from "node:net";
import type { Container } from "../../kube/client/types.ts";
import type { RuntimeService } from "../../cri/service.ts";
import { grpcHealthCheck } from "./grpc_health.ts";

export interface Handler {
  exec?: { command?: string[] };
  httpGet?: {
    path?: string;
    port: number | string;
    host?: string;
    scheme?: string;
    httpHeaders?: { name: string; value: string }[];
  };
  tcpSocket?: { port: number | string; host?: string };
  grpc?: { port: number; service?: string };
  sleep?: { seconds: number };
}

export interface HandlerResult {
  ok: boolean;
  /** Output or error text (for events). */
  output: string;
}

export interface HandlerTarget {
  runtime: RuntimeService;
  containerId: string;
  container: Container;
  /** The pod's IP (the node's for host-network pods). */
  podIp?: string;
  signal?: AbortSignal;
}

/** A named or numbered port of the container. */
export function resolvePort(container: Container, port: number | string): number {
  if (typeof port === "number") return port;
  if (/^\d+$/.test(port)) return Number(port);
  const named = container.ports?.find((p) => p.name === port);
  if (!named) throw new Error(`couldn't find port ${port} in the container's ports`);
  return named.containerPort;
}

const decoder = new TextDecoder();

/** Runs one handler with a timeout in seconds. */
export async function runHandler(
  handler: Handler,
  target: HandlerTarget,
  timeoutSeconds: number,
): Promise<HandlerResult> {
  try {
    if (handler.exec) {
      const res = await target.runtime.execSync(
        target.containerId,
        handler.exec.command ?? [],
        timeoutSeconds,
        { timeoutMs: (timeoutSeconds + 5) * 1000 },
      );
      const output = decoder.decode(res.stdout) + decoder.decode(res.stderr);
      if (res.exitCode === 0) return { ok: true, output };
      return {
        ok: false,
        output: output.trim()
          ? output
          : `command ${JSON.stringify(handler.exec.command)} exited with ${res.exitCode}`,
      };
    }
    if (handler.httpGet) return await httpGet(handler.httpGet, target, timeoutSeconds);
    if (handler.tcpSocket) {
      const host = handler.tcpSocket.host || target.podIp || "127.0.0.1";
      const port = resolvePort(target.container, handler.tcpSocket.port);
      return await tcpCheck(host, port, timeoutSeconds);
    }
    if (handler.grpc) {
      const host = target.podIp || "127.0.0.1";
      return await grpcHealthCheck(
        host,
        handler.grpc.port,
        handler.grpc.service ?? "",
        timeoutSeconds,
      );
    }
    if (handler.sleep) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, handler.sleep!.seconds * 1000);
        target.signal?.addEventListener("abort", () => {
          clearTimeout(timer);
          resolve();
        }, { once: true });
      });
      return { ok: true, output: "" };
    }
    return { ok: false, output: "the handler has no action" };
  } catch (error) {
    return { ok: false, output: (error as Error).message };
  }
}

function httpGet(
  get: NonNullable<Handler["httpGet"]>,
  target: HandlerTarget,
  timeoutSeconds: number,
): Promise<HandlerResult> {
  const host = get.host || target.podIp || "127.0.0.1";
  const port = resolvePort(target.container, get.port);
  const scheme = (get.scheme ?? "HTTP").toLowerCase();
  let path = get.path ?? "/";
  if (!path.startsWith("/")) path = `/${path}`;
  const url = `${scheme}://${host.includes(":") ? `[${host}]` : host}:${port}${path}`;
  const headers: Record<string, string> = { "user-agent": "kube-probe/1.33", accept: "*/*" };
  for (const h of get.httpHeaders ?? []) headers[h.name.toLowerCase()] = h.value;
  return new Promise((resolve) => {
    const send = scheme === "https" ? httpsRequest : httpRequest;
    const req = send(url, { method: "GET", headers, rejectUnauthorized: false }, (res) => {
      let body = "";
      res.on("data", (c: Uint8Array) => {
        if (body.length < 10_240) body += decoder.decode(c);
      });
      res.on("end", () => {
        const code = res.statusCode ?? 0;
        if (code >= 200 && code < 400) resolve({ ok: true, output: body });
        else resolve({ ok: false, output: `HTTP probe failed with statuscode: ${code}` });
      });
      res.on("error", (e) => resolve({ ok: false, output: e.message }));
    });
    req.setTimeout(timeoutSeconds * 1000, () => {
      req.destroy(
        new Error(
          `Get "${url}": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`,
        ),
      );
    });
    req.on("error", (e: NodeJS.ErrnoException) => {
      const reason = e.code === "ECONNREFUSED"
        ? `dial tcp ${host}:${port}: connect: connection refused`
        : e.message;
      resolve({
        ok: false,
        output: reason.startsWith("Get ") ? reason : `Get "${url}": ${reason}`,
      });
    });
    req.end();
  });
}

function tcpCheck(host: string, port: number, timeoutSeconds: number): Promise<HandlerResult> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ ok: false, output: `dial tcp ${host}:${port}: i/o timeout` });
    }, timeoutSeconds * 1000);
    socket.once("connect", () => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ ok: true, output: "" });
    });
    socket.once("error", (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve({
        ok: false,
        output: e.code === "ECONNREFUSED"
          ? `dial tcp ${host}:${port}: connect: connection refused`
          : `dial tcp ${host}:${port}: ${e.message}`,
      });
    });
  });
}

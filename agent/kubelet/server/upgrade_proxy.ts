/**
 * Hands an HTTP/1.1 upgrade request on to another server and then copies bytes both ways, as
 * upstream's upgrade-aware proxy does: the request line and headers are rewritten for the
 * target, the target's `101` answer and everything after it reach the client unchanged.
 *
 * @module
 */
import type { IncomingMessage } from "node:http";
import { connect as netConnect, type Socket } from "node:net";
import type { Duplex } from "node:stream";
import { connect as tlsConnect, type ConnectionOptions } from "node:tls";

/** Headers that describe the client's connection to us, not the request. */
const DROP = new Set([
  "host",
  "authorization",
  "content-length",
  "transfer-encoding",
  "proxy-authorization",
]);

/** The raw header lines of `req` minus the dropped ones, plus `extra`. */
export function forwardedHeaders(
  req: IncomingMessage,
  extra: Record<string, string> = {},
): string[] {
  const lines: string[] = [];
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    if (DROP.has(raw[i].toLowerCase()) || raw[i].toLowerCase() in extra) continue;
    lines.push(`${raw[i]}: ${raw[i + 1]}`);
  }
  for (const [k, v] of Object.entries(extra)) lines.push(`${k}: ${v}`);
  return lines;
}

export interface ProxyTarget {
  /** `http://host:port/path?query` or `https://…`. */
  url: string;
  method?: string;
  /** TLS options for an `https` target (CA, client certificate). */
  tls?: ConnectionOptions;
  /** Header lines to send (default: the client's, forwarded). */
  headers?: string[];
}

/** Opens a connection to `target` and writes the upgrade request; resolves once connected. */
export function openUpgrade(req: IncomingMessage, target: ProxyTarget): Promise<Socket> {
  const url = new URL(target.url);
  const port = Number(url.port || (url.protocol === "https:" ? 443 : 80));
  return new Promise((resolve, reject) => {
    const socket: Socket = url.protocol === "https:"
      ? tlsConnect({
        host: url.hostname,
        port,
        servername: isIp(url.hostname) ? undefined : url.hostname,
        ...target.tls,
      })
      : netConnect({ host: url.hostname, port });
    const ready = url.protocol === "https:" ? "secureConnect" : "connect";
    socket.once("error", reject);
    socket.once(ready, () => {
      socket.off("error", reject);
      const headers = target.headers ?? forwardedHeaders(req);
      const request = [
        `${target.method ?? req.method ?? "GET"} ${url.pathname}${url.search} HTTP/1.1`,
        `Host: ${url.host}`,
        ...headers,
      ];
      socket.write(`${request.join("\r\n")}\r\n\r\n`);
      resolve(socket);
    });
  });
}

function isIp(host: string): boolean {
  return /^[\d.]+$/.test(host) || host.includes(":");
}

/** Copies bytes both ways until either side closes. */
export function pipeBoth(client: Duplex, upstream: Duplex, head?: Uint8Array): void {
  if (head?.length) upstream.write(head);
  client.pipe(upstream);
  upstream.pipe(client);
  const close = () => {
    client.destroy();
    upstream.destroy();
  };
  client.on("error", close);
  upstream.on("error", close);
  client.on("close", close);
  upstream.on("close", close);
}

/** Proxies an upgrade request to `target` as described in the module doc. */
export async function proxyUpgrade(
  req: IncomingMessage,
  client: Duplex,
  head: Uint8Array,
  target: ProxyTarget,
): Promise<void> {
  const upstream = await openUpgrade(req, target);
  pipeBoth(client, upstream, head);
}

/**
 * The loopback {@link Transport}: the server's own clients (scheduler, controller manager and
 * its per-controller service accounts) call the API server's handler in the same process, with
 * no socket and no TLS, as kube-apiserver's loopback client reaches itself without leaving the
 * host. Each request still passes authentication, authorization, admission, flow control and
 * audit: a certificate identity is handed over as the verified certificate user a TLS
 * connection would carry, and bearer tokens travel in the `Authorization` header as usual.
 *
 * Nothing outside the process can reach this path, so the identity it asserts is as trusted as
 * the certificate files the same process holds.
 *
 * @module
 */
import { yieldToEventLoop } from "../../kube/client/event_loop.ts";
import { X509Certificate } from "node:crypto";
import {
  type StreamResponse,
  type Transport,
  TransportError,
  type TransportRequest,
  type TransportResponse,
} from "../../kube/client/mod.ts";
import type { ConnInfo } from "./app.ts";
import type { UserInfo } from "./resource.ts";

/** The API server's entry point, as the HTTPS listener calls it. */
export type LoopbackHandler = (
  req: Request,
  conn: ConnInfo,
  signal: AbortSignal,
) => Promise<Response>;

/** The user a client certificate names: CN is the user, each O a group. */
export function certificateUser(certPem: string): UserInfo {
  const subject = new X509Certificate(certPem).subject.split("\n");
  const field = (name: string) =>
    subject.filter((l) => l.startsWith(`${name}=`)).map((l) => l.slice(name.length + 1));
  const [name] = field("CN");
  if (!name) throw new Error("loopback: the client certificate has no common name");
  return { name, groups: field("O") };
}

/** Requests handed straight to the API server in this process. */
export class LoopbackTransport implements Transport {
  readonly #inflight = new Set<AbortController>();
  #closed = false;

  /**
   * @param handler the API server's handler
   * @param user the certificate identity of this client, or null when it sends a bearer token
   * @param userAgent the `User-Agent` its requests carry
   */
  constructor(
    readonly handler: LoopbackHandler,
    readonly user: UserInfo | null,
    readonly userAgent?: string,
  ) {}

  async #send(req: TransportRequest, timeoutMs: number): Promise<{
    res: Response;
    ac: AbortController;
    done: () => void;
  }> {
    if (this.#closed) throw new TransportError("Cannot send a request: the client is closed");
    const ac = new AbortController();
    const onAbort = () => ac.abort();
    if (req.signal?.aborted) {
      throw new TransportError(`${req.method} ${req.path} aborted`, "ABORTED");
    }
    req.signal?.addEventListener("abort", onAbort, { once: true });
    const timer = timeoutMs ? setTimeout(() => ac.abort(), timeoutMs) : undefined;
    this.#inflight.add(ac);
    const done = () => {
      req.signal?.removeEventListener("abort", onAbort);
      if (timer !== undefined) clearTimeout(timer);
      this.#inflight.delete(ac);
    };
    const headers = new Headers({ accept: "application/json", ...req.headers });
    if (this.userAgent && !headers.has("user-agent")) headers.set("user-agent", this.userAgent);
    const request = new Request(`https://loopback${req.path}`, {
      method: req.method,
      headers,
      body: req.body as BodyInit | undefined,
    });
    const conn: ConnInfo = { certUser: this.user, remoteAddr: "127.0.0.1" };
    try {
      // A read may be a list of thousands of objects, served without waiting on any I/O: it takes
      // its turn, so clients on sockets are not held back by a burst of them (the controllers'
      // first lists). Writes go on at once: they are small and wait on the datastore anyway.
      if (req.method === "GET") await yieldToEventLoop();
      const res = await this.handler(request, conn, ac.signal);
      return { res, ac, done };
    } catch (err) {
      done();
      throw new TransportError(`${req.method} ${req.path} failed: ${(err as Error).message}`);
    }
  }

  async request(req: TransportRequest): Promise<TransportResponse> {
    const { res, ac, done } = await this.#send(req, req.timeoutMs ?? 60_000);
    try {
      const body = await res.text();
      if (ac.signal.aborted) throw new Error("aborted");
      return { status: res.status, headers: flatHeaders(res.headers), body };
    } catch (err) {
      const why = req.signal?.aborted ? "aborted" : ac.signal.aborted ? "timed out" : "failed";
      throw new TransportError(
        `${req.method} ${req.path} ${why}: ${(err as Error).message}`,
        why === "timed out" ? "TIMEOUT" : why === "aborted" ? "ABORTED" : undefined,
      );
    } finally {
      done();
    }
  }

  async stream(req: TransportRequest): Promise<StreamResponse> {
    const { res, ac, done } = await this.#send(req, req.timeoutMs ?? 0);
    const body = res.body;
    const close = () => {
      ac.abort();
      done();
    };
    async function* chunks(): AsyncIterable<string> {
      if (!body) return;
      const reader = body.getReader();
      const decoder = new TextDecoder();
      const cancel = () => reader.cancel().catch(() => {});
      ac.signal.addEventListener("abort", cancel, { once: true });
      try {
        for (;;) {
          let next: ReadableStreamReadResult<Uint8Array>;
          try {
            next = await reader.read();
          } catch (err) {
            if (ac.signal.aborted) return;
            throw new TransportError(`${req.method} ${req.path} broke: ${(err as Error).message}`);
          }
          if (next.done || ac.signal.aborted) return;
          yield decoder.decode(next.value, { stream: true });
        }
      } finally {
        ac.signal.removeEventListener("abort", cancel);
        close();
      }
    }
    return { status: res.status, headers: flatHeaders(res.headers), chunks: chunks(), close };
  }

  /** Ends every request and watch still open. */
  close(): void {
    this.#closed = true;
    for (const ac of this.#inflight) ac.abort();
    this.#inflight.clear();
  }
}

function flatHeaders(h: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  h.forEach((v, k) => (out[k] = v));
  return out;
}

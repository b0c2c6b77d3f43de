/**
 * The HTTP/2 {@link Transport}: every request multiplexed over one TLS session, a new session
 * after GOAWAY or a connection error, and HTTP/1.1 ({@link HttpsTransport}) from then on when the
 * server turns HTTP/2 down during the TLS handshake (ALPN), as Go's client falls back.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import http2 from "node:http2";
import type { ClientConfig } from "./config.ts";
import { HttpsTransport } from "./transport_https.ts";
import {
  type StreamResponse,
  type Transport,
  TransportError,
  type TransportRequest,
  type TransportResponse,
} from "./transport_types.ts";

export {
  type StreamResponse,
  type Transport,
  TransportError,
  type TransportRequest,
  type TransportResponse,
} from "./transport_types.ts";

/** The TLS alert a server sends when it does not speak HTTP/2 (ALPN offered only `h2`). */
const NO_H2 = /NoApplicationProtocol|no application protocol|ALPN/i;

const { NGHTTP2_CANCEL, NGHTTP2_REFUSED_STREAM } = http2.constants;

type Headers2 = http2.IncomingHttpHeaders & http2.IncomingHttpStatusHeader;

function flatHeaders(h: Headers2): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) {
    if (k.startsWith(":") || v === undefined) continue;
    out[k] = Array.isArray(v) ? v.join(", ") : String(v);
  }
  return out;
}

/** HTTP/2 over TLS with one multiplexed session, re-opened when it goes away. */
export class Http2Transport implements Transport {
  readonly #config: ClientConfig;
  readonly #authority: string;
  #session: http2.ClientHttp2Session | null = null;
  #closed = false;
  #fallback: HttpsTransport | null = null;

  constructor(config: ClientConfig) {
    const url = new URL(config.server);
    if (url.protocol !== "https:" && url.protocol !== "http:") {
      throw new TransportError(`Cannot connect to ${config.server}: not an http(s) URL`);
    }
    this.#config = config;
    this.#authority = url.origin;
  }

  #connect(): http2.ClientHttp2Session {
    if (this.#closed) throw new TransportError("Cannot send a request: the client is closed");
    const current = this.#session;
    if (current && !current.closed && !current.destroyed) return current;
    const c = this.#config;
    const s = http2.connect(this.#authority, {
      ca: c.caPem,
      cert: c.certPem,
      key: c.keyPem,
      rejectUnauthorized: !c.insecureSkipTlsVerify,
      servername: c.tlsServerName,
    });
    const drop = () => {
      if (this.#session === s) this.#session = null;
    };
    s.on("goaway", drop);
    s.on("close", drop);
    s.on("error", drop);
    this.#session = s;
    return s;
  }

  #headers(req: TransportRequest): http2.OutgoingHttpHeaders {
    const h: http2.OutgoingHttpHeaders = {
      ":method": req.method,
      ":path": req.path,
      accept: "application/json",
      ...req.headers,
    };
    if (this.#config.userAgent) h["user-agent"] = this.#config.userAgent;
    if (this.#config.token) h.authorization = `Bearer ${this.#config.token}`;
    return h;
  }

  /** Opens a stream; retries once on a fresh session when the old one refused it. */
  async #open(
    req: TransportRequest,
  ): Promise<{ stream: http2.ClientHttp2Stream; headers: Headers2 }> {
    for (let attempt = 0;; attempt++) {
      try {
        return await this.#openOnce(req);
      } catch (err) {
        const retriable = err instanceof TransportError && err.code === "REFUSED";
        if (!retriable || attempt >= 1 || req.signal?.aborted) throw err;
      }
    }
  }

  #openOnce(
    req: TransportRequest,
  ): Promise<{ stream: http2.ClientHttp2Stream; headers: Headers2 }> {
    return new Promise((resolve, reject) => {
      let session: http2.ClientHttp2Session;
      let stream: http2.ClientHttp2Stream;
      try {
        session = this.#connect();
        stream = session.request(this.#headers(req), { endStream: req.body === undefined });
      } catch (err) {
        this.#session = null;
        reject(
          new TransportError(
            `Cannot reach ${this.#authority}: ${(err as Error).message}`,
            "REFUSED",
          ),
        );
        return;
      }
      let answered = false;
      // Errors are built only when they are used: a Error's stack is not free.
      const fail = (err: () => TransportError) => {
        if (answered) return;
        answered = true;
        cleanup();
        stream.close(NGHTTP2_CANCEL);
        reject(err());
      };
      const onAbort = () =>
        fail(() => new TransportError(`${req.method} ${req.path} aborted`, "ABORTED"));
      const cleanup = () => {
        req.signal?.removeEventListener("abort", onAbort);
        if (timer !== undefined) clearTimeout(timer);
      };
      const timer = req.timeoutMs
        ? setTimeout(
          () =>
            fail(() =>
              new TransportError(
                `${req.method} ${req.path} timed out after ${req.timeoutMs} ms`,
                "TIMEOUT",
              )
            ),
          req.timeoutMs,
        )
        : undefined;
      if (req.signal?.aborted) return onAbort();
      req.signal?.addEventListener("abort", onAbort, { once: true });
      stream.on("response", (headers) => {
        if (answered) return;
        answered = true;
        cleanup();
        resolve({ stream, headers: headers as Headers2 });
      });
      stream.on("error", (err: Error & { code?: string }) => {
        const refused = stream.rstCode === NGHTTP2_REFUSED_STREAM ||
          err.code === "ERR_HTTP2_GOAWAY_SESSION" || err.code === "ERR_HTTP2_INVALID_SESSION";
        fail(() =>
          new TransportError(
            `${req.method} ${req.path} failed: ${err.message}`,
            refused ? "REFUSED" : err.code,
          )
        );
      });
      stream.on("close", () => {
        fail(() =>
          new TransportError(
            `${req.method} ${req.path} failed: stream closed before a response (code ${stream.rstCode})`,
            stream.rstCode === NGHTTP2_REFUSED_STREAM ? "REFUSED" : "RESET",
          )
        );
      });
      if (req.body !== undefined) stream.end(req.body);
    });
  }

  /** Switches to HTTP/1.1 for good when `err` says the server does not speak HTTP/2. */
  #fallBack(err: unknown): HttpsTransport | null {
    if (!(err instanceof TransportError) || !NO_H2.test(err.message)) return null;
    this.#fallback ??= new HttpsTransport(this.#config);
    return this.#fallback;
  }

  async request(req: TransportRequest): Promise<TransportResponse> {
    if (this.#fallback) return this.#fallback.request(req);
    try {
      return await this.#request2(req);
    } catch (err) {
      const h1 = this.#fallBack(err);
      if (h1) return h1.request(req);
      throw err;
    }
  }

  async stream(req: TransportRequest): Promise<StreamResponse> {
    if (this.#fallback) return this.#fallback.stream(req);
    try {
      return await this.#stream2(req);
    } catch (err) {
      const h1 = this.#fallBack(err);
      if (h1) return h1.stream(req);
      throw err;
    }
  }

  async #request2(req: TransportRequest): Promise<TransportResponse> {
    const timeoutMs = req.timeoutMs ?? this.#config.requestTimeoutMs ?? 60_000;
    const { stream, headers } = await this.#open({ ...req, timeoutMs });
    return await new Promise<TransportResponse>((resolve, reject) => {
      const chunks: Buffer[] = [];
      let done = false;
      const onAbort = () => stream.close(NGHTTP2_CANCEL);
      req.signal?.addEventListener("abort", onAbort, { once: true });
      const timer = timeoutMs ? setTimeout(() => stream.close(NGHTTP2_CANCEL), timeoutMs) : 0;
      const finish = (err?: () => Error) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        req.signal?.removeEventListener("abort", onAbort);
        if (err) reject(err());
        else {
          resolve({
            status: Number(headers[":status"] ?? 0),
            headers: flatHeaders(headers),
            body: Buffer.concat(chunks).toString("utf8"),
          });
        }
      };
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => finish());
      stream.on(
        "error",
        (err: Error) =>
          finish(() => new TransportError(`${req.method} ${req.path} failed: ${err.message}`)),
      );
      stream.on("close", () =>
        finish(() =>
          new TransportError(
            `${req.method} ${req.path} failed: stream closed before its end (code ${stream.rstCode})`,
            "RESET",
          )
        ));
    });
  }

  async #stream2(req: TransportRequest): Promise<StreamResponse> {
    const { stream, headers } = await this.#open({ ...req, timeoutMs: req.timeoutMs ?? 0 });
    const decoder = new TextDecoder();
    const queue: string[] = [];
    let ended = false;
    let failure: Error | null = null;
    let wake: (() => void) | null = null;
    const notify = () => {
      const w = wake;
      wake = null;
      w?.();
    };
    const close = () => {
      if (!stream.closed) stream.close(NGHTTP2_CANCEL);
    };
    const onAbort = () => {
      ended = true;
      close();
      notify();
    };
    req.signal?.addEventListener("abort", onAbort, { once: true });
    stream.on("data", (c: Buffer) => {
      queue.push(decoder.decode(c, { stream: true }));
      if (queue.length > 256) stream.pause();
      notify();
    });
    stream.on("end", () => {
      ended = true;
      notify();
    });
    stream.on("error", (err: Error) => {
      failure ??= new TransportError(`${req.method} ${req.path} broke: ${err.message}`);
      notify();
    });
    stream.on("close", () => {
      if (!ended && !req.signal?.aborted) {
        failure ??= new TransportError(
          `${req.method} ${req.path} broke: stream closed (code ${stream.rstCode})`,
          "RESET",
        );
      }
      ended = true;
      req.signal?.removeEventListener("abort", onAbort);
      notify();
    });
    async function* chunks(): AsyncGenerator<string> {
      try {
        for (;;) {
          if (queue.length) {
            const next = queue.shift()!;
            if (queue.length < 64 && stream.isPaused()) stream.resume();
            yield next;
            continue;
          }
          if (failure) throw failure;
          if (ended) return;
          await new Promise<void>((r) => (wake = r));
        }
      } finally {
        close();
      }
    }
    return {
      status: Number(headers[":status"] ?? 0),
      headers: flatHeaders(headers),
      chunks: chunks(),
      close,
    };
  }

  close(): void {
    this.#closed = true;
    this.#fallback?.close();
    const s = this.#session;
    this.#session = null;
    if (s && !s.destroyed) {
      s.close();
      // Open watch streams would keep the session (and the process) alive.
      setTimeout(() => {
        if (!s.destroyed) s.destroy();
      }, 100);
    }
  }
}

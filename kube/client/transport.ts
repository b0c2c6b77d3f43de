/**
 * The byte-moving layer under {@link KubeClient}: a narrow {@link Transport} interface (one
 * request, or one streamed response for watches) and its HTTP/2 implementation, which
 * multiplexes every request over one TLS session and opens a new session after GOAWAY or a
 * connection error.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import http2 from "node:http2";
import type { ClientConfig } from "./config.ts";

/** One request. `path` includes the query string. */
export interface TransportRequest {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  signal?: AbortSignal;
  /** ms; 0 for none. */
  timeoutMs?: number;
}

/** A response read to its end. */
export interface TransportResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** A response whose body arrives in pieces (a watch). */
export interface StreamResponse {
  status: number;
  headers: Record<string, string>;
  /** UTF-8 text as it arrives; ends when the server ends the body; throws on a broken stream. */
  chunks: AsyncIterable<string>;
  /** Stops the stream. */
  close(): void;
}

/** How the client reaches the server. */
export interface Transport {
  request(req: TransportRequest): Promise<TransportResponse>;
  stream(req: TransportRequest): Promise<StreamResponse>;
  close(): void;
}

/** A request that failed below HTTP (connection refused, reset, timeout). */
export class TransportError extends Error {
  override name = "TransportError";
  constructor(message: string, readonly code?: string) {
    super(message);
  }
}

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

  async request(req: TransportRequest): Promise<TransportResponse> {
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

  async stream(req: TransportRequest): Promise<StreamResponse> {
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

/**
 * The HTTP/1.1 {@link Transport}: `node:https` with keep-alive connections for requests and one
 * connection per watch. The default, because Deno's HTTP/2 layer can abort the process when many
 * streams close at once (see server/apiserver/http.ts).
 *
 * @module
 */
import { Buffer } from "node:buffer";
import https from "node:https";
import type { IncomingMessage } from "node:http";
import type { ClientConfig } from "./config.ts";
import {
  type StreamResponse,
  type Transport,
  TransportError,
  type TransportRequest,
  type TransportResponse,
} from "./transport_types.ts";

function flatHeaders(h: IncomingMessage["headers"]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) {
    if (v === undefined) continue;
    out[k] = Array.isArray(v) ? v.join(", ") : String(v);
  }
  return out;
}

export class HttpsTransport implements Transport {
  readonly #config: ClientConfig;
  readonly #url: URL;
  readonly #agent: https.Agent;
  /** Watches hold their connection for long: their own agent, so requests never queue behind them. */
  readonly #streamAgent: https.Agent;
  #closed = false;

  constructor(config: ClientConfig) {
    const url = new URL(config.server);
    if (url.protocol !== "https:") {
      throw new TransportError(`Cannot connect to ${config.server}: not an https URL`);
    }
    this.#config = config;
    this.#url = url;
    const tls = {
      ca: config.caPem,
      cert: config.certPem,
      key: config.keyPem,
      rejectUnauthorized: !config.insecureSkipTlsVerify,
      servername: config.tlsServerName,
    };
    this.#agent = new https.Agent({ keepAlive: true, maxSockets: 16, ...tls });
    this.#streamAgent = new https.Agent({ keepAlive: false, ...tls });
  }

  #open(req: TransportRequest, agent: https.Agent): Promise<IncomingMessage> {
    if (this.#closed) {
      return Promise.reject(new TransportError("Cannot send a request: the client is closed"));
    }
    const headers: Record<string, string> = { accept: "application/json", ...req.headers };
    if (this.#config.userAgent) headers["user-agent"] = this.#config.userAgent;
    if (this.#config.token) headers.authorization = `Bearer ${this.#config.token}`;
    if (req.body !== undefined) headers["content-length"] = String(Buffer.byteLength(req.body));
    return new Promise((resolve, reject) => {
      const r = https.request({
        agent,
        host: this.#url.hostname,
        port: this.#url.port || 443,
        method: req.method,
        path: req.path,
        headers,
      });
      let answered = false;
      const fail = (err: () => TransportError) => {
        if (answered) return;
        answered = true;
        cleanup();
        r.destroy();
        reject(err());
      };
      const onAbort = () =>
        fail(() => new TransportError(`${req.method} ${req.path} aborted`, "ABORTED"));
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
      const cleanup = () => {
        req.signal?.removeEventListener("abort", onAbort);
        if (timer !== undefined) clearTimeout(timer);
      };
      if (req.signal?.aborted) return onAbort();
      req.signal?.addEventListener("abort", onAbort, { once: true });
      r.on("response", (res) => {
        if (answered) {
          res.destroy();
          return;
        }
        answered = true;
        cleanup();
        resolve(res);
      });
      r.on("error", (err: Error & { code?: string }) => {
        const refused = err.code === "ECONNREFUSED" || err.code === "ECONNRESET";
        fail(() =>
          new TransportError(
            `${req.method} ${req.path} failed: ${err.message}`,
            refused ? "REFUSED" : err.code,
          )
        );
      });
      r.end(req.body);
    });
  }

  async request(req: TransportRequest): Promise<TransportResponse> {
    const timeoutMs = req.timeoutMs ?? this.#config.requestTimeoutMs ?? 60_000;
    let res: IncomingMessage;
    for (let attempt = 0;; attempt++) {
      try {
        res = await this.#open({ ...req, timeoutMs }, this.#agent);
        break;
      } catch (err) {
        // A kept-alive connection the server had just closed: one fresh try.
        const retry = err instanceof TransportError && err.code === "REFUSED" && attempt === 0;
        if (!retry || req.signal?.aborted) throw err;
      }
    }
    return await new Promise<TransportResponse>((resolve, reject) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: flatHeaders(res.headers),
          body: Buffer.concat(chunks).toString("utf8"),
        }));
      res.on(
        "error",
        (err: Error) =>
          reject(new TransportError(`${req.method} ${req.path} failed: ${err.message}`)),
      );
      res.on(
        "aborted",
        () =>
          reject(
            new TransportError(`${req.method} ${req.path} failed: response cut short`, "RESET"),
          ),
      );
    });
  }

  async stream(req: TransportRequest): Promise<StreamResponse> {
    const res = await this.#open({ ...req, timeoutMs: req.timeoutMs ?? 0 }, this.#streamAgent);
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
      if (!res.destroyed) res.destroy();
    };
    const onAbort = () => {
      ended = true;
      close();
      notify();
    };
    req.signal?.addEventListener("abort", onAbort, { once: true });
    res.on("data", (c: Buffer) => {
      queue.push(decoder.decode(c, { stream: true }));
      if (queue.length > 256) res.pause();
      notify();
    });
    res.on("end", () => {
      ended = true;
      notify();
    });
    res.on("error", (err: Error) => {
      failure ??= new TransportError(`${req.method} ${req.path} broke: ${err.message}`);
      notify();
    });
    res.on("close", () => {
      if (!ended && !req.signal?.aborted) {
        failure ??= new TransportError(
          `${req.method} ${req.path} broke: connection closed`,
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
            if (queue.length < 64 && res.isPaused()) res.resume();
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
      status: res.statusCode ?? 0,
      headers: flatHeaders(res.headers),
      chunks: chunks(),
      close,
    };
  }

  close(): void {
    this.#closed = true;
    this.#agent.destroy();
    this.#streamAgent.destroy();
  }
}

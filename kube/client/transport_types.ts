/**
 * The narrow interface under {@link KubeClient}: one request read to its end, or one streamed
 * response for watches; implemented over HTTP/1.1 (`transport_https.ts`, the default) and
 * HTTP/2 (`transport.ts`), and by fakes in tests.
 *
 * @module
 */

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

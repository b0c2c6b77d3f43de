/**
 * The kubelet API's one error type, and the two places it becomes an answer: an HTTP response,
 * or the raw HTTP/1.1 answer written on an upgrade socket that was refused.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import type { ServerResponse } from "node:http";
import type { Duplex } from "node:stream";

/** A failure answered with its HTTP status and message. */
export class HttpError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

const REASONS: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  500: "Internal Server Error",
  502: "Bad Gateway",
};

export function statusOf(error: unknown): number {
  return error instanceof HttpError ? error.status : 500;
}

/** Answers `res` with the error (a response already under way is cut). */
export function respondError(res: ServerResponse, error: unknown): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(statusOf(error), { "content-type": "text/plain; charset=utf-8" });
  res.end((error as Error).message);
}

/** Refuses an upgrade with the error, as an HTTP/1.1 answer on the socket. */
export function refuseUpgrade(socket: Duplex, error: unknown): void {
  if (socket.destroyed) return;
  const status = statusOf(error);
  const body = Buffer.from((error as Error).message);
  socket.end(
    `HTTP/1.1 ${status} ${
      REASONS[status] ?? "Error"
    }\r\nContent-Type: text/plain; charset=utf-8\r\n` +
      `Content-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
  );
}

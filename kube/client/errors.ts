/**
 * API failures as {@link StatusError}s (the server's `Status` body, or one made up from the HTTP
 * code when the body is not a Status), and predicates over them.
 *
 * @module
 */
import { type Status, StatusError } from "../errors.ts";

const REASONS: Record<number, string> = {
  400: "BadRequest",
  401: "Unauthorized",
  403: "Forbidden",
  404: "NotFound",
  405: "MethodNotAllowed",
  406: "NotAcceptable",
  409: "Conflict",
  410: "Expired",
  413: "RequestEntityTooLarge",
  415: "UnsupportedMediaType",
  422: "Invalid",
  429: "TooManyRequests",
  500: "InternalError",
  503: "ServiceUnavailable",
  504: "Timeout",
};

/** The error a non-2xx response stands for. */
export function statusErrorFrom(
  code: number,
  body: string,
  method: string,
  path: string,
): StatusError {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch { /* not JSON: described below */ }
  if (isStatus(parsed)) return statusToError(parsed, code);
  const text = body.trim().slice(0, 200);
  return new StatusError(
    code,
    REASONS[code] ?? "Unknown",
    `Cannot ${method} ${path}: the server answered ${code}${text ? `: ${text}` : ""}`,
  );
}

/** A `Status` object (from a response or a watch ERROR event) as an error. */
export function statusToError(s: Partial<Status>, fallbackCode = 500): StatusError {
  const code = typeof s.code === "number" && s.code > 0 ? s.code : fallbackCode;
  return new StatusError(
    code,
    s.reason || REASONS[code] || "Unknown",
    s.message ?? `the server reported a failure (${code})`,
    s.details,
  );
}

function isStatus(v: unknown): v is Status {
  return typeof v === "object" && v !== null && (v as { kind?: unknown }).kind === "Status";
}

function hasCode(err: unknown, code: number, reason?: string): boolean {
  return err instanceof StatusError && (err.code === code || (!!reason && err.reason === reason));
}

export function isNotFound(err: unknown): boolean {
  return hasCode(err, 404, "NotFound");
}

export function isAlreadyExists(err: unknown): boolean {
  return err instanceof StatusError && err.reason === "AlreadyExists";
}

/** A 409 of any kind (stale resourceVersion or already exists). */
export function isConflict(err: unknown): boolean {
  return hasCode(err, 409);
}

/** 410 Gone / Expired: the resourceVersion is too old; relist. */
export function isGone(err: unknown): boolean {
  return hasCode(err, 410, "Expired") || (err instanceof StatusError && err.reason === "Gone");
}

export function isForbidden(err: unknown): boolean {
  return hasCode(err, 403, "Forbidden");
}

export function isInvalid(err: unknown): boolean {
  return hasCode(err, 422, "Invalid");
}

export function isTooManyRequests(err: unknown): boolean {
  return hasCode(err, 429, "TooManyRequests");
}

/**
 * Typed API errors. Every failure the API server reports is one of these; the server's error
 * handler is the only place that turns them into a `Status` response.
 *
 * @module
 */

/** One cause of an `Invalid` (or other) error, as `Status.details.causes[]`. */
export interface StatusCause {
  /** e.g. `FieldValueInvalid`, `FieldValueRequired`, `FieldValueDuplicate`, `FieldValueNotSupported`. */
  reason?: string;
  message?: string;
  /** JSON-path-like field name, e.g. `metadata.name` or `spec.containers[0].image`. */
  field?: string;
}

/** The `details` of a `Status`. */
export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

/** The wire form of `meta.k8s.io/v1` `Status`. */
export interface Status {
  kind: "Status";
  apiVersion: "v1";
  metadata: Record<string, unknown>;
  status: "Success" | "Failure";
  message?: string;
  reason?: string;
  details?: StatusDetails;
  code: number;
}

/** An error that is reported to API clients as a `Status`. */
export class StatusError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: StatusDetails,
  ) {
    super(message);
    this.name = "StatusError";
  }

  toStatus(): Status {
    const status: Status = {
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message: this.message,
      reason: this.reason,
      code: this.code,
    };
    if (this.details) status.details = this.details;
    return status;
  }
}

/** The group/resource pair upstream uses in messages: `pods`, `deployments.apps`. */
export interface GroupResource {
  group: string;
  resource: string;
}

function qualified(gr: GroupResource): string {
  return gr.group ? `${gr.resource}.${gr.group}` : gr.resource;
}

/** 404: `pods "x" not found`. */
export function notFound(gr: GroupResource, name: string): StatusError {
  const msg = name ? `${qualified(gr)} "${name}" not found` : `${qualified(gr)} not found`;
  return new StatusError(404, "NotFound", msg, {
    name,
    group: gr.group || undefined,
    kind: gr.resource,
  });
}

/** 409: `pods "x" already exists`. */
export function alreadyExists(gr: GroupResource, name: string): StatusError {
  return new StatusError(409, "AlreadyExists", `${qualified(gr)} "${name}" already exists`, {
    name,
    group: gr.group || undefined,
    kind: gr.resource,
  });
}

/** 409 Conflict, as for a stale `resourceVersion`. */
export function conflict(gr: GroupResource, name: string, detail: string): StatusError {
  return new StatusError(
    409,
    "Conflict",
    `Operation cannot be fulfilled on ${qualified(gr)} "${name}": ${detail}`,
    { name, group: gr.group || undefined, kind: gr.resource },
  );
}

/** The message upstream gives when an update carries a stale resourceVersion. */
export const OPTIMISTIC_LOCK_MESSAGE =
  "the object has been modified; please apply your changes to the latest version and try again";

/** One field error, as collected by validation. */
export interface FieldError {
  type:
    | "FieldValueRequired"
    | "FieldValueInvalid"
    | "FieldValueDuplicate"
    | "FieldValueNotSupported"
    | "FieldValueForbidden"
    | "FieldValueTooLong"
    | "FieldValueTooMany"
    | "FieldValueTypeInvalid"
    | "FieldValueNotFound";
  field: string;
  /** The offending value, when there is one to show. */
  value?: unknown;
  detail?: string;
}

const FIELD_ERROR_TEXT: Record<FieldError["type"], string> = {
  FieldValueRequired: "Required value",
  FieldValueInvalid: "Invalid value",
  FieldValueDuplicate: "Duplicate value",
  FieldValueNotSupported: "Unsupported value",
  FieldValueForbidden: "Forbidden",
  FieldValueTooLong: "Too long",
  FieldValueTooMany: "Too many",
  FieldValueTypeInvalid: "Invalid value",
  FieldValueNotFound: "Not found",
};

/** Formats one field error as upstream's `field.Error.Error()` does. */
export function formatFieldError(e: FieldError): string {
  const text = FIELD_ERROR_TEXT[e.type];
  const showValue = e.value !== undefined &&
    (e.type === "FieldValueInvalid" || e.type === "FieldValueDuplicate" ||
      e.type === "FieldValueNotSupported" || e.type === "FieldValueTypeInvalid" ||
      e.type === "FieldValueNotFound");
  let s = `${e.field}: ${text}`;
  if (showValue) s += `: ${formatValue(e.value)}`;
  if (e.detail) s += `: ${e.detail}`;
  return s;
}

function formatValue(v: unknown): string {
  if (typeof v === "string") return JSON.stringify(v);
  if (v === null) return "null";
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}

/** 422: `Pod "x" is invalid: [a, b]`. */
export function invalid(
  kind: string,
  group: string,
  name: string,
  errors: FieldError[],
): StatusError {
  const parts = errors.map(formatFieldError);
  const list = parts.length === 1 ? parts[0] : `[${parts.join(", ")}]`;
  const prefix = group ? `${kind}.${group}` : kind;
  return new StatusError(422, "Invalid", `${prefix} "${name}" is invalid: ${list}`, {
    name,
    group: group || undefined,
    kind,
    causes: errors.map((e) => ({
      reason: e.type,
      message: formatFieldError(e).slice(e.field.length + 2),
      field: e.field,
    })),
  });
}

/** 400 BadRequest. */
export function badRequest(message: string, causes?: StatusCause[]): StatusError {
  return new StatusError(400, "BadRequest", message, causes ? { causes } : undefined);
}

/** 401 Unauthorized. */
export function unauthorized(message = "Unauthorized"): StatusError {
  return new StatusError(401, "Unauthorized", message);
}

/** 403: `pods is forbidden: User "u" cannot list resource "pods" ...`. */
export function forbidden(message: string, details?: StatusDetails): StatusError {
  return new StatusError(403, "Forbidden", message, details);
}

/** 405 MethodNotAllowed. */
export function methodNotSupported(gr: GroupResource, verb: string): StatusError {
  return new StatusError(
    405,
    "MethodNotAllowed",
    `${verb} is not supported on resources of kind "${qualified(gr)}"`,
    { group: gr.group || undefined, kind: gr.resource },
  );
}

/** 410 Gone, as for a compacted resourceVersion. */
export function gone(message: string): StatusError {
  return new StatusError(410, "Expired", message);
}

/** 413 RequestEntityTooLarge. */
export function tooLarge(message = "Request entity too large"): StatusError {
  return new StatusError(413, "RequestEntityTooLarge", message);
}

/** 415 UnsupportedMediaType. */
export function unsupportedMediaType(contentType: string): StatusError {
  return new StatusError(
    415,
    "UnsupportedMediaType",
    `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf; got ${contentType}`,
  );
}

/** 406 NotAcceptable. */
export function notAcceptable(message: string): StatusError {
  return new StatusError(406, "NotAcceptable", message);
}

/** 429 TooManyRequests with Retry-After. */
export function tooManyRequests(retryAfterSeconds = 1): StatusError {
  return new StatusError(
    429,
    "TooManyRequests",
    "Too many requests, please try again later.",
    { retryAfterSeconds },
  );
}

/** 500 InternalError: never carries a stack or secret value, only the message. */
export function internalError(message: string): StatusError {
  return new StatusError(
    500,
    "InternalError",
    `Internal error occurred: ${message}`,
    { causes: [{ message }] },
  );
}

/** 504 Timeout. */
export function timeout(message: string, retryAfterSeconds = 1): StatusError {
  return new StatusError(504, "Timeout", message, { retryAfterSeconds });
}

/** 503 ServiceUnavailable. */
export function serviceUnavailable(message: string): StatusError {
  return new StatusError(503, "ServiceUnavailable", message);
}

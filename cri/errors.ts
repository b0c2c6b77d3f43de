/**
 * The errors of the CRI boundary. A call the runtime answered with a gRPC error becomes a
 * {@link CriError} carrying the status name; a runtime that cannot be reached at all (socket
 * missing, connection refused, containerd restarting) is a {@link RuntimeUnavailableError}, so the
 * kubelet can report "container runtime is down" instead of failing a pod.
 *
 * @module
 */

/** gRPC status names, as in `google.golang.org/grpc/codes`. */
export type GrpcCode =
  | "OK"
  | "CANCELLED"
  | "UNKNOWN"
  | "INVALID_ARGUMENT"
  | "DEADLINE_EXCEEDED"
  | "NOT_FOUND"
  | "ALREADY_EXISTS"
  | "PERMISSION_DENIED"
  | "RESOURCE_EXHAUSTED"
  | "FAILED_PRECONDITION"
  | "ABORTED"
  | "OUT_OF_RANGE"
  | "UNIMPLEMENTED"
  | "INTERNAL"
  | "UNAVAILABLE"
  | "DATA_LOSS"
  | "UNAUTHENTICATED";

const CODES: GrpcCode[] = [
  "OK",
  "CANCELLED",
  "UNKNOWN",
  "INVALID_ARGUMENT",
  "DEADLINE_EXCEEDED",
  "NOT_FOUND",
  "ALREADY_EXISTS",
  "PERMISSION_DENIED",
  "RESOURCE_EXHAUSTED",
  "FAILED_PRECONDITION",
  "ABORTED",
  "OUT_OF_RANGE",
  "UNIMPLEMENTED",
  "INTERNAL",
  "UNAVAILABLE",
  "DATA_LOSS",
  "UNAUTHENTICATED",
];

/** The name of gRPC status number `code` (`UNKNOWN` for numbers gRPC does not define). */
export function grpcCodeName(code: number): GrpcCode {
  return CODES[code] ?? "UNKNOWN";
}

/** A CRI call the runtime answered with an error. */
export class CriError extends Error {
  override name = "CriError";
  /** The gRPC status, e.g. `NOT_FOUND`. */
  readonly code: GrpcCode;
  /** The CRI method, e.g. `CreateContainer`. */
  readonly method: string;
  /** The runtime's own message. */
  readonly details: string;

  constructor(method: string, code: GrpcCode, details: string, options?: ErrorOptions) {
    super(`Cannot ${method}: ${details || code} (${code})`, options);
    this.method = method;
    this.code = code;
    this.details = details;
  }
}

/** The runtime's socket cannot be reached; the call never ran. */
export class RuntimeUnavailableError extends CriError {
  override name = "RuntimeUnavailableError";
  /** `unix:///run/k3s/containerd/containerd.sock`. */
  readonly endpoint: string;

  constructor(method: string, endpoint: string, reason: string, options?: ErrorOptions) {
    super(method, "UNAVAILABLE", reason, options);
    this.endpoint = endpoint;
    this.message = `Cannot reach the container runtime at ${endpoint}: ${reason}`;
  }
}

/** True when `error` says the sandbox, container or image does not exist. */
export function isNotFound(error: unknown): boolean {
  return error instanceof CriError && error.code === "NOT_FOUND";
}

/** True when `error` says the runtime could not be reached. */
export function isRuntimeUnavailable(error: unknown): error is RuntimeUnavailableError {
  return error instanceof RuntimeUnavailableError;
}

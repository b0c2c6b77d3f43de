/**
 * Container runtime endpoints as the kubelet and K3s accept them
 * (`--container-runtime-endpoint`): `unix:///path/to.sock`, or a bare absolute socket path.
 *
 * @module
 */

/** The default containerd socket of a K3s agent. */
export const DEFAULT_RUNTIME_ENDPOINT = "unix:///run/k3s/containerd/containerd.sock";

export interface RuntimeEndpoint {
  /** `unix:///abs/path.sock`: the gRPC target and the name used in messages. */
  url: string;
  /** `/abs/path.sock`. */
  path: string;
}

/** Parses an endpoint; throws naming the value when it is not a unix socket. */
export function parseRuntimeEndpoint(value: string): RuntimeEndpoint {
  const trimmed = value.trim();
  let path: string;
  if (trimmed.startsWith("unix://")) {
    path = trimmed.slice("unix://".length);
  } else if (trimmed.startsWith("/")) {
    path = trimmed;
  } else {
    throw new Error(
      `Cannot use container runtime endpoint "${value}": only unix sockets ` +
        `(unix:///path or /path) are supported`,
    );
  }
  if (!path.startsWith("/") || path.length < 2) {
    throw new Error(
      `Cannot use container runtime endpoint "${value}": the socket path must be absolute`,
    );
  }
  return { url: `unix://${path}`, path };
}

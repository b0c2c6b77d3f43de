/**
 * The CRI client: the {@link RuntimeService} and {@link ImageService} interfaces the kubelet
 * depends on, their message types, the errors of the boundary, and {@link GrpcCriClient}, the
 * implementation that speaks CRI `runtime.v1` gRPC to containerd over its unix socket.
 *
 * ```ts
 * const cri = new GrpcCriClient({ endpoint: "unix:///run/k3s/containerd/containerd.sock" });
 * const { runtimeName, runtimeVersion } = await cri.version();
 * ```
 *
 * @module
 */
export type * from "./service.ts";
export type * from "./types.ts";
export {
  CriError,
  type GrpcCode,
  isNotFound,
  isRuntimeUnavailable,
  RuntimeUnavailableError,
} from "./errors.ts";
export {
  DEFAULT_RUNTIME_ENDPOINT,
  parseRuntimeEndpoint,
  type RuntimeEndpoint,
} from "./endpoint.ts";
export {
  GrpcCriClient,
  type GrpcCriClientOptions,
  KUBELET_RUNTIME_API_VERSION,
} from "./grpc_client.ts";

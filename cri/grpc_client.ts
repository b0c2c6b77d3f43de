/**
 * The CRI client on grpc-js: {@link RuntimeService} and {@link ImageService} over the runtime's
 * unix socket, one gRPC channel for both.
 *
 * Deadlines follow the kubelet: every call gets the runtime request timeout (2 minutes by
 * default); `StopContainer` and a timed `ExecSync` get that plus their own timeout; an untimed
 * `ExecSync` has none; `PullImage` gets the (longer) pull timeout. `CallOptions.timeoutMs`
 * overrides a call's deadline.
 *
 * {@link GrpcCriClient.watchEvents} follows containerd's event service on the same channel (see
 * `containerd_events.ts`); another runtime answers it with `UNIMPLEMENTED`.
 *
 * grpc-js backs off between reconnects (up to 2 minutes by default), and a call made while it
 * waits fails at once; the backoff here stops at 1 s, so a restarted containerd is found again
 * within about a second.
 *
 * @module
 */
import { Client, credentials, type ServiceError } from "@grpc/grpc-js";
import { CriCodec } from "./codec.ts";
import {
  type ContainerdEvent,
  deserializeEnvelope,
  serializeSubscribe,
  SUBSCRIBE_FILTERS,
  SUBSCRIBE_PATH,
} from "./containerd_events.ts";
import { parseRuntimeEndpoint } from "./endpoint.ts";
import { CriError, grpcCodeName, RuntimeUnavailableError } from "./errors.ts";
import type {
  CallOptions,
  ImageService,
  RuntimeEvent,
  RuntimeEvents,
  RuntimeService,
} from "./service.ts";
import type {
  AttachRequest,
  AuthConfig,
  Container,
  ContainerConfig,
  ContainerFilter,
  ContainerStats,
  ContainerStatsFilter,
  ContainerStatusResponse,
  ExecRequest,
  ExecSyncResponse,
  Image,
  ImageFsInfoResponse,
  ImageSpec,
  ImageStatusResponse,
  LinuxContainerResources,
  PodSandbox,
  PodSandboxConfig,
  PodSandboxFilter,
  PodSandboxStatusResponse,
  StatusResponse,
  VersionResponse,
} from "./types.ts";

export interface GrpcCriClientOptions {
  /** `unix:///run/k3s/containerd/containerd.sock` or the bare socket path. */
  endpoint: string;
  /** Deadline of a call, in ms (the kubelet's `--runtime-request-timeout`, default 2 min). */
  timeoutMs?: number;
  /** Deadline of `PullImage`, in ms (default 30 min). */
  pullTimeoutMs?: number;
}

/** The CRI version string the kubelet sends in `Version`. */
export const KUBELET_RUNTIME_API_VERSION = "0.1.0";

/** The kubelet's gRPC message limit for CRI (big `ListContainers` answers). */
const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

type Service = "RuntimeService" | "ImageService";

/** Deadline of one call: a number of ms from now, or none. */
type Deadline = number | "none";

export class GrpcCriClient implements RuntimeService, ImageService, RuntimeEvents {
  readonly endpoint: string;
  #client: Client;
  #codec = new CriCodec();
  #timeoutMs: number;
  #pullTimeoutMs: number;

  constructor(options: GrpcCriClientOptions) {
    const endpoint = parseRuntimeEndpoint(options.endpoint);
    this.endpoint = endpoint.url;
    this.#timeoutMs = options.timeoutMs ?? 120_000;
    this.#pullTimeoutMs = options.pullTimeoutMs ?? 30 * 60_000;
    this.#client = new Client(endpoint.url, credentials.createInsecure(), {
      "grpc.max_receive_message_length": MAX_MESSAGE_BYTES,
      "grpc.max_send_message_length": MAX_MESSAGE_BYTES,
      "grpc.initial_reconnect_backoff_ms": 100,
      "grpc.max_reconnect_backoff_ms": 1_000,
    });
  }

  /** Closes the channel; calls still running fail with `CANCELLED`. */
  close(): void {
    this.#client.close();
  }

  version(apiVersion = KUBELET_RUNTIME_API_VERSION, options?: CallOptions) {
    return this.#runtime<VersionResponse>("Version", { version: apiVersion }, options);
  }

  async runPodSandbox(config: PodSandboxConfig, runtimeHandler = "", options?: CallOptions) {
    const response = await this.#runtime<{ podSandboxId: string }>(
      "RunPodSandbox",
      { config, runtimeHandler },
      options,
    );
    return response.podSandboxId;
  }

  async stopPodSandbox(podSandboxId: string, options?: CallOptions) {
    await this.#runtime("StopPodSandbox", { podSandboxId }, options);
  }

  async removePodSandbox(podSandboxId: string, options?: CallOptions) {
    await this.#runtime("RemovePodSandbox", { podSandboxId }, options);
  }

  podSandboxStatus(podSandboxId: string, verbose = false, options?: CallOptions) {
    return this.#runtime<PodSandboxStatusResponse>(
      "PodSandboxStatus",
      { podSandboxId, verbose },
      options,
    );
  }

  async listPodSandbox(filter?: PodSandboxFilter, options?: CallOptions) {
    const response = await this.#runtime<{ items: PodSandbox[] }>(
      "ListPodSandbox",
      { filter },
      options,
    );
    return response.items;
  }

  async createContainer(
    podSandboxId: string,
    config: ContainerConfig,
    sandboxConfig: PodSandboxConfig,
    options?: CallOptions,
  ) {
    const response = await this.#runtime<{ containerId: string }>(
      "CreateContainer",
      { podSandboxId, config, sandboxConfig },
      options,
    );
    return response.containerId;
  }

  async startContainer(containerId: string, options?: CallOptions) {
    await this.#runtime("StartContainer", { containerId }, options);
  }

  async stopContainer(containerId: string, timeoutSeconds: number, options?: CallOptions) {
    const deadline = this.#timeoutMs + Math.max(0, timeoutSeconds) * 1000;
    await this.#call(
      "RuntimeService",
      "StopContainer",
      { containerId, timeout: timeoutSeconds },
      options?.timeoutMs ?? deadline,
      options?.signal,
    );
  }

  async removeContainer(containerId: string, options?: CallOptions) {
    await this.#runtime("RemoveContainer", { containerId }, options);
  }

  async listContainers(filter?: ContainerFilter, options?: CallOptions) {
    const response = await this.#runtime<{ containers: Container[] }>(
      "ListContainers",
      { filter },
      options,
    );
    return response.containers;
  }

  containerStatus(containerId: string, verbose = false, options?: CallOptions) {
    return this.#runtime<ContainerStatusResponse>(
      "ContainerStatus",
      { containerId, verbose },
      options,
    );
  }

  async updateContainerResources(
    containerId: string,
    linux: LinuxContainerResources,
    options?: CallOptions,
  ) {
    await this.#runtime("UpdateContainerResources", { containerId, linux }, options);
  }

  async reopenContainerLog(containerId: string, options?: CallOptions) {
    await this.#runtime("ReopenContainerLog", { containerId }, options);
  }

  execSync(containerId: string, cmd: string[], timeoutSeconds = 0, options?: CallOptions) {
    const deadline: Deadline = timeoutSeconds > 0
      ? this.#timeoutMs + timeoutSeconds * 1000
      : "none";
    return this.#call<ExecSyncResponse>(
      "RuntimeService",
      "ExecSync",
      { containerId, cmd, timeout: timeoutSeconds },
      options?.timeoutMs ?? deadline,
      options?.signal,
    );
  }

  async exec(request: ExecRequest, options?: CallOptions) {
    return (await this.#runtime<{ url: string }>("Exec", request, options)).url;
  }

  async attach(request: AttachRequest, options?: CallOptions) {
    return (await this.#runtime<{ url: string }>("Attach", request, options)).url;
  }

  async portForward(podSandboxId: string, ports: number[], options?: CallOptions) {
    const request = { podSandboxId, port: ports };
    return (await this.#runtime<{ url: string }>("PortForward", request, options)).url;
  }

  async containerStats(containerId: string, options?: CallOptions) {
    const response = await this.#runtime<{ stats?: ContainerStats }>(
      "ContainerStats",
      { containerId },
      options,
    );
    if (!response.stats) {
      throw new CriError("ContainerStats", "NOT_FOUND", `no stats for container ${containerId}`);
    }
    return response.stats;
  }

  async listContainerStats(filter?: ContainerStatsFilter, options?: CallOptions) {
    const response = await this.#runtime<{ stats: ContainerStats[] }>(
      "ListContainerStats",
      { filter },
      options,
    );
    return response.stats;
  }

  status(verbose = false, options?: CallOptions) {
    return this.#runtime<StatusResponse>("Status", { verbose }, options);
  }

  async listImages(filter?: ImageSpec, options?: CallOptions) {
    const request = filter ? { filter: { image: filter } } : {};
    const response = await this.#image<{ images: Image[] }>("ListImages", request, options);
    return response.images;
  }

  imageStatus(image: ImageSpec, verbose = false, options?: CallOptions) {
    return this.#image<ImageStatusResponse>("ImageStatus", { image, verbose }, options);
  }

  async pullImage(
    image: ImageSpec,
    auth?: AuthConfig,
    sandboxConfig?: PodSandboxConfig,
    options?: CallOptions,
  ) {
    const response = await this.#call<{ imageRef: string }>(
      "ImageService",
      "PullImage",
      { image, auth, sandboxConfig },
      options?.timeoutMs ?? this.#pullTimeoutMs,
      options?.signal,
    );
    return response.imageRef;
  }

  async removeImage(image: ImageSpec, options?: CallOptions) {
    await this.#image("RemoveImage", { image }, options);
  }

  imageFsInfo(options?: CallOptions) {
    return this.#image<ImageFsInfoResponse>("ImageFsInfo", {}, options);
  }

  watchEvents(onEvent: (event: RuntimeEvent) => void, signal: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal.aborted) return resolve();
      const call = this.#client.makeServerStreamRequest<{ filters: string[] }, ContainerdEvent>(
        SUBSCRIBE_PATH,
        serializeSubscribe,
        deserializeEnvelope,
        { filters: SUBSCRIBE_FILTERS },
        {},
      );
      const abort = () => call.cancel();
      signal.addEventListener("abort", abort, { once: true });
      call.on("data", (event: ContainerdEvent) => {
        if (!event.exec) onEvent({ topic: event.topic, containerId: event.containerId });
      });
      call.on("error", (error: ServiceError) => {
        signal.removeEventListener("abort", abort);
        if (signal.aborted) resolve();
        else reject(this.#error("Subscribe", error));
      });
      call.on("end", () => {
        signal.removeEventListener("abort", abort);
        if (signal.aborted) resolve();
        else reject(new CriError("Subscribe", "UNAVAILABLE", "the event stream ended"));
      });
    });
  }

  #runtime<Res>(method: string, request: object, options?: CallOptions): Promise<Res> {
    const deadline = options?.timeoutMs ?? this.#timeoutMs;
    return this.#call<Res>("RuntimeService", method, request, deadline, options?.signal);
  }

  #image<Res>(method: string, request: object, options?: CallOptions): Promise<Res> {
    const deadline = options?.timeoutMs ?? this.#timeoutMs;
    return this.#call<Res>("ImageService", method, request, deadline, options?.signal);
  }

  #call<Res>(
    service: Service,
    method: string,
    request: object,
    deadline: Deadline,
    signal?: AbortSignal,
  ): Promise<Res> {
    const { path, serialize, deserialize } = this.#codec.rpc(service, method);
    return new Promise<Res>((resolve, reject) => {
      if (signal?.aborted) {
        reject(new CriError(method, "CANCELLED", "the call was aborted", { cause: signal.reason }));
        return;
      }
      const callOptions = deadline === "none" ? {} : { deadline: Date.now() + deadline };
      const call = this.#client.makeUnaryRequest(
        path,
        serialize,
        deserialize,
        request,
        callOptions,
        (error: ServiceError | null, response?: unknown) => {
          signal?.removeEventListener("abort", abort);
          if (error) reject(this.#error(method, error));
          else resolve(response as Res);
        },
      );
      const abort = () => call.cancel();
      signal?.addEventListener("abort", abort, { once: true });
    });
  }

  #error(method: string, error: ServiceError): CriError {
    const code = grpcCodeName(error.code);
    const details = error.details || error.message;
    if (code === "UNAVAILABLE") {
      return new RuntimeUnavailableError(method, this.endpoint, details, { cause: error });
    }
    return new CriError(method, code, details, { cause: error });
  }
}

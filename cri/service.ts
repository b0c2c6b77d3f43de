/**
 * The narrow runtime boundary the kubelet depends on: {@link RuntimeService} and
 * {@link ImageService}, shaped after the CRI services (and the kubelet's own `cri-api` service
 * interfaces). The real implementation speaks gRPC to containerd (`GrpcCriClient`); a fake one
 * for kubelet unit tests implements the same two interfaces, and `tests/cri_conformance.ts` holds
 * both to the same behaviour.
 *
 * Every method takes optional {@link CallOptions} last. Failures are the errors of `errors.ts`:
 * `RuntimeUnavailableError` when the runtime cannot be reached, `CriError` with the gRPC status
 * otherwise (`isNotFound()` tells a missing sandbox, container or image).
 *
 * @module
 */
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

export interface CallOptions {
  /** Deadline of this call in ms, instead of the client's default. */
  timeoutMs?: number;
  /** Cancels the call (it then fails with a `CriError` of code `CANCELLED`). */
  signal?: AbortSignal;
}

/** Sandboxes, containers, exec/attach/port-forward and runtime status. */
export interface RuntimeService {
  /** The runtime's name and versions; `apiVersion` is the client's (`v1`). */
  version(apiVersion?: string, options?: CallOptions): Promise<VersionResponse>;

  /** Creates and starts a pod sandbox; resolves to its id. */
  runPodSandbox(
    config: PodSandboxConfig,
    runtimeHandler?: string,
    options?: CallOptions,
  ): Promise<string>;
  /** Stops the sandbox and its containers, and tears down its network. Idempotent. */
  stopPodSandbox(podSandboxId: string, options?: CallOptions): Promise<void>;
  /** Removes a stopped sandbox and its containers. Removing a missing one succeeds. */
  removePodSandbox(podSandboxId: string, options?: CallOptions): Promise<void>;
  podSandboxStatus(
    podSandboxId: string,
    verbose?: boolean,
    options?: CallOptions,
  ): Promise<PodSandboxStatusResponse>;
  listPodSandbox(filter?: PodSandboxFilter, options?: CallOptions): Promise<PodSandbox[]>;

  /** Creates a container in a sandbox; resolves to its id. */
  createContainer(
    podSandboxId: string,
    config: ContainerConfig,
    sandboxConfig: PodSandboxConfig,
    options?: CallOptions,
  ): Promise<string>;
  startContainer(containerId: string, options?: CallOptions): Promise<void>;
  /** Sends the stop signal, then SIGKILL after `timeoutSeconds`. Idempotent. */
  stopContainer(containerId: string, timeoutSeconds: number, options?: CallOptions): Promise<void>;
  /** Removes a container (a running one is killed first). Removing a missing one succeeds. */
  removeContainer(containerId: string, options?: CallOptions): Promise<void>;
  listContainers(filter?: ContainerFilter, options?: CallOptions): Promise<Container[]>;
  containerStatus(
    containerId: string,
    verbose?: boolean,
    options?: CallOptions,
  ): Promise<ContainerStatusResponse>;
  updateContainerResources(
    containerId: string,
    linux: LinuxContainerResources,
    options?: CallOptions,
  ): Promise<void>;
  /** Asks the runtime to reopen the container's log file (after log rotation). */
  reopenContainerLog(containerId: string, options?: CallOptions): Promise<void>;

  /** Runs `cmd` in the container and waits for it; `timeoutSeconds` 0 means no timeout. */
  execSync(
    containerId: string,
    cmd: string[],
    timeoutSeconds?: number,
    options?: CallOptions,
  ): Promise<ExecSyncResponse>;
  /** The streaming URL (on the runtime's stream server) that serves this exec. */
  exec(request: ExecRequest, options?: CallOptions): Promise<string>;
  /** The streaming URL that attaches to the container's main process. */
  attach(request: AttachRequest, options?: CallOptions): Promise<string>;
  /** The streaming URL that forwards ports into the sandbox's network namespace. */
  portForward(podSandboxId: string, ports: number[], options?: CallOptions): Promise<string>;

  containerStats(containerId: string, options?: CallOptions): Promise<ContainerStats>;
  listContainerStats(
    filter?: ContainerStatsFilter,
    options?: CallOptions,
  ): Promise<ContainerStats[]>;

  /** The `RuntimeReady` and `NetworkReady` conditions (and details when `verbose`). */
  status(verbose?: boolean, options?: CallOptions): Promise<StatusResponse>;
}

/** A change of a container or sandbox, as the runtime reports it when it happens. */
export interface RuntimeEvent {
  /** What happened, as containerd names it (`/tasks/exit`, `/containers/create`, …). */
  topic: string;
  /** The container's (or sandbox's) id. */
  containerId: string;
}

/** The runtime's stream of container changes, for runtimes that have one. */
export interface RuntimeEvents {
  /**
   * Calls `onEvent` for each container or sandbox that starts, exits, is created or is removed
   * (not for exec processes), from now until `signal` aborts (then it resolves). Rejects when the stream breaks, and with a
   * `CriError` of code `UNIMPLEMENTED` when the runtime has no such stream.
   */
  watchEvents(onEvent: (event: RuntimeEvent) => void, signal: AbortSignal): Promise<void>;
}

/** Images in the runtime's store. */
export interface ImageService {
  listImages(filter?: ImageSpec, options?: CallOptions): Promise<Image[]>;
  /** `image` is absent from the response when the runtime does not have it. */
  imageStatus(
    image: ImageSpec,
    verbose?: boolean,
    options?: CallOptions,
  ): Promise<ImageStatusResponse>;
  /** Pulls the image; resolves to its reference (the image id). */
  pullImage(
    image: ImageSpec,
    auth?: AuthConfig,
    sandboxConfig?: PodSandboxConfig,
    options?: CallOptions,
  ): Promise<string>;
  /** Removes the image; removing a missing one succeeds. */
  removeImage(image: ImageSpec, options?: CallOptions): Promise<void>;
  imageFsInfo(options?: CallOptions): Promise<ImageFsInfoResponse>;
}

/**
 * The agent's container runtime, from its configuration to a CRI endpoint the kubelet can use:
 *
 * - with `--container-runtime-endpoint`, an existing runtime: nothing is started or written;
 * - otherwise the embedded containerd, as K3s runs it: choose the snapshotter, write
 *   `config.toml` and the registry `hosts.toml` files from `registries.yaml`, start and supervise
 *   containerd, then import the airgap image tarballs.
 *
 * @module
 */
import type { Logger } from "../../kube/client/log.ts";
import { parseRuntimeEndpoint } from "../../cri/endpoint.ts";
import { importAirgapImages } from "../images/import.ts";
import { renderContainerdConfig } from "./config.ts";
import { writeFileAtomic } from "./files.ts";
import { canLowerOomScoreAdj } from "./host.ts";
import { renderRegistryHosts, writeRegistryHosts } from "./hosts.ts";
import {
  containerdPaths,
  DEFAULT_CNI_BIN_DIR,
  DEFAULT_PAUSE_IMAGE,
  DEFAULT_REGISTRIES_FILE,
} from "./paths.ts";
import { loadRegistries } from "./registries.ts";
import { chooseSnapshotter } from "./snapshotter.ts";
import { ContainerdSupervisor } from "./supervisor.ts";

export interface ContainerRuntimeOptions {
  /** `--data-dir`. */
  dataDir: string;
  /** `--container-runtime-endpoint`: use this runtime, start none. */
  containerRuntimeEndpoint?: string;
  /** `--pause-image`; default `rancher/mirrored-pause:3.6`. */
  pauseImage?: string;
  /** `--snapshotter`; default overlayfs where it works, native otherwise. */
  snapshotter?: string;
  /** `--private-registry`; default `/etc/rancher/k3s/registries.yaml`. */
  privateRegistry?: string;
  /** `--disable-default-registry-endpoint`. */
  disableDefaultRegistryEndpoint?: boolean;
  /** `--selinux`. */
  selinux?: boolean;
  /** CNI plugin dir; default `/usr/lib/cni`. */
  cniBinDir?: string;
  /** CNI config dir; default `<data-dir>/agent/etc/cni/net.d`. */
  cniConfDir?: string;
  /** containerd's state dir; default `/run/k3s/containerd` (tests use their own). */
  containerdState?: string;
  /** Port of the CRI streaming server; default 10010. */
  streamServerPort?: number;
  /** Keep pod network namespaces under the state dir (tests). */
  netnsMountsUnderStateDir?: boolean;
  /** Run containerd in this network namespace (`/run/netns/<name>`): one per simulated node. */
  netns?: string;
  /** containerd's output to the agent's own output instead of its log file (`--debug`). */
  logToStdout?: boolean;
  /** How long to wait for containerd to answer, in ms; default 60 s. */
  startTimeoutMs?: number;
  log: Logger;
}

export interface ContainerRuntime {
  /** `unix:///run/k3s/containerd/containerd.sock`: where the kubelet's CRI client connects. */
  endpoint: string;
  /** The embedded containerd's supervisor; absent for an external runtime. */
  supervisor?: ContainerdSupervisor;
  /** The snapshotter configured; absent for an external runtime. */
  snapshotter?: string;
  /** Stops the embedded containerd (an external runtime is left alone). */
  stop(): Promise<void>;
}

/** Sets up and starts the runtime as described in the module doc. */
export async function startContainerRuntime(
  options: ContainerRuntimeOptions,
): Promise<ContainerRuntime> {
  const log = options.log;
  if (options.containerRuntimeEndpoint) {
    const endpoint = parseRuntimeEndpoint(options.containerRuntimeEndpoint).url;
    log.info(`Using the container runtime at ${endpoint}`);
    return { endpoint, stop: () => Promise.resolve() };
  }
  const paths = containerdPaths(options.dataDir, options.containerdState);
  const registries = await loadRegistries(options.privateRegistry ?? DEFAULT_REGISTRIES_FILE);
  const snapshotter = await chooseSnapshotter({
    requested: options.snapshotter,
    root: paths.root,
    warn: (message) => log.warn(message),
  });
  const restrictOomScoreAdj = !(await canLowerOomScoreAdj());
  if (restrictOomScoreAdj) {
    log.warn(
      "This process cannot lower oom_score_adj (no CAP_SYS_RESOURCE): restricting pods' OOM scores",
    );
  }
  const registryAuths = Object.fromEntries(
    Object.entries(registries.configs)
      .filter(([, config]) => config.auth)
      .map(([host, config]) => [host, config.auth!]),
  );
  const config = renderContainerdConfig({
    root: paths.root,
    state: paths.state,
    address: paths.address,
    opt: paths.opt,
    pauseImage: options.pauseImage ?? DEFAULT_PAUSE_IMAGE,
    snapshotter,
    cniBinDir: options.cniBinDir ?? DEFAULT_CNI_BIN_DIR,
    cniConfDir: options.cniConfDir ?? paths.cniConfDir,
    registryConfigPath: paths.certsDir,
    registryAuths,
    streamServerPort: options.streamServerPort,
    enableSelinux: options.selinux,
    restrictOomScoreAdj,
    netnsMountsUnderStateDir: options.netnsMountsUnderStateDir,
  });
  await writeFileAtomic(paths.config, config);
  const hosts = renderRegistryHosts(registries, {
    noDefaultEndpoint: options.disableDefaultRegistryEndpoint,
    warn: (message) => log.warn(message),
  });
  await writeRegistryHosts(paths.certsDir, hosts);
  const supervisor = new ContainerdSupervisor({
    configPath: paths.config,
    address: paths.address,
    root: paths.root,
    state: paths.state,
    logFile: options.logToStdout ? undefined : paths.log,
    netns: options.netns,
    startTimeoutMs: options.startTimeoutMs,
    log,
  });
  await supervisor.start();
  try {
    await importAirgapImages({
      imagesDir: paths.imagesDir,
      address: paths.address,
      snapshotter,
      log,
    });
  } catch (error) {
    await supervisor.stop();
    throw error;
  }
  return {
    endpoint: `unix://${paths.address}`,
    supervisor,
    snapshotter,
    stop: () => supervisor.stop(),
  };
}

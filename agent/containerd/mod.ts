/**
 * The agent's embedded containerd: its generated `config.toml` and registry `hosts.toml` files
 * (pure renderers), the snapshotter choice, the supervised process, and
 * {@link startContainerRuntime}, which puts them together (or uses an existing runtime given by
 * `--container-runtime-endpoint`).
 *
 * @module
 */
export { type ContainerdConfigOptions, renderContainerdConfig } from "./config.ts";
export {
  hostsHeader,
  normalizeEndpoint,
  renderRegistryHosts,
  writeRegistryHosts,
} from "./hosts.ts";
export type { HostsOptions } from "./hosts.ts";
export {
  type ContainerdPaths,
  containerdPaths,
  DEFAULT_CNI_BIN_DIR,
  DEFAULT_CONTAINERD_STATE,
  DEFAULT_PAUSE_IMAGE,
  DEFAULT_REGISTRIES_FILE,
} from "./paths.ts";
export {
  loadRegistries,
  parseRegistries,
  type Registries,
  type RegistryAuth,
  type RegistryConfig,
  type RegistryMirror,
  type RegistryTls,
} from "./registries.ts";
export { chooseSnapshotter, overlaySupported } from "./snapshotter.ts";
export { ContainerdSupervisor, type ContainerdSupervisorOptions } from "./supervisor.ts";
export {
  type ContainerRuntime,
  type ContainerRuntimeOptions,
  startContainerRuntime,
} from "./run.ts";

/**
 * Where a K3s agent keeps containerd's files, from the data dir (`/var/lib/rancher/k3s` unless
 * `--data-dir` moves it). These are K3s's locations, so that `ctr`/`crictl` habits, the
 * `k3s-killall.sh` script and documentation carry over.
 *
 * @module
 */
import { join } from "node:path";

/** containerd's state dir (sockets, task state) on a K3s node. */
export const DEFAULT_CONTAINERD_STATE = "/run/k3s/containerd";

/** The CNI plugins Debian's `containernetworking-plugins` installs (K3s ships its own). */
export const DEFAULT_CNI_BIN_DIR = "/usr/lib/cni";

/** K3s's default `--pause-image`. */
export const DEFAULT_PAUSE_IMAGE = "rancher/mirrored-pause:3.6";

/** K3s's default `--private-registry`. */
export const DEFAULT_REGISTRIES_FILE = "/etc/rancher/k3s/registries.yaml";

export interface ContainerdPaths {
  /** `<data-dir>/agent/etc/containerd/config.toml`: the generated config. */
  config: string;
  /** `<data-dir>/agent/etc/containerd/certs.d`: one `<host>/hosts.toml` per registry. */
  certsDir: string;
  /** `<data-dir>/agent/containerd`: containerd's root (content, snapshots, metadata). */
  root: string;
  /** containerd's `opt` plugin dir (K3s points it at the root). */
  opt: string;
  /** `<data-dir>/agent/containerd/containerd.log`: containerd's output. */
  log: string;
  /** `/run/k3s/containerd`. */
  state: string;
  /** `/run/k3s/containerd/containerd.sock`: containerd's gRPC (and CRI) socket. */
  address: string;
  /** `<data-dir>/agent/etc/cni/net.d`: the CNI config dir containerd loads. */
  cniConfDir: string;
  /** `<data-dir>/agent/images`: airgap image tarballs imported at start. */
  imagesDir: string;
}

/** The containerd paths of a node with data dir `dataDir` (and state dir `state`). */
export function containerdPaths(
  dataDir: string,
  state: string = DEFAULT_CONTAINERD_STATE,
): ContainerdPaths {
  const agent = join(dataDir, "agent");
  const root = join(agent, "containerd");
  return {
    config: join(agent, "etc", "containerd", "config.toml"),
    certsDir: join(agent, "etc", "containerd", "certs.d"),
    root,
    opt: root,
    log: join(root, "containerd.log"),
    state,
    address: join(state, "containerd.sock"),
    cniConfDir: join(agent, "etc", "cni", "net.d"),
    imagesDir: join(agent, "images"),
  };
}

/**
 * What `k3s agent` runs with: {@link AgentRunConfig} (the agent flags, which `cli/`'s
 * `AgentConfig` satisfies structurally, as `ServerConfig` does for the server) and
 * {@link resolveAgentPaths}, every location the agent uses, with K3s's defaults.
 *
 * `--kubelet-arg` takes the upstream kubelet flags this kubelet understands (`name=value`):
 * `port`, `root-dir`, `pod-manifest-path`, `max-pods`, `cluster-dns`, `cluster-domain`,
 * `node-status-update-frequency`, `pod-logs-dir` (the `podLogsDir` field of the kubelet's
 * config file), `serialize-image-pulls`, `container-log-max-size`, `container-log-max-files`.
 * Others are reported once and ignored.
 *
 * @module
 */
import { join } from "node:path";
import { parseQuantity } from "../kube/quantity.ts";

/** The agent flags, as `cli/agent_flags.ts` declares them. */
export interface AgentRunConfig {
  readonly server?: string;
  readonly token?: string;
  readonly tokenFile?: string;
  readonly dataDir: string;
  readonly debug?: boolean;
  readonly nodeName?: string;
  readonly nodeLabel?: readonly string[];
  readonly nodeTaint?: readonly string[];
  readonly nodeIp?: readonly string[];
  readonly nodeExternalIp?: readonly string[];
  readonly containerRuntimeEndpoint?: string;
  readonly pauseImage?: string;
  readonly snapshotter?: string;
  readonly kubeletArg?: readonly string[];
}

/** The kubelet flags read from `--kubelet-arg`. */
export interface KubeletArgs {
  port: number;
  rootDir: string;
  podManifestPath?: string;
  podLogsDir: string;
  maxPods: number;
  clusterDns?: string[];
  clusterDomain?: string;
  nodeStatusUpdateFrequencyMs: number;
  serializeImagePulls: boolean;
  /** Bytes a container's log file may reach before it is rotated. */
  containerLogMaxSize: number;
  /** Log files kept per container, the current one included. */
  containerLogMaxFiles: number;
  /** Flags given that this kubelet does not know. */
  ignored: string[];
}

const KNOWN = new Set([
  "port",
  "root-dir",
  "pod-manifest-path",
  "pod-logs-dir",
  "max-pods",
  "cluster-dns",
  "cluster-domain",
  "node-status-update-frequency",
  "serialize-image-pulls",
  "container-log-max-size",
  "container-log-max-files",
]);

/** Reads `--kubelet-arg` values (`name=value`, an optional leading `--`). */
export function parseKubeletArgs(args: readonly string[] = []): KubeletArgs {
  const values = new Map<string, string>();
  const ignored: string[] = [];
  for (const arg of args) {
    const text = arg.replace(/^--?/, "");
    const eq = text.indexOf("=");
    const name = eq < 0 ? text : text.slice(0, eq);
    const value = eq < 0 ? "true" : text.slice(eq + 1);
    if (KNOWN.has(name)) values.set(name, value);
    else ignored.push(name);
  }
  const int = (name: string, fallback: number) => {
    const raw = values.get(name);
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 0) {
      throw new Error(`Cannot use --kubelet-arg=${name}=${raw}: not a whole number`);
    }
    return n;
  };
  const list = (name: string) =>
    values.get(name)?.split(",").map((s) => s.trim()).filter((s) => s !== "");
  return {
    port: int("port", 10250),
    rootDir: values.get("root-dir") ?? "/var/lib/kubelet",
    podManifestPath: values.get("pod-manifest-path"),
    podLogsDir: values.get("pod-logs-dir") ?? "/var/log/pods",
    maxPods: int("max-pods", 110),
    clusterDns: list("cluster-dns"),
    clusterDomain: values.get("cluster-domain"),
    nodeStatusUpdateFrequencyMs: durationMs(values.get("node-status-update-frequency")) ?? 10_000,
    serializeImagePulls: values.get("serialize-image-pulls") !== "false",
    containerLogMaxSize: parseQuantity(values.get("container-log-max-size") ?? "10Mi").value(),
    containerLogMaxFiles: Math.max(2, int("container-log-max-files", 5)),
    ignored,
  };
}

function durationMs(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const m = /^(\d+)(ms|s|m)$/.exec(text);
  if (!m) throw new Error(`Cannot use the duration "${text}": write it as 500ms, 10s or 1m`);
  const n = Number(m[1]);
  return m[2] === "ms" ? n : m[2] === "s" ? n * 1000 : n * 60_000;
}

/** Where the agent keeps things. */
export interface AgentPaths {
  /** `<data-dir>/agent`. */
  agentDir: string;
  /** The node password (`/etc/rancher/node/password`). */
  nodePasswordFile: string;
  /** `<data-dir>/agent/etc/cni/net.d`. */
  cniConfDir: string;
  /** `<data-dir>/agent/pod-manifests`: static pods. */
  podManifests: string;
  /** The kubelet's state (`/var/lib/kubelet`): pod volumes. */
  kubeletRoot: string;
  /** Container logs (`/var/log/pods`). */
  podLogs: string;
  /** host-local IPAM's state (`<data-dir>/agent/cni/networks`). */
  ipamDir: string;
}

/** The agent's paths from the data dir and kubelet flags. */
export function resolveAgentPaths(
  dataDir: string,
  kubelet: KubeletArgs,
  nodePasswordFile = "/etc/rancher/node/password",
): AgentPaths {
  const agentDir = join(dataDir, "agent");
  return {
    agentDir,
    nodePasswordFile,
    cniConfDir: join(agentDir, "etc", "cni", "net.d"),
    podManifests: kubelet.podManifestPath ?? join(agentDir, "pod-manifests"),
    kubeletRoot: kubelet.rootDir,
    podLogs: kubelet.podLogsDir,
    ipamDir: join(agentDir, "cni", "networks"),
  };
}

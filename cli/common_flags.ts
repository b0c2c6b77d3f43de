/**
 * Flags that `k3s server` and `k3s agent` share, declared once. The server takes the node flags
 * too because it runs an agent in-process.
 *
 * @module
 */
import { httpsUrl, ipAddress, keyValue, taint } from "./checks.ts";
import type { FlagSpec } from "./flag.ts";

export const configFlag = {
  name: "config",
  short: "c",
  type: "string",
  category: "Config",
  usage: "Load configuration from FILE",
  placeholder: "FILE",
  default: "/etc/rancher/k3s/config.yaml",
  env: "K3S_CONFIG_FILE",
} as const satisfies FlagSpec;

export const debugFlag = {
  name: "debug",
  type: "bool",
  category: "Logging",
  usage: "Turn on debug logs",
  env: "K3S_DEBUG",
} as const satisfies FlagSpec;

export const tokenFileFlag = {
  name: "token-file",
  type: "string",
  category: "Cluster",
  usage: "File containing the token",
  placeholder: "FILE",
  env: "K3S_TOKEN_FILE",
} as const satisfies FlagSpec;

export const nodeNameFlag = {
  name: "node-name",
  type: "string",
  category: "Agent/Node",
  usage: "Node name (default: the hostname)",
  env: "K3S_NODE_NAME",
} as const satisfies FlagSpec;

export const nodeLabelFlag = {
  name: "node-label",
  type: "string-slice",
  category: "Agent/Node",
  usage: "Register the node with this label (key=value), repeatable",
  check: keyValue,
} as const satisfies FlagSpec;

export const nodeTaintFlag = {
  name: "node-taint",
  type: "string-slice",
  category: "Agent/Node",
  usage: "Register the node with this taint (key=value:Effect), repeatable",
  check: taint,
} as const satisfies FlagSpec;

export const nodeIpFlag = {
  name: "node-ip",
  short: "i",
  type: "string-slice",
  split: true,
  category: "Agent/Networking",
  usage: "IPv4/IPv6 addresses to advertise for the node",
  check: ipAddress,
} as const satisfies FlagSpec;

export const nodeExternalIpFlag = {
  name: "node-external-ip",
  type: "string-slice",
  split: true,
  category: "Agent/Networking",
  usage: "IPv4/IPv6 external addresses to advertise for the node",
  check: ipAddress,
} as const satisfies FlagSpec;

export const containerRuntimeEndpointFlag = {
  name: "container-runtime-endpoint",
  type: "string",
  category: "Agent/Runtime",
  usage: "Use the CRI socket at this path instead of starting containerd",
  placeholder: "PATH",
} as const satisfies FlagSpec;

export const pauseImageFlag = {
  name: "pause-image",
  type: "string",
  category: "Agent/Runtime",
  usage: "Pause image for pod sandboxes",
  default: "rancher/mirrored-pause:3.6",
} as const satisfies FlagSpec;

export const snapshotterFlag = {
  name: "snapshotter",
  type: "string",
  category: "Agent/Runtime",
  usage: "Override the default containerd snapshotter",
  default: "overlayfs",
} as const satisfies FlagSpec;

export const kubeletArgFlag = {
  name: "kubelet-arg",
  type: "string-slice",
  category: "Agent/Flags",
  usage: "Extra flag for the kubelet (name=value), repeatable",
} as const satisfies FlagSpec;

/** `--server`, whose usage differs slightly between the two commands. */
export function serverUrlFlag(usage: string) {
  return {
    name: "server",
    short: "s",
    type: "string",
    category: "Cluster",
    usage,
    placeholder: "URL",
    env: "K3S_URL",
    check: httpsUrl,
  } as const satisfies FlagSpec;
}

/** `--data-dir`, whose usage differs slightly between the two commands. */
export function dataDirFlag(usage: string) {
  return {
    name: "data-dir",
    short: "d",
    type: "string",
    category: "Data",
    usage,
    placeholder: "DIR",
    default: "/var/lib/rancher/k3s",
    env: "K3S_DATA_DIR",
  } as const satisfies FlagSpec;
}

/** The node flags both commands take, in help order. */
export const nodeFlags = [
  nodeNameFlag,
  nodeLabelFlag,
  nodeTaintFlag,
  nodeIpFlag,
  nodeExternalIpFlag,
  containerRuntimeEndpointFlag,
  pauseImageFlag,
  snapshotterFlag,
  kubeletArgFlag,
] as const;

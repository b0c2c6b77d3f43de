/**
 * The flags of `k3s server`, and `ServerConfig`, the type derived from them.
 *
 * @module
 */
import { cidr, fileMode, ipAddress } from "./checks.ts";
import {
  configFlag,
  dataDirFlag,
  debugFlag,
  nodeFlags,
  serverUrlFlag,
  tokenFileFlag,
} from "./common_flags.ts";
import type { ConfigOf, FlagSpec } from "./flag.ts";

const port = [1, 65535] as const;

/** Packaged components `--disable` may name. */
export const disableItems = [
  "coredns",
  "servicelb",
  "traefik",
  "local-storage",
  "metrics-server",
] as const;

export const serverFlags = [
  configFlag,
  debugFlag,
  {
    name: "bind-address",
    type: "string",
    category: "Listener",
    usage: "k3s bind address (default: 0.0.0.0)",
    check: ipAddress,
  },
  {
    name: "https-listen-port",
    type: "int",
    category: "Listener",
    usage: "HTTPS listen port",
    default: 6443,
    range: port,
  },
  {
    name: "advertise-address",
    type: "string",
    category: "Listener",
    usage: "IPv4/IPv6 address the apiserver advertises to cluster members " +
      "(default: node-external-ip/node-ip)",
    check: ipAddress,
  },
  {
    name: "advertise-port",
    type: "int",
    category: "Listener",
    usage: "Port the apiserver advertises to cluster members (default: https-listen-port)",
    range: port,
  },
  {
    name: "tls-san",
    type: "string-slice",
    split: true,
    category: "Listener",
    usage: "Additional hostname or IPv4/IPv6 address as a Subject Alternative Name " +
      "on the server TLS cert, repeatable",
  },
  dataDirFlag("Folder to hold state"),
  {
    name: "cluster-cidr",
    type: "string-slice",
    split: true,
    category: "Networking",
    usage: "IPv4/IPv6 network CIDRs to use for pod IPs",
    default: ["10.42.0.0/16"],
    check: cidr,
  },
  {
    name: "service-cidr",
    type: "string-slice",
    split: true,
    category: "Networking",
    usage: "IPv4/IPv6 network CIDRs to use for service IPs",
    default: ["10.43.0.0/16"],
    check: cidr,
  },
  {
    name: "cluster-dns",
    type: "string-slice",
    split: true,
    category: "Networking",
    usage: "IPv4/IPv6 cluster IP for the coredns service, inside service-cidr " +
      "(default: the 10th address of service-cidr, 10.43.0.10)",
    check: ipAddress,
  },
  {
    name: "cluster-domain",
    type: "string",
    category: "Networking",
    usage: "Cluster domain",
    default: "cluster.local",
  },
  {
    name: "write-kubeconfig",
    short: "o",
    type: "string",
    category: "Kubeconfig",
    usage: "Write the admin kubeconfig to this file (default: /etc/rancher/k3s/k3s.yaml)",
    placeholder: "FILE",
    env: "K3S_KUBECONFIG_OUTPUT",
  },
  {
    name: "write-kubeconfig-mode",
    type: "string",
    category: "Kubeconfig",
    usage: "Write the admin kubeconfig with this file mode (default: 0600)",
    placeholder: "MODE",
    env: "K3S_KUBECONFIG_MODE",
    check: fileMode,
  },
  {
    name: "token",
    short: "t",
    type: "string",
    category: "Cluster",
    usage: "Shared secret used to join a server or agent to a cluster",
    env: "K3S_TOKEN",
  },
  tokenFileFlag,
  {
    name: "agent-token",
    type: "string",
    category: "Cluster",
    usage: "Shared secret used to join agents to the cluster, but not servers",
    env: "K3S_AGENT_TOKEN",
  },
  {
    name: "agent-token-file",
    type: "string",
    category: "Cluster",
    usage: "File containing the agent secret",
    placeholder: "FILE",
    env: "K3S_AGENT_TOKEN_FILE",
  },
  serverUrlFlag("Server to connect to, used to join a cluster"),
  {
    name: "cluster-init",
    type: "bool",
    category: "Cluster",
    usage: "Initialize a new cluster using embedded etcd",
    env: "K3S_CLUSTER_INIT",
  },
  {
    name: "kube-apiserver-arg",
    type: "string-slice",
    category: "Flags",
    usage: "Extra flag for the API server (name=value), repeatable",
  },
  {
    name: "kube-controller-manager-arg",
    type: "string-slice",
    category: "Flags",
    usage: "Extra flag for the controller manager (name=value), repeatable",
  },
  {
    name: "datastore-endpoint",
    type: "string",
    category: "Database",
    usage: "etcd, MySQL, Postgres or SQLite (default) data source name",
    env: "K3S_DATASTORE_ENDPOINT",
  },
  {
    name: "datastore-cafile",
    type: "string",
    category: "Database",
    usage: "TLS Certificate Authority file used to secure datastore backend communication",
    placeholder: "FILE",
    env: "K3S_DATASTORE_CAFILE",
  },
  {
    name: "datastore-certfile",
    type: "string",
    category: "Database",
    usage: "TLS certificate file used to secure datastore backend communication",
    placeholder: "FILE",
    env: "K3S_DATASTORE_CERTFILE",
  },
  {
    name: "datastore-keyfile",
    type: "string",
    category: "Database",
    usage: "TLS key file used to secure datastore backend communication",
    placeholder: "FILE",
    env: "K3S_DATASTORE_KEYFILE",
  },
  {
    name: "disable",
    type: "string-slice",
    split: true,
    category: "Components",
    usage: `Do not deploy packaged components and delete any deployed components ` +
      `(valid items: ${disableItems.join(", ")})`,
    choices: disableItems,
  },
  {
    name: "disable-scheduler",
    type: "bool",
    category: "Components",
    usage: "Disable the Kubernetes default scheduler",
  },
  {
    name: "disable-agent",
    type: "bool",
    category: "Components",
    usage: "Do not run a local agent and register a local kubelet",
  },
  {
    name: "secrets-encryption",
    type: "bool",
    category: "Security",
    usage: "Enable secret encryption at rest",
    env: "K3S_SECRETS_ENCRYPTION",
  },
  ...nodeFlags,
] as const satisfies readonly FlagSpec[];

/** Everything `k3s server` runs with, one field per flag (camelCase of its name). */
export type ServerConfig = ConfigOf<typeof serverFlags>;

/** Flag pairs that cannot both be set. */
export const serverConflicts = [
  ["token", "token-file"],
  ["agent-token", "agent-token-file"],
] as const;

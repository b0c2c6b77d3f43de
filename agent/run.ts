/**
 * `k3s agent`: the composition root of a node. Joins the cluster (CA pinned by the token,
 * kubelet certificates and agent config from the supervisor API, node password), starts the
 * container runtime, registers the Node, writes the pod network's CNI config for the node's pod
 * CIDR, and runs the kubelet until signalled. Pods keep running when the agent stops; a new agent
 * adopts them.
 *
 * @module
 */
import { readFile, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { join as joinPath } from "node:path";
import process from "node:process";
import { KubeClient } from "../kube/client/client.ts";
import { NODES } from "../kube/client/resources.ts";
import { consoleLogger, type Logger } from "../kube/client/log.ts";
import { buildKubeconfig } from "../kube/kubeconfig.ts";
import { K3S_VERSION } from "../kube/version.ts";
import { GrpcCriClient } from "../cri/grpc_client.ts";
import { type AgentRunConfig, parseKubeletArgs, resolveAgentPaths } from "./config.ts";
import { type ContainerRuntime, startContainerRuntime } from "./containerd/mod.ts";
import { detectNodeIp } from "./host_ip.ts";
import { joinCluster, type JoinResult } from "./join/join.ts";
import { parseJoinToken } from "./join/token.ts";
import { Kubelet } from "./kubelet/kubelet.ts";
import { PodNetwork } from "./network/pod_network.ts";

export type { AgentRunConfig } from "./config.ts";

export interface AgentRunOptions {
  /** A server's own agent: its Node gets the control-plane role labels. */
  controlPlane?: boolean;
  /** Stops the agent (instead of SIGINT/SIGTERM). */
  signal?: AbortSignal;
  log?: Logger;
  /** Where the node password lives (default `/etc/rancher/node/password`). */
  nodePasswordFile?: string;
  /** containerd's state dir (default `/run/k3s/containerd`). */
  containerdState?: string;
}

/** A started agent. */
export interface RunningAgent {
  nodeName: string;
  kubelet: Kubelet;
  runtime: ContainerRuntime;
  join: JoinResult;
  /** Resolves when the kubelet stops (after `stop()`). */
  done: Promise<void>;
  /** Stops the kubelet and the embedded containerd; pods keep running. */
  stop(): Promise<void>;
}

async function tokenOf(config: AgentRunConfig): Promise<string> {
  if (config.token) return config.token;
  if (config.tokenFile) return (await readFile(config.tokenFile, "utf8")).trim();
  throw new Error("Cannot join: give --token or --token-file (or $K3S_TOKEN)");
}

/** The IPv4 CIDR string of Go's JSON `{IP, Mask}`. */
function cidrOf(net: { IP: string; Mask: string } | null | undefined): string | undefined {
  if (!net) return undefined;
  const mask = atob(net.Mask);
  let bits = 0;
  for (const ch of mask) bits += ch.charCodeAt(0).toString(2).replaceAll("0", "").length;
  return `${net.IP}/${bits}`;
}

/** Starts every part of the agent; resolves once the kubelet runs. */
export async function startAgent(
  config: AgentRunConfig,
  options: AgentRunOptions = {},
): Promise<RunningAgent> {
  const log = options.log ?? consoleLogger("agent", { debug: config.debug });
  if (!config.server) throw new Error("Cannot start the agent: --server is required");
  const stop = new AbortController();
  options.signal?.addEventListener("abort", () => stop.abort(), { once: true });
  const token = parseJoinToken(await tokenOf(config));
  const nodeName = (config.nodeName || hostname()).toLowerCase();
  const nodeIps = config.nodeIp?.length ? [...config.nodeIp] : [await detectNodeIp()];
  const args = parseKubeletArgs(config.kubeletArg);
  for (const name of args.ignored) {
    log.warn(`Ignoring --kubelet-arg=${name}: this kubelet does not use it`);
  }
  const paths = resolveAgentPaths(config.dataDir, args, options.nodePasswordFile);

  log.info(`Starting k3s agent ${K3S_VERSION} for node ${nodeName} (${nodeIps.join(",")})`);
  const join = await joinCluster({
    server: config.server,
    token,
    nodeName,
    nodeIps,
    passwordFile: paths.nodePasswordFile,
    fallbackPasswordFile: joinPath(paths.agentDir, "node-password.txt"),
    agentDir: paths.agentDir,
    log,
    signal: stop.signal,
  });
  await writeFile(
    joinPath(paths.agentDir, "kubelet.kubeconfig"),
    buildKubeconfig({
      server: join.server,
      caPem: join.serverCaPem,
      certPem: join.kubeletClient.certPem,
      keyPem: join.kubeletClient.keyPem,
    }),
    { mode: 0o600 },
  );

  const runtime = await startContainerRuntime({
    dataDir: config.dataDir,
    containerRuntimeEndpoint: config.containerRuntimeEndpoint,
    pauseImage: config.pauseImage,
    snapshotter: config.snapshotter,
    cniConfDir: paths.cniConfDir,
    containerdState: options.containerdState,
    logToStdout: false,
    log: consoleLogger("containerd", { debug: config.debug }),
  });
  const cri = new GrpcCriClient({ endpoint: runtime.endpoint });
  const client = new KubeClient({
    server: join.server,
    caPem: join.serverCaPem,
    certPem: join.kubeletClient.certPem,
    keyPem: join.kubeletClient.keyPem,
    userAgent: `kubelet/${K3S_VERSION}`,
  });
  const cleanup = async () => {
    client.close();
    cri.close();
    await runtime.stop();
  };
  try {
    const clusterDns = args.clusterDns ??
      (join.config.ClusterDNSs?.length
        ? join.config.ClusterDNSs
        : join.config.ClusterDNS
        ? [join.config.ClusterDNS]
        : []);
    const kubelet = await Kubelet.create({
      client,
      runtime: cri,
      events: cri,
      nodeName,
      hostname: hostname().toLowerCase(),
      nodeIps,
      externalIps: [...(config.nodeExternalIp ?? [])],
      labels: config.nodeLabel ?? [],
      taints: config.nodeTaint ?? [],
      controlPlane: options.controlPlane ?? false,
      args,
      paths,
      clusterDns,
      clusterDomain: args.clusterDomain ?? join.config.ClusterDomain ?? "cluster.local",
      tls: { ...join.kubeletServing, clientCaPem: join.clientCaPem },
      log: consoleLogger("kubelet", { debug: config.debug }),
    });
    const node = await kubelet.register(stop.signal);
    const network = new PodNetwork({
      nodeName,
      clusterCidr: cidrOf(join.config.ClusterIPRange) ?? "10.42.0.0/16",
      cniConfDir: paths.cniConfDir,
      ipamDir: paths.ipamDir,
      log,
    });
    // The node IPAM controller assigns a range right after registration: give it a moment.
    let podCidr = node.spec?.podCIDR;
    for (let i = 0; !podCidr && i < 20 && !stop.signal.aborted; i++) {
      await new Promise((r) => setTimeout(r, 500));
      podCidr = (await client.get(NODES, nodeName).catch(() => undefined))?.spec?.podCIDR;
    }
    await network.update(podCidr);
    kubelet.onNodeChange((n) => network.update(n.spec?.podCIDR));
    const done = kubelet.run(stop.signal).finally(cleanup);
    return {
      nodeName,
      kubelet,
      runtime,
      join,
      done,
      async stop() {
        stop.abort();
        await done;
      },
    };
  } catch (error) {
    await cleanup();
    throw error;
  }
}

/** Runs `k3s agent` until SIGINT or SIGTERM (or `options.signal`); resolves to an exit code. */
export async function runAgent(
  config: AgentRunConfig,
  options: AgentRunOptions = {},
): Promise<number> {
  const stop = new AbortController();
  options.signal?.addEventListener("abort", () => stop.abort(), { once: true });
  const onSignal = () => stop.abort();
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    const agent = await startAgent(config, { ...options, signal: stop.signal });
    await agent.done;
    return 0;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

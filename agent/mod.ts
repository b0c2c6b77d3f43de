/**
 * `k3s agent`: {@link runAgent} joins a node to the cluster and runs its kubelet over the
 * embedded containerd (see `run.ts`); the server runs the same agent in-process.
 *
 * - `config.ts`: {@link AgentRunConfig} (the agent flags) and the paths and kubelet flags
 *   derived from it.
 * - `join/`: the join token, CA pinning and the supervisor's join API.
 * - `network/`: the pod network's CNI config (a pure render) for the node's pod CIDR.
 * - `kubelet/`: the kubelet.
 * - `containerd/`, `images/`: the container runtime and airgap images.
 *
 * @module
 */
export { type AgentRunOptions, runAgent, type RunningAgent, startAgent } from "./run.ts";
export { type AgentRunConfig, parseKubeletArgs, resolveAgentPaths } from "./config.ts";

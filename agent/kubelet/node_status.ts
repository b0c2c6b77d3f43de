/**
 * The Node object as this kubelet registers and reports it, computed purely: labels (arch,
 * os, hostname, `--node-label`; the server sets the control-plane roles, since NodeRestriction
 * refuses `node-role.kubernetes.io/*` labels from a kubelet), annotations K3s sets, taints (`--node-taint`),
 * capacity and allocatable, addresses, node info, the daemon endpoint, and the Ready and
 * pressure conditions with their upstream reasons and messages.
 *
 * @module
 */
import type { Node, NodeCondition, Taint } from "../../kube/client/types.ts";
import type { MachineInfo } from "./machine.ts";

export interface NodeSettings {
  name: string;
  hostname: string;
  internalIps: readonly string[];
  externalIps: readonly string[];
  /** `--node-label` (`key=value`). */
  labels: readonly string[];
  /** `--node-taint` (`key=value:Effect`). */
  taints: readonly string[];
  /** The server's own agent (its roles are labelled by the server, not by the kubelet). */
  controlPlane: boolean;
  kubeletPort: number;
  maxPods: number;
  kubeletVersion: string;
  containerRuntimeVersion: string;
}

/** Parses `key=value:Effect` (or `key:Effect`). */
export function parseTaint(text: string): Taint {
  const colon = text.lastIndexOf(":");
  if (colon < 0) throw new Error(`Cannot parse the taint "${text}": write key=value:Effect`);
  const effect = text.slice(colon + 1);
  const kv = text.slice(0, colon);
  const eq = kv.indexOf("=");
  return eq < 0 ? { key: kv, effect } : { key: kv.slice(0, eq), value: kv.slice(eq + 1), effect };
}

export function nodeLabels(settings: NodeSettings, machine: MachineInfo): Record<string, string> {
  const labels: Record<string, string> = {
    "beta.kubernetes.io/arch": machine.architecture,
    "beta.kubernetes.io/os": "linux",
    "kubernetes.io/arch": machine.architecture,
    "kubernetes.io/os": "linux",
    "kubernetes.io/hostname": settings.hostname,
    "node.kubernetes.io/instance-type": "k3s",
  };
  for (const item of settings.labels) {
    const eq = item.indexOf("=");
    if (eq < 0) labels[item] = "";
    else labels[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return labels;
}

export function nodeAnnotations(settings: NodeSettings): Record<string, string> {
  const out: Record<string, string> = {
    "k3s.io/hostname": settings.hostname,
    "k3s.io/internal-ip": settings.internalIps.join(","),
    "node.alpha.kubernetes.io/ttl": "0",
    "volumes.kubernetes.io/controller-managed-attach-detach": "true",
  };
  if (settings.externalIps.length) out["k3s.io/external-ip"] = settings.externalIps.join(",");
  return out;
}

/** Capacity and allocatable (K3s's eviction defaults keep 5% of the disk back). */
export function nodeResources(settings: NodeSettings, machine: MachineInfo) {
  const capacity = {
    cpu: String(machine.cpus),
    "ephemeral-storage": `${Math.floor(machine.diskTotal / 1024)}Ki`,
    "hugepages-1Gi": "0",
    "hugepages-2Mi": "0",
    memory: `${Math.floor(machine.memoryTotal / 1024)}Ki`,
    pods: String(settings.maxPods),
  };
  const allocatable = {
    ...capacity,
    "ephemeral-storage": String(Math.floor(machine.diskTotal * 0.95)),
  };
  return { capacity, allocatable };
}

export interface RuntimeHealth {
  /** Why the node is not ready (runtime down, network not ready), or undefined. */
  notReady?: string;
}

/** The four conditions; transition times carry over from `previous` when unchanged. */
export function nodeConditions(
  machine: MachineInfo,
  health: RuntimeHealth,
  now: string,
  previous: NodeCondition[] = [],
): NodeCondition[] {
  const memoryPressure = machine.memoryTotal > 0 && machine.memoryAvailable < 100 * 1024 * 1024;
  const diskPressure = machine.diskTotal > 0 && machine.diskAvailable / machine.diskTotal < 0.05;
  const pidPressure = machine.pidMax > 0 && machine.pids / machine.pidMax > 0.95;
  const make = (type: string, status: boolean, reason: string, message: string): NodeCondition => {
    const text = status ? "True" : "False";
    const old = previous.find((c) => c.type === type);
    return {
      type,
      status: text,
      lastHeartbeatTime: now,
      lastTransitionTime: old?.status === text && old.lastTransitionTime
        ? old.lastTransitionTime
        : now,
      reason,
      message,
    };
  };
  return [
    memoryPressure
      ? make(
        "MemoryPressure",
        true,
        "KubeletHasInsufficientMemory",
        "kubelet has insufficient memory available",
      )
      : make(
        "MemoryPressure",
        false,
        "KubeletHasSufficientMemory",
        "kubelet has sufficient memory available",
      ),
    diskPressure
      ? make("DiskPressure", true, "KubeletHasDiskPressure", "kubelet has disk pressure")
      : make("DiskPressure", false, "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
    pidPressure
      ? make(
        "PIDPressure",
        true,
        "KubeletHasInsufficientPID",
        "kubelet has insufficient PID available",
      )
      : make(
        "PIDPressure",
        false,
        "KubeletHasSufficientPID",
        "kubelet has sufficient PID available",
      ),
    health.notReady
      ? make("Ready", false, "KubeletNotReady", health.notReady)
      : make("Ready", true, "KubeletReady", "kubelet is posting ready status"),
  ];
}

/** The Node to register. */
export function buildNode(
  settings: NodeSettings,
  machine: MachineInfo,
  now: string,
  health: RuntimeHealth,
): Node {
  const taints = settings.taints.map(parseTaint);
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name: settings.name,
      labels: nodeLabels(settings, machine),
      annotations: nodeAnnotations(settings),
    },
    spec: { providerID: `k3s://${settings.name}`, ...(taints.length ? { taints } : {}) },
    status: nodeStatus(settings, machine, now, health),
  };
}

/** The status part of the Node. */
export function nodeStatus(
  settings: NodeSettings,
  machine: MachineInfo,
  now: string,
  health: RuntimeHealth,
  previous: NodeCondition[] = [],
): NonNullable<Node["status"]> {
  const { capacity, allocatable } = nodeResources(settings, machine);
  return {
    capacity,
    allocatable,
    conditions: nodeConditions(machine, health, now, previous),
    addresses: [
      ...settings.internalIps.map((address) => ({ type: "InternalIP", address })),
      ...settings.externalIps.map((address) => ({ type: "ExternalIP", address })),
      { type: "Hostname", address: settings.hostname },
    ],
    daemonEndpoints: { kubeletEndpoint: { Port: settings.kubeletPort } },
    nodeInfo: {
      machineID: machine.machineID,
      systemUUID: machine.systemUUID,
      bootID: machine.bootID,
      kernelVersion: machine.kernelVersion,
      osImage: machine.osImage,
      containerRuntimeVersion: settings.containerRuntimeVersion,
      kubeletVersion: settings.kubeletVersion,
      kubeProxyVersion: "",
      operatingSystem: "linux",
      architecture: machine.architecture,
    },
  };
}

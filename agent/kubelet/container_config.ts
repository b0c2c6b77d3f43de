/**
 * The CRI config of one container (upstream's `generateContainerConfig`): image, command and
 * arguments with `$(VAR)` expansion, environment, mounts, log path, resources and the merged
 * pod and container security context.
 *
 * @module
 */
import type { Container, Pod } from "../../kube/client/types.ts";
import type { ContainerConfig, LinuxContainerSecurityContext, Mount } from "../../cri/types.ts";
import { expandVars } from "./env.ts";
import { containerAnnotations, containerLabels } from "./labels.ts";
import { containerResources } from "./resources.ts";

/** Paths the runtime hides or makes read-only in unprivileged containers (upstream's). */
export const DEFAULT_MASKED_PATHS = [
  "/proc/asound",
  "/proc/acpi",
  "/proc/kcore",
  "/proc/keys",
  "/proc/latency_stats",
  "/proc/timer_list",
  "/proc/timer_stats",
  "/proc/sched_debug",
  "/proc/scsi",
  "/sys/firmware",
  "/sys/devices/virtual/powercap",
];
export const DEFAULT_READONLY_PATHS = [
  "/proc/bus",
  "/proc/fs",
  "/proc/irq",
  "/proc/sys",
  "/proc/sysrq-trigger",
];

interface SecurityContext {
  runAsUser?: number;
  runAsGroup?: number;
  runAsNonRoot?: boolean;
  privileged?: boolean;
  readOnlyRootFilesystem?: boolean;
  allowPrivilegeEscalation?: boolean;
  capabilities?: { add?: string[]; drop?: string[] };
  procMount?: string;
  seccompProfile?: { type: string };
  supplementalGroups?: number[];
  fsGroup?: number;
}

export interface ContainerConfigInputs {
  pod: Pod;
  container: Container;
  restartCount: number;
  /** The image reference to run (the pulled image's id or name). */
  image: string;
  envs: { key: string; value: string }[];
  mounts: Mount[];
  memoryCapacity: number;
}

/** The merged security context, pod-level values under container-level ones. */
export function effectiveSecurityContext(pod: Pod, container: Container): SecurityContext {
  const podSc = (pod.spec?.securityContext ?? {}) as SecurityContext;
  const sc = (container.securityContext ?? {}) as SecurityContext;
  return {
    ...sc,
    runAsUser: sc.runAsUser ?? podSc.runAsUser,
    runAsGroup: sc.runAsGroup ?? podSc.runAsGroup,
    runAsNonRoot: sc.runAsNonRoot ?? podSc.runAsNonRoot,
    seccompProfile: sc.seccompProfile ?? podSc.seccompProfile,
    supplementalGroups: podSc.supplementalGroups,
    fsGroup: podSc.fsGroup,
  };
}

function linuxSecurity(pod: Pod, container: Container): LinuxContainerSecurityContext {
  const sc = effectiveSecurityContext(pod, container);
  const spec = pod.spec!;
  const out: LinuxContainerSecurityContext = {
    privileged: sc.privileged ?? false,
    readonlyRootfs: sc.readOnlyRootFilesystem ?? false,
    namespaceOptions: {
      network: spec.hostNetwork ? "NODE" : "POD",
      pid: spec.hostPID ? "NODE" : spec.shareProcessNamespace ? "POD" : "CONTAINER",
      ipc: spec.hostIPC ? "NODE" : "POD",
    },
  };
  if (sc.runAsUser !== undefined) out.runAsUser = { value: sc.runAsUser };
  if (sc.runAsGroup !== undefined) out.runAsGroup = { value: sc.runAsGroup };
  const groups = [
    ...(sc.supplementalGroups ?? []),
    ...(sc.fsGroup !== undefined ? [sc.fsGroup] : []),
  ];
  if (groups.length) out.supplementalGroups = groups;
  if (sc.capabilities) {
    out.capabilities = {
      addCapabilities: sc.capabilities.add ?? [],
      dropCapabilities: sc.capabilities.drop ?? [],
    };
  }
  if (sc.allowPrivilegeEscalation === false) out.noNewPrivs = true;
  if (!out.privileged && sc.procMount !== "Unmasked") {
    out.maskedPaths = DEFAULT_MASKED_PATHS;
    out.readonlyPaths = DEFAULT_READONLY_PATHS;
  }
  if (sc.seccompProfile?.type === "RuntimeDefault") out.seccomp = { profileType: "RuntimeDefault" };
  return out;
}

export function containerConfig(inputs: ContainerConfigInputs): ContainerConfig {
  const { pod, container, restartCount } = inputs;
  const vars = Object.fromEntries(inputs.envs.map((e) => [e.key, e.value]));
  const expand = (list: string[] | undefined) => list?.map((s) => expandVars(s, vars));
  return {
    metadata: { name: container.name, attempt: restartCount },
    image: { image: inputs.image },
    command: expand(container.command),
    args: expand(container.args),
    workingDir: container.workingDir as string | undefined,
    envs: inputs.envs,
    mounts: inputs.mounts,
    labels: containerLabels(pod, container),
    annotations: containerAnnotations(pod, container, restartCount),
    logPath: `${container.name}/${restartCount}.log`,
    stdin: Boolean(container.stdin),
    stdinOnce: Boolean(container.stdinOnce),
    tty: Boolean(container.tty),
    linux: {
      resources: containerResources(pod, container, inputs.memoryCapacity),
      securityContext: linuxSecurity(pod, container),
    },
  };
}

/**
 * A pod's status computed purely from its spec, the runtime's view and the kubelet's own
 * knowledge (probe results, why a container waits), as upstream's `generateAPIPodStatus`:
 * container statuses with state, last state, restart count, readiness; the phase; the
 * conditions; pod and host IPs; start time; QoS class. Transition times carry over from the
 * previous status when a condition did not change, so an unchanged pod yields an equal status.
 *
 * @module
 */
import type {
  Container,
  ContainerStatus,
  Pod,
  PodCondition,
  PodStatus,
} from "../../kube/client/types.ts";
import { formatTime } from "../../kube/meta.ts";
import { isSidecar } from "./actions.ts";
import { qosClass } from "./resources.ts";
import type { RuntimeContainer, RuntimePod } from "./runtime_pod.ts";

/** Why a container is not running, as the last sync found (ErrImagePull, CrashLoopBackOff, …). */
export interface WaitingReason {
  reason: string;
  message?: string;
}

export interface StatusInputs {
  pod: Pod;
  runtime: RuntimePod;
  /** Readiness and startup results by container id. */
  probe(containerId: string): { ready: boolean; started: boolean };
  /** Waiting reasons by container name. */
  waiting: ReadonlyMap<string, WaitingReason>;
  nodeIps: readonly string[];
  /** ms since the epoch. */
  now: number;
  /** Set when the pod is over for good (an init container failed under `Never`, deletion). */
  terminal?: { phase?: "Succeeded" | "Failed"; reason?: string; message?: string };
  /** Termination messages by container id. */
  terminationMessages?: ReadonlyMap<string, string>;
}

const OWNED_CONDITIONS = new Set([
  "PodReadyToStartContainers",
  "Initialized",
  "ContainersReady",
  "Ready",
]);

function time(ms: number): string {
  return formatTime(new Date(ms));
}

function terminated(c: RuntimeContainer, message?: string): Record<string, unknown> {
  const out: Record<string, unknown> = {
    exitCode: c.exitCode,
    reason: c.reason || (c.exitCode === 0 ? "Completed" : "Error"),
    startedAt: c.startedAt ? time(c.startedAt) : null,
    finishedAt: c.finishedAt ? time(Math.max(c.finishedAt, c.startedAt)) : null,
    containerID: `containerd://${c.id}`,
  };
  const text = message ?? c.message;
  if (text) out.message = text;
  return out;
}

function containerStatus(
  inputs: StatusInputs,
  container: Container,
  all: RuntimeContainer[],
  init: boolean,
  initialized: boolean,
): ContainerStatus {
  const mine = all.filter((c) => c.name === container.name);
  const [last, before] = mine;
  const status: ContainerStatus = {
    name: container.name,
    ready: false,
    restartCount: last?.restartCount ?? 0,
    image: container.image ?? "",
    imageID: last?.imageRef ?? "",
    started: false,
    state: {},
    lastState: {},
  };
  const waitingReason = inputs.waiting.get(container.name);
  const messageOf = (c: RuntimeContainer) => inputs.terminationMessages?.get(c.id);
  if (!last) {
    status.state = {
      waiting: waitingReason ??
        { reason: !init && !initialized ? "PodInitializing" : "ContainerCreating" },
    };
    return status;
  }
  status.containerID = `containerd://${last.id}`;
  if (before && before.state === "CONTAINER_EXITED") {
    status.lastState = { terminated: terminated(before, messageOf(before)) };
  }
  if (last.state === "CONTAINER_RUNNING") {
    const probe = inputs.probe(last.id);
    status.state = { running: { startedAt: time(last.startedAt || last.createdAt) } };
    status.started = probe.started;
    status.ready = probe.started && probe.ready;
    return status;
  }
  if (last.state === "CONTAINER_CREATED") {
    status.state = { waiting: waitingReason ?? { reason: "ContainerCreating" } };
    return status;
  }
  // The sync leaves a waiting reason (CrashLoopBackOff, …) for a container it will restart.
  if (waitingReason && !inputs.terminal) {
    status.state = { waiting: waitingReason };
    status.lastState = { terminated: terminated(last, messageOf(last)) };
  } else {
    status.state = { terminated: terminated(last, messageOf(last)) };
  }
  return status;
}

/** Upstream's `getPhase`. */
export function podPhase(pod: Pod, init: ContainerStatus[], regular: ContainerStatus[]): string {
  const policy = pod.spec?.restartPolicy ?? "Always";
  let pendingInit = 0;
  let failedInit = 0;
  const specs = pod.spec?.initContainers ?? [];
  for (const [i, s] of init.entries()) {
    if (isSidecar(specs[i])) {
      if (!s.started) pendingInit++;
      continue;
    }
    const state = s.state as Record<string, { exitCode?: number }>;
    const last = s.lastState as Record<string, { exitCode?: number }> | undefined;
    if (state.running) pendingInit++;
    else if (state.terminated) {
      if (state.terminated.exitCode !== 0) failedInit++;
    } else if (last?.terminated && last.terminated.exitCode !== 0) failedInit++;
    else pendingInit++;
  }
  let running = 0, waiting = 0, stopped = 0, succeeded = 0;
  for (const s of regular) {
    const state = s.state as Record<string, { exitCode?: number }>;
    if (state.running) running++;
    else if (state.terminated) {
      stopped++;
      if (state.terminated.exitCode === 0) succeeded++;
    } else if ((s.lastState as Record<string, unknown> | undefined)?.terminated) stopped++;
    else waiting++;
  }
  if (failedInit > 0 && policy === "Never") return "Failed";
  if (pendingInit > 0 && running === 0 && stopped === 0) return "Pending";
  if (waiting > 0) return "Pending";
  if (running > 0) return "Running";
  if (stopped > 0) {
    if (policy === "Always") return "Running";
    if (stopped === succeeded) return "Succeeded";
    if (policy === "Never") return "Failed";
    return "Running";
  }
  return "Pending";
}

/** The pod's status; fields the kubelet does not own are kept from `pod.status`. */
export function computePodStatus(inputs: StatusInputs): PodStatus {
  const { pod, runtime } = inputs;
  const previous = pod.status ?? {};
  const spec = pod.spec!;
  const sandbox = runtime.sandboxes[0];
  const current = sandbox ? runtime.containers.filter((c) => c.sandboxId === sandbox.id) : [];
  // Statuses come from the newest sandbox; an older one's containers serve as last state.
  const pool = [...current, ...runtime.containers.filter((c) => c.sandboxId !== sandbox?.id)];
  const regularNames = new Set(spec.containers.map((c) => c.name));
  const initialized = current.some((c) => regularNames.has(c.name));
  const initStatuses = (spec.initContainers ?? []).map((c) =>
    containerStatus(inputs, c, pool, true, initialized)
  );
  const statuses = spec.containers.map((c) => containerStatus(inputs, c, pool, false, initialized));
  let phase = podPhase(pod, initStatuses, statuses);
  if (inputs.terminal?.phase) phase = inputs.terminal.phase;
  // A terminal phase never goes back (the API server refuses that too).
  if (previous.phase === "Succeeded" || previous.phase === "Failed") phase = previous.phase;

  const incompleteInit = (spec.initContainers ?? []).filter((c, i) => {
    const s = initStatuses[i];
    if (isSidecar(c)) return !s.started && !initialized;
    const state = s.state as Record<string, { exitCode?: number }>;
    return !(state.terminated?.exitCode === 0) && !initialized;
  }).map((c) => c.name);
  const unready = statuses.filter((s) => !s.ready).map((s) => s.name);
  const done = phase === "Succeeded" || phase === "Failed";
  const conditions: PodCondition[] = [];
  const add = (type: string, ok: boolean, reason?: string, message?: string) => {
    const status = ok ? "True" : "False";
    const old = previous.conditions?.find((c) => c.type === type);
    const condition: PodCondition = {
      type,
      status,
      lastProbeTime: null,
      lastTransitionTime: old?.status === status && old.lastTransitionTime
        ? old.lastTransitionTime
        : time(inputs.now),
    };
    if (!ok && reason) condition.reason = reason;
    if (!ok && message) condition.message = message;
    conditions.push(condition);
  };
  const sandboxReady = sandbox?.state === "SANDBOX_READY";
  add("PodReadyToStartContainers", sandboxReady);
  add(
    "Initialized",
    incompleteInit.length === 0,
    "ContainersNotInitialized",
    `containers with incomplete status: [${incompleteInit.join(" ")}]`,
  );
  const gates = ((spec.readinessGates ?? []) as { conditionType: string }[])
    .map((g) => g.conditionType);
  const failedGates = gates.filter((g) =>
    previous.conditions?.find((c) => c.type === g)?.status !== "True"
  );
  const containersReady = unready.length === 0 && !done;
  add(
    "ContainersReady",
    containersReady,
    done ? "PodCompleted" : "ContainersNotReady",
    done ? undefined : `containers with unready status: [${unready.join(" ")}]`,
  );
  add(
    "Ready",
    containersReady && failedGates.length === 0,
    done ? "PodCompleted" : unready.length ? "ContainersNotReady" : "ReadinessGatesNotReady",
    done
      ? undefined
      : unready.length
      ? `containers with unready status: [${unready.join(" ")}]`
      : `corresponding condition of pod readiness gate "${failedGates[0]}" does not exist.`,
  );
  for (const c of previous.conditions ?? []) {
    if (!OWNED_CONDITIONS.has(c.type)) conditions.push(c);
  }
  const order = ["PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady"];
  conditions.sort((a, b) => rank(order, a.type) - rank(order, b.type));

  const status: PodStatus = { ...previous, phase, conditions };
  const hostIps = inputs.nodeIps.map((ip) => ({ ip }));
  status.hostIP = inputs.nodeIps[0];
  status.hostIPs = hostIps;
  const ips = spec.hostNetwork
    ? [...inputs.nodeIps]
    : sandbox?.ip
    ? [sandbox.ip, ...sandbox.additionalIps]
    : [];
  if (ips.length) {
    status.podIP = ips[0];
    status.podIPs = ips.map((ip) => ({ ip }));
  } else if (!done) {
    delete status.podIP;
    delete status.podIPs;
  }
  status.startTime = previous.startTime ?? time(inputs.now);
  status.qosClass = qosClass(pod);
  if (initStatuses.length) status.initContainerStatuses = initStatuses;
  status.containerStatuses = statuses;
  if (inputs.terminal?.reason) status.reason = inputs.terminal.reason;
  if (inputs.terminal?.message) status.message = inputs.terminal.message;
  return status;
}

function rank(order: string[], type: string): number {
  const i = order.indexOf(type);
  return i < 0 ? order.length : i;
}

/**
 * The pod columns of `kubectl get pods`, following upstream's `printPod`: READY counts ready
 * containers (restartable init containers included), STATUS is the phase refined by container
 * states (`Init:0/2`, `CrashLoopBackOff`, `Completed`, `Terminating`), RESTARTS carries
 * `(5m ago)` after the last restart.
 *
 * @module
 */
import type { KubeObject } from "../../../../kube/meta.ts";
import type { Column } from "../../resource.ts";
import { age } from "../../table.ts";
import { AGE_COLUMN, column, field, wide } from "./columns.ts";
import { type Obj, obj, objs, str } from "./util.ts";

/** READY, STATUS and RESTARTS of one pod. */
export interface PodSummary {
  ready: string;
  status: string;
  restarts: string;
}

function lastTerminatedAt(cs: Obj): string {
  return str(obj(obj(cs.lastState)?.terminated)?.finishedAt);
}

function later(a: string, b: string): string {
  return b && (!a || Date.parse(b) > Date.parse(a)) ? b : a;
}

function hasCondition(status: Obj, type: string): boolean {
  return objs(status.conditions).some((c) => c.type === type && c.status === "True");
}

function terminatedReason(t: Obj, prefix: string): string {
  if (str(t.reason)) return prefix + str(t.reason);
  if (typeof t.signal === "number" && t.signal !== 0) return `${prefix}Signal:${t.signal}`;
  return `${prefix}ExitCode:${Number(t.exitCode ?? 0)}`;
}

/** Upstream's `printPod` cell logic. */
export function podSummary(pod: KubeObject, now: Date): PodSummary {
  const spec = field(pod, "spec");
  const status = field(pod, "status");
  const initSpecs = objs(spec.initContainers);
  const sidecars = new Set(
    initSpecs.filter((c) => c.restartPolicy === "Always").map((c) => str(c.name)),
  );
  const total = objs(spec.containers).length + sidecars.size;
  let ready = 0;
  let restarts = 0;
  let sidecarRestarts = 0;
  let lastRestart = "";
  let lastSidecarRestart = "";
  let reason = str(status.reason) || str(status.phase);
  if (
    objs(status.conditions).some((c) => c.type === "PodScheduled" && c.reason === "SchedulingGated")
  ) {
    reason = "SchedulingGated";
  }
  let initializing = false;
  const initStatuses = objs(status.initContainerStatuses);
  for (let i = 0; i < initStatuses.length; i++) {
    const cs = initStatuses[i];
    const state = obj(cs.state) ?? {};
    const terminated = obj(state.terminated);
    const waiting = obj(state.waiting);
    const count = Number(cs.restartCount ?? 0);
    restarts += count;
    lastRestart = later(lastRestart, lastTerminatedAt(cs));
    const sidecar = sidecars.has(str(cs.name));
    if (sidecar) {
      sidecarRestarts += count;
      lastSidecarRestart = later(lastSidecarRestart, lastTerminatedAt(cs));
    }
    if (terminated && Number(terminated.exitCode ?? 0) === 0) continue;
    if (sidecar && cs.started === true) {
      if (cs.ready === true) ready++;
      continue;
    }
    if (terminated) reason = terminatedReason(terminated, "Init:");
    else if (waiting && str(waiting.reason) && waiting.reason !== "PodInitializing") {
      reason = `Init:${str(waiting.reason)}`;
    } else reason = `Init:${i}/${initSpecs.length}`;
    initializing = true;
    break;
  }
  if (!initializing || hasCondition(status, "Initialized")) {
    restarts = sidecarRestarts;
    lastRestart = lastSidecarRestart;
    let hasRunning = false;
    const statuses = objs(status.containerStatuses);
    for (let i = statuses.length - 1; i >= 0; i--) {
      const cs = statuses[i];
      const state = obj(cs.state) ?? {};
      const terminated = obj(state.terminated);
      const waiting = obj(state.waiting);
      restarts += Number(cs.restartCount ?? 0);
      lastRestart = later(lastRestart, lastTerminatedAt(cs));
      if (waiting && str(waiting.reason)) reason = str(waiting.reason);
      else if (terminated) reason = terminatedReason(terminated, "");
      else if (cs.ready === true && obj(state.running)) {
        hasRunning = true;
        ready++;
      }
    }
    if (reason === "Completed" && hasRunning) {
      reason = hasCondition(status, "Ready") ? "Running" : "NotReady";
    }
  }
  const phase = str(status.phase);
  if (pod.metadata.deletionTimestamp && status.reason === "NodeLost") reason = "Unknown";
  else if (pod.metadata.deletionTimestamp && phase !== "Succeeded" && phase !== "Failed") {
    reason = "Terminating";
  }
  let restartText = String(restarts);
  if (restarts !== 0 && lastRestart) restartText = `${restarts} (${age(lastRestart, now)} ago)`;
  return { ready: `${ready}/${total}`, status: reason, restarts: restartText };
}

function readinessGates(pod: KubeObject): string {
  const gates = objs(field(pod, "spec").readinessGates);
  if (gates.length === 0) return "<none>";
  const conditions = objs(field(pod, "status").conditions);
  const ok = gates.filter((g) =>
    conditions.find((c) => c.type === g.conditionType)?.status === "True"
  );
  return `${ok.length}/${gates.length}`;
}

function podIP(pod: KubeObject): string {
  const ips = objs(field(pod, "status").podIPs);
  return (ips.length ? str(ips[0].ip) : "") || "<none>";
}

export const POD_COLUMNS: Column[] = [
  column("Ready", (o, now) => podSummary(o, now).ready, {
    description: "The aggregate readiness state of this pod for accepting traffic.",
  }),
  column("Status", (o, now) => podSummary(o, now).status, {
    description: "The aggregate status of the containers in this pod.",
  }),
  column("Restarts", (o, now) => podSummary(o, now).restarts, {
    description:
      "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.",
  }),
  AGE_COLUMN,
  wide(
    "IP",
    podIP,
    "podIP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.",
  ),
  wide(
    "Node",
    (o) => str(field(o, "spec").nodeName) || "<none>",
    "NodeName indicates in which node this pod is scheduled.",
  ),
  wide(
    "Nominated Node",
    (o) => str(field(o, "status").nominatedNodeName) || "<none>",
    "nominatedNodeName is set only when this pod preempts other pods on the node, but it cannot be scheduled right away as preemption victims receive their graceful termination periods.",
  ),
  wide(
    "Readiness Gates",
    readinessGates,
    "If specified, all readiness gates will be evaluated for pod readiness. More info: https://git.k8s.io/enhancements/keps/sig-network/580-pod-readiness-gates",
  ),
];

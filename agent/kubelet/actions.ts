/**
 * What one pod sync must do, computed purely from the pod spec and the runtime's view of it
 * (upstream's `computePodActions`): whether to (re)create the sandbox, which init containers,
 * sidecars and containers to start, which to kill (failed liveness or startup probe, changed
 * spec), and which wait out a CrashLoopBackOff.
 *
 * @module
 */
import type { Container, Pod } from "../../kube/client/types.ts";
import { containerHash } from "./labels.ts";
import type { RuntimeContainer, RuntimePod, RuntimeSandbox } from "./runtime_pod.ts";

/** What the probes say of a running container. */
export interface ProbeVerdict {
  /** The liveness probe failed `failureThreshold` times: restart it. */
  livenessFailed: boolean;
  /** The startup probe failed `failureThreshold` times: restart it. */
  startupFailed: boolean;
  /** The startup probe succeeded (or there is none). */
  started: boolean;
}

export interface ActionInputs {
  pod: Pod;
  runtime: RuntimePod;
  probes(containerId: string): ProbeVerdict;
  /** ms a restart of `name` must still wait after its exit at `finishedAt` (0: go). */
  backoffRemaining(name: string, finishedAt: number): number;
}

export interface StartAction {
  container: Container;
  init: boolean;
  restartCount: number;
  /** A container of the same name to remove first (created but never started). */
  replaces?: string;
  /** The exit (ms) of the container this one restarts: counts for CrashLoopBackOff. */
  restartOf?: number;
}

export interface KillAction {
  id: string;
  name: string;
  /** Event reason and message of the kill. */
  reason: string;
  message: string;
}

export interface BackoffAction {
  name: string;
  init: boolean;
  remainingMs: number;
}

export interface PodActions {
  /** Stop every container and sandbox of the pod first. */
  killPod: boolean;
  createSandbox: boolean;
  sandboxAttempt: number;
  /** The ready sandbox to start containers in (when not creating one). */
  sandbox?: RuntimeSandbox;
  start: StartAction[];
  kill: KillAction[];
  backoff: BackoffAction[];
  /** Set when the pod can never run again (an init container failed under `Never`). */
  podFailed?: string;
}

/** Whether a container that exited with `exitCode` is restarted under `policy`. */
export function shouldRestart(policy: string | undefined, exitCode: number): boolean {
  if (policy === "Never") return false;
  if (policy === "OnFailure") return exitCode !== 0;
  return true;
}

export function isSidecar(container: Container): boolean {
  return container.restartPolicy === "Always";
}

/** The newest runtime container of each name. */
export function latestByName(containers: RuntimeContainer[]): Map<string, RuntimeContainer> {
  const out = new Map<string, RuntimeContainer>();
  for (const c of containers) if (!out.has(c.name)) out.set(c.name, c);
  return out;
}

export function computePodActions(inputs: ActionInputs): PodActions {
  const { pod, runtime } = inputs;
  const spec = pod.spec!;
  const policy = spec.restartPolicy ?? "Always";
  const initContainers = spec.initContainers ?? [];
  const actions: PodActions = {
    killPod: false,
    createSandbox: false,
    sandboxAttempt: 0,
    start: [],
    kill: [],
    backoff: [],
  };
  const newest = runtime.sandboxes[0];
  const readySandboxes = runtime.sandboxes.filter((s) => s.state === "SANDBOX_READY");
  if (!newest || newest.state !== "SANDBOX_READY" || readySandboxes.length > 1) {
    actions.killPod = runtime.sandboxes.length > 0;
    // A pod that will not restart its containers gets no second sandbox once they have run.
    if (newest && policy === "Never" && runtime.containers.length > 0) return actions;
    actions.createSandbox = true;
    actions.sandboxAttempt = newest ? newest.attempt + 1 : 0;
    const latest = latestByName(runtime.containers);
    if (initContainers.length) {
      actions.start.push({
        container: initContainers[0],
        init: true,
        restartCount: nextRestartCount(latest.get(initContainers[0].name)),
      });
      return actions;
    }
    for (const c of spec.containers) {
      const last = latest.get(c.name);
      if (last && last.state === "CONTAINER_EXITED" && !shouldRestart(policy, last.exitCode)) {
        continue;
      }
      actions.start.push({ container: c, init: false, restartCount: nextRestartCount(last) });
    }
    // Nothing left to run (every container succeeded under OnFailure): no new sandbox.
    if (actions.start.length === 0) actions.createSandbox = false;
    return actions;
  }

  actions.sandbox = newest;
  const inSandbox = runtime.containers.filter((c) => c.sandboxId === newest.id);
  const latest = latestByName(inSandbox);
  const previous = latestByName(runtime.containers);
  const regularNames = new Set(spec.containers.map((c) => c.name));
  const initialized = inSandbox.some((c) => regularNames.has(c.name));

  const restartOrWait = (c: Container, init: boolean, last: RuntimeContainer) => {
    const remaining = inputs.backoffRemaining(c.name, last.finishedAt || last.createdAt);
    if (remaining > 0) actions.backoff.push({ name: c.name, init, remainingMs: remaining });
    else {
      actions.start.push({
        container: c,
        init,
        restartCount: nextRestartCount(last),
        restartOf: last.finishedAt || last.createdAt,
      });
    }
  };
  const checkRunning = (c: Container, init: boolean, last: RuntimeContainer) => {
    const verdict = inputs.probes(last.id);
    let kill: Omit<KillAction, "id" | "name"> | undefined;
    if (last.hash && last.hash !== containerHash(c)) {
      kill = {
        reason: "Killing",
        message: `Container ${c.name} definition changed, will be restarted`,
      };
    } else if (verdict.startupFailed) {
      kill = {
        reason: "Killing",
        message: `Container ${c.name} failed startup probe, will be restarted`,
      };
    } else if (verdict.livenessFailed) {
      kill = {
        reason: "Killing",
        message: `Container ${c.name} failed liveness probe, will be restarted`,
      };
    }
    if (!kill) return verdict.started;
    actions.kill.push({ id: last.id, name: c.name, ...kill });
    if (!init && !shouldRestart(policy, 1)) return false;
    // Restarts after kills back off too, from the exit of the instance before (as upstream's
    // backoff looks at the last terminated instance).
    const before = runtime.containers.find((x) =>
      x.name === c.name && x.id !== last.id && x.state === "CONTAINER_EXITED"
    );
    const restartCount = last.restartCount + 1;
    if (!before) actions.start.push({ container: c, init, restartCount });
    else {
      const exitAt = before.finishedAt || before.createdAt;
      const remaining = inputs.backoffRemaining(c.name, exitAt);
      if (remaining > 0) actions.backoff.push({ name: c.name, init, remainingMs: remaining });
      else actions.start.push({ container: c, init, restartCount, restartOf: exitAt });
    }
    return false;
  };

  let initDone = true;
  for (const c of initContainers) {
    const last = latest.get(c.name);
    const sidecar = isSidecar(c);
    if (!last || last.state === "CONTAINER_CREATED") {
      actions.start.push({
        container: c,
        init: true,
        restartCount: nextRestartCount(previous.get(c.name)),
        replaces: last?.id,
      });
      initDone = false;
      break;
    }
    if (last.state === "CONTAINER_RUNNING") {
      const started = checkRunning(c, true, last);
      if (sidecar && started) continue;
      if (!initialized) {
        initDone = false;
        break;
      }
      continue;
    }
    // Exited.
    if (!sidecar && last.exitCode === 0) continue;
    if (initialized && !sidecar) continue;
    if (!sidecar && policy === "Never") {
      actions.podFailed = `Init container ${c.name} failed with exit code ${last.exitCode}`;
      actions.killPod = true;
      return actions;
    }
    restartOrWait(c, true, last);
    if (!initialized) {
      initDone = false;
      break;
    }
  }
  if (!initDone && !initialized) return actions;

  for (const c of spec.containers) {
    const last = latest.get(c.name);
    if (!last || last.state === "CONTAINER_CREATED") {
      actions.start.push({
        container: c,
        init: false,
        restartCount: nextRestartCount(previous.get(c.name)),
        replaces: last?.id,
      });
      continue;
    }
    if (last.state === "CONTAINER_RUNNING") {
      checkRunning(c, false, last);
      continue;
    }
    if (shouldRestart(policy, last.exitCode)) restartOrWait(c, false, last);
  }
  const running = inSandbox.some((c) =>
    regularNames.has(c.name) && c.state === "CONTAINER_RUNNING" &&
    !actions.kill.some((k) => k.id === c.id)
  );
  const pending = actions.start.some((s) => !s.init) || actions.backoff.some((b) => !b.init);
  if (initialized && !running && !pending) {
    // Every container is done for good: the sandbox (and any sidecar) goes too.
    actions.killPod = true;
    actions.start = [];
    actions.backoff = [];
  }
  return actions;
}

function nextRestartCount(last: RuntimeContainer | undefined): number {
  return last ? last.restartCount + 1 : 0;
}

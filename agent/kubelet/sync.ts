/**
 * {@link PodSyncer}: carries out one pod's sync (upstream's `SyncPod`): kill what must go,
 * create the sandbox, set up volumes, start init containers, sidecars and containers (image,
 * environment, mounts, `postStart`), remember why a container waits, and compute the pod's
 * status. Stopping and removing pods is `kill.ts`'s.
 *
 * @module
 */
import { rm } from "node:fs/promises";
import { join } from "node:path";
import type { Clock } from "../../kube/client/clock.ts";
import type { Logger } from "../../kube/client/log.ts";
import type { Pod } from "../../kube/client/types.ts";
import type { RuntimeService } from "../../cri/service.ts";
import type { Mount, PodSandboxConfig } from "../../cri/types.ts";
import { computePodActions, type PodActions, type StartAction } from "./actions.ts";
import type { KeyedBackoff } from "./backoff.ts";
import { containerConfig } from "./container_config.ts";
import { ContainerConfigError, type EnvSources, resolveEnv } from "./env.ts";
import { type Handler, runHandler } from "./handlers.ts";
import { criMessage, type ImageManager, ImagePullError } from "./images.ts";
import { podGarbage } from "./gc.ts";
import { gracePeriodOf, MIN_GRACE_SECONDS, PodKiller } from "./kill.ts";
import type { ProbeManager } from "./prober.ts";
import type { RuntimePod, RuntimeView } from "./runtime_pod.ts";
import { type DnsSettings, sandboxConfig } from "./sandbox_config.ts";
import { computePodStatus, type WaitingReason } from "./status.ts";
import type { PodStatus } from "../../kube/client/types.ts";
import { VolumeError, type VolumeManager } from "./volumes/manager.ts";
import { readTerminationMessage, terminationLogMount } from "./termination.ts";
import { etcHosts } from "./etc_hosts.ts";

export interface PodEvents {
  event(
    pod: Pod,
    container: string | undefined,
    type: "Normal" | "Warning",
    reason: string,
    message: string,
  ): void;
}

export interface PodSyncerOptions {
  runtime: RuntimeService;
  view: RuntimeView;
  images: ImageManager;
  volumes: VolumeManager;
  prober: ProbeManager;
  crashBackoff: KeyedBackoff;
  env: EnvSources;
  events: PodEvents;
  podLogs: string;
  dns: DnsSettings;
  nodeIps: () => string[];
  memoryCapacity: number;
  clock: Clock;
  log: Logger;
}

export interface SyncResult {
  status: PodStatus;
  /** Sync again after this long (a backoff ends, a volume to retry). */
  requeueAfterMs?: number;
}

export class PodSyncer {
  readonly #o: PodSyncerOptions;
  /** Why containers wait, by pod uid, then container name. */
  readonly #waiting = new Map<string, Map<string, WaitingReason>>();
  readonly #messages = new Map<string, string>();
  readonly #killer: PodKiller;

  constructor(options: PodSyncerOptions) {
    this.#o = options;
    this.#killer = new PodKiller(options);
  }

  #waitingOf(uid: string): Map<string, WaitingReason> {
    let m = this.#waiting.get(uid);
    if (!m) this.#waiting.set(uid, m = new Map());
    return m;
  }

  #backoffKey(pod: Pod, name: string): string {
    return `${pod.metadata.uid}/${name}`;
  }

  /**
   * Brings the pod one step closer to its spec; resolves to its status. `runtime` is the pod's
   * current state in the runtime when the caller has it (read from the runtime when not).
   */
  async sync(pod: Pod, runtime?: RuntimePod): Promise<SyncResult> {
    const lap = lapTimer();
    const result = await this.#sync(pod, lap, runtime);
    if (lap.steps.length) {
      this.#o.log.debug(
        `Synced pod ${pod.metadata.namespace}/${pod.metadata.name}: ${lap.steps.join(", ")}`,
      );
    }
    return result;
  }

  async #sync(pod: Pod, lap: LapTimer, known?: RuntimePod): Promise<SyncResult> {
    const uid = pod.metadata.uid!;
    const waiting = this.#waitingOf(uid);
    let runtime = known ?? await this.#o.view.pod(uid);
    const actions = computePodActions({
      pod,
      runtime,
      probes: (id) => this.#o.prober.verdict(id),
      backoffRemaining: (name, at) =>
        this.#o.crashBackoff.remaining(this.#backoffKey(pod, name), at),
    });
    let requeue: number | undefined;
    const later = (ms: number) => requeue = requeue === undefined ? ms : Math.min(requeue, ms);

    if (actions.killPod) {
      if (actions.createSandbox && runtime.sandboxes.length) {
        this.#o.events.event(
          pod,
          undefined,
          "Normal",
          "SandboxChanged",
          "Pod sandbox changed, it will be killed and re-created.",
        );
      }
      await this.terminate(pod, runtime, gracePeriodOf(pod));
      runtime = await this.#o.view.pod(uid);
      lap.mark("kill");
    }
    let sandboxId = actions.sandbox?.id;
    const sbConfig = sandboxConfig(
      pod,
      actions.createSandbox ? actions.sandboxAttempt : actions.sandbox?.attempt ?? 0,
      {
        podLogs: this.#o.podLogs,
        dns: this.#o.dns,
      },
    );
    if (actions.createSandbox) {
      try {
        sandboxId = await this.#o.runtime.runPodSandbox(sbConfig, undefined, {
          timeoutMs: 240_000,
        });
        lap.mark("RunPodSandbox");
      } catch (error) {
        this.#o.events.event(
          pod,
          undefined,
          "Warning",
          "FailedCreatePodSandBox",
          `Failed to create pod sandbox: ${criMessage(error)}`,
        );
        return { status: this.#status(pod, runtime, actions), requeueAfterMs: 5000 };
      }
      runtime = await this.#o.view.pod(uid);
      lap.mark("list");
    }

    const ips = this.#ips(pod, runtime);
    let volumes;
    try {
      volumes = await this.#o.volumes.setup(pod, ips);
    } catch (error) {
      const message = error instanceof VolumeError
        ? error.message
        : `MountVolume.SetUp failed: ${(error as Error).message}`;
      this.#o.events.event(pod, undefined, "Warning", "FailedMount", message);
      return { status: this.#status(pod, runtime, actions), requeueAfterMs: 5000 };
    }
    if (actions.createSandbox || actions.start.length) lap.mark("volumes");

    for (const kill of actions.kill) {
      this.#o.events.event(pod, kill.name, "Normal", kill.reason, kill.message);
      const c = runtime.containers.find((x) => x.id === kill.id);
      if (c) await this.#killer.stopContainer(pod, c, gracePeriodOf(pod), actions.sandbox?.ip);
    }
    for (const b of actions.backoff) {
      const delay = Math.round(this.#o.crashBackoff.delay(this.#backoffKey(pod, b.name)) / 1000);
      const who = `${pod.metadata.name}_${pod.metadata.namespace}(${uid})`;
      waiting.set(b.name, {
        reason: "CrashLoopBackOff",
        message: `back-off ${
          formatSeconds(delay)
        } restarting failed container=${b.name} pod=${who}`,
      });
      this.#o.events.event(
        pod,
        b.name,
        "Warning",
        "BackOff",
        `Back-off restarting failed container ${b.name} in pod ${who}`,
      );
      later(b.remainingMs + 100);
    }

    if (sandboxId && (actions.start.length || actions.createSandbox)) {
      const sandboxMounts = await this.#sandboxMounts(pod, ips.podIps);
      for (const start of actions.start) {
        const outcome = await this.#start(
          pod,
          start,
          sandboxId,
          sbConfig,
          volumes,
          sandboxMounts,
          ips,
          lap,
        );
        if (outcome !== undefined) later(outcome);
        if (start.init) break;
      }
      runtime = await this.#o.view.pod(uid);
    }

    this.#watchProbes(pod, runtime);
    await this.#collectGarbage(pod, runtime);
    return { status: this.#status(pod, runtime, actions), requeueAfterMs: requeue };
  }

  #ips(pod: Pod, runtime: RuntimePod) {
    const hostIps = this.#o.nodeIps();
    const sandbox = runtime.sandboxes.find((s) => s.state === "SANDBOX_READY");
    const podIps = pod.spec?.hostNetwork
      ? hostIps
      : sandbox?.ip
      ? [sandbox.ip, ...sandbox.additionalIps]
      : [];
    return { podIps, hostIps };
  }

  async #sandboxMounts(pod: Pod, podIps: string[]): Promise<Mount[]> {
    if (pod.spec?.hostNetwork) return [];
    const path = await this.#o.volumes.writePodFile(
      pod.metadata.uid!,
      "etc-hosts",
      etcHosts(pod, podIps),
    );
    return [{ containerPath: "/etc/hosts", hostPath: path }];
  }

  /** Starts one container; resolves to a requeue delay when it could not. */
  async #start(
    pod: Pod,
    start: StartAction,
    sandboxId: string,
    sbConfig: PodSandboxConfig,
    volumes: Awaited<ReturnType<VolumeManager["setup"]>>,
    sandboxMounts: Mount[],
    ips: { podIps: string[]; hostIps: string[] },
    lap: LapTimer,
  ): Promise<number | undefined> {
    const c = start.container;
    lap.mark("mounts");
    const waiting = this.#waitingOf(pod.metadata.uid!);
    let image: string;
    try {
      image = await this.#o.images.ensure(pod, c);
    } catch (error) {
      if (error instanceof ImagePullError) {
        waiting.set(c.name, error.waiting);
        if (error.waiting.reason === "ImagePullBackOff") {
          this.#o.events.event(pod, c.name, "Warning", "Failed", "Error: ImagePullBackOff");
        }
        return error.retryAfterMs + 100;
      }
      throw error;
    }
    lap.mark(`${c.name}: image`);
    if (start.restartOf !== undefined) {
      this.#o.crashBackoff.next(this.#backoffKey(pod, c.name), start.restartOf);
    }
    let id: string;
    try {
      const envs = await resolveEnv(pod, c, this.#o.env, ips);
      const mounts = [
        ...(await this.#o.volumes.containerMounts(c, volumes, envs)),
        ...sandboxMounts.filter((m) =>
          !(c.volumeMounts as { mountPath: string }[] | undefined)?.some((v) =>
            v.mountPath === m.containerPath
          )
        ),
      ];
      const termination = await terminationLogMount(this.#o.volumes, pod, c, start.restartCount);
      if (termination) mounts.push(termination);
      const config = containerConfig({
        pod,
        container: c,
        restartCount: start.restartCount,
        image,
        envs,
        mounts,
        memoryCapacity: this.#o.memoryCapacity,
      });
      if (start.replaces) await this.#o.runtime.removeContainer(start.replaces);
      lap.mark(`${c.name}: config`);
      id = await this.#o.runtime.createContainer(sandboxId, config, sbConfig, {
        timeoutMs: 240_000,
      });
      lap.mark(`${c.name}: create`);
    } catch (error) {
      const config = error instanceof ContainerConfigError || error instanceof VolumeError;
      const reason = config ? "CreateContainerConfigError" : "CreateContainerError";
      const message = config ? (error as Error).message : criMessage(error);
      waiting.set(c.name, { reason, message });
      this.#o.events.event(pod, c.name, "Warning", "Failed", `Error: ${message}`);
      return 10_000;
    }
    this.#o.events.event(pod, c.name, "Normal", "Created", `Created container: ${c.name}`);
    try {
      await this.#o.runtime.startContainer(id, { timeoutMs: 240_000 });
    } catch (error) {
      const message = criMessage(error);
      waiting.set(c.name, { reason: "RunContainerError", message });
      this.#o.events.event(pod, c.name, "Warning", "Failed", `Error: ${message}`);
      return 10_000;
    }
    lap.mark(`${c.name}: start`);
    waiting.delete(c.name);
    this.#o.events.event(pod, c.name, "Normal", "Started", `Started container ${c.name}`);
    const postStart = (c.lifecycle as { postStart?: Handler } | undefined)?.postStart;
    if (postStart) {
      const res = await runHandler(postStart, {
        runtime: this.#o.runtime,
        containerId: id,
        container: c,
        podIp: ips.podIps[0],
      }, gracePeriodOf(pod));
      if (!res.ok) {
        this.#o.events.event(
          pod,
          c.name,
          "Warning",
          "FailedPostStartHook",
          `PostStartHook failed: ${res.output.trim()}`,
        );
        await this.#o.runtime.stopContainer(id, MIN_GRACE_SECONDS).catch(() => {});
      }
    }
    return undefined;
  }

  /** Removes instances and sandboxes of the pod it no longer needs (`gc.ts`). */
  async #collectGarbage(pod: Pod, runtime: RuntimePod): Promise<void> {
    const garbage = podGarbage(runtime);
    for (const id of garbage.containers) {
      const c = runtime.containers.find((x) => x.id === id)!;
      await this.#o.runtime.removeContainer(id);
      this.#o.view.forget(id);
      this.#messages.delete(id);
      await rm(
        join(
          this.#o.volumes.podDir(pod.metadata.uid!),
          "containers",
          c.name,
          String(c.restartCount),
        ),
        {
          force: true,
        },
      );
    }
    for (const id of garbage.sandboxes) await this.#o.runtime.removePodSandbox(id);
  }

  #watchProbes(pod: Pod, runtime: RuntimePod): void {
    const sandbox = runtime.sandboxes[0];
    const keep = new Set<string>();
    const all = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])];
    const ip = pod.spec?.hostNetwork ? this.#o.nodeIps()[0] : sandbox?.ip;
    for (const rc of runtime.containers) {
      if (rc.state !== "CONTAINER_RUNNING" || rc.sandboxId !== sandbox?.id) continue;
      const spec = all.find((c) => c.name === rc.name);
      if (!spec) continue;
      keep.add(rc.id);
      this.#o.prober.ensure(pod, spec, rc.id, rc.startedAt || rc.createdAt, ip);
    }
    this.#o.prober.prune(pod.metadata.uid!, keep);
  }

  #status(pod: Pod, runtime: RuntimePod, actions: PodActions): PodStatus {
    return this.status(pod, runtime, actions.podFailed ? { phase: "Failed" } : undefined);
  }

  /** The pod's status from the runtime's view. */
  status(
    pod: Pod,
    runtime: RuntimePod,
    terminal?: { phase?: "Succeeded" | "Failed"; reason?: string; message?: string },
  ): PodStatus {
    return computePodStatus({
      pod,
      runtime,
      probe: (id) => this.#o.prober.verdict(id),
      waiting: this.#waitingOf(pod.metadata.uid!),
      nodeIps: this.#o.nodeIps(),
      now: this.#o.clock.now(),
      terminal,
      terminationMessages: this.#terminationMessages(pod, runtime),
    });
  }

  #terminationMessages(pod: Pod, runtime: RuntimePod): Map<string, string> {
    const out = new Map<string, string>();
    for (const c of runtime.containers) {
      if (c.state !== "CONTAINER_EXITED") continue;
      const cached = this.#messages.get(c.id);
      if (cached !== undefined) {
        if (cached) out.set(c.id, cached);
        continue;
      }
      const text = readTerminationMessage(this.#o.volumes, pod, c);
      this.#messages.set(c.id, text);
      if (text) out.set(c.id, text);
    }
    return out;
  }

  /**
   * Stops every container (preStop, SIGTERM, SIGKILL after the grace period) and sandbox of the
   * pod. `pod` is absent for a pod that left the API: its containers' annotations say the rest.
   */
  terminate(pod: Pod | undefined, runtime: RuntimePod, graceSeconds?: number): Promise<void> {
    return this.#killer.terminate(pod, runtime, graceSeconds);
  }

  /** Removes the pod's sandboxes, containers, logs and volumes (after {@link terminate}). */
  async remove(uid: string, runtime: RuntimePod, pod?: Pod): Promise<void> {
    await this.#killer.remove(uid, runtime, pod);
    for (const c of runtime.containers) this.#messages.delete(c.id);
    this.#o.images.forgetPod(uid);
    this.#waiting.delete(uid);
  }
}

interface LapTimer {
  /** "what N ms" for each step marked so far. */
  steps: string[];
  /** Ends the step that began at the last mark. */
  mark(what: string): void;
}

/** Times the steps of a sync for the debug log. */
function lapTimer(): LapTimer {
  let last = performance.now();
  const steps: string[] = [];
  return {
    steps,
    mark(what) {
      const now = performance.now();
      steps.push(`${what} ${Math.round(now - last)} ms`);
      last = now;
    },
  };
}

function formatSeconds(s: number): string {
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  const rest = s % 60;
  return rest ? `${m}m${rest}s` : `${m}m0s`;
}

/**
 * Stopping and removing pods (upstream's `killContainer` and `killPodWithSyncResult`): a
 * container's `preStop` hook runs within the grace period, then the runtime sends SIGTERM and,
 * when the rest of the grace period (at least 2 s) has passed, SIGKILL. Regular containers stop
 * before sidecars, then the sandbox. Removal takes the sandboxes, containers, log directory and
 * volumes off the node.
 *
 * @module
 */
import { rm } from "node:fs/promises";
import type { Clock } from "../../kube/client/clock.ts";
import type { Logger } from "../../kube/client/log.ts";
import type { Container, Pod } from "../../kube/client/types.ts";
import type { RuntimeService } from "../../cri/service.ts";
import { type Handler, runHandler } from "./handlers.ts";
import { GRACE_PERIOD_ANNOTATION, PRE_STOP_ANNOTATION } from "./labels.ts";
import type { ProbeManager } from "./prober.ts";
import type { RuntimeContainer, RuntimePod, RuntimeView } from "./runtime_pod.ts";
import { podLogDirectory } from "./sandbox_config.ts";
import type { PodEvents } from "./sync.ts";
import type { VolumeManager } from "./volumes/manager.ts";

/** The shortest grace period a container gets (upstream's minimum). */
export const MIN_GRACE_SECONDS = 2;

export interface PodKillerOptions {
  runtime: RuntimeService;
  view: RuntimeView;
  volumes: VolumeManager;
  prober: ProbeManager;
  events: PodEvents;
  podLogs: string;
  clock: Clock;
  log: Logger;
}

/** The grace period of a pod being deleted, or of its spec. */
export function gracePeriodOf(pod: Pod): number {
  return pod.metadata.deletionGracePeriodSeconds ??
    pod.spec?.terminationGracePeriodSeconds ?? 30;
}

export class PodKiller {
  readonly #o: PodKillerOptions;

  constructor(options: PodKillerOptions) {
    this.#o = options;
  }

  /** Runs preStop (from the spec, or the container's annotation), then stops the container. */
  async stopContainer(
    pod: Pod | undefined,
    c: RuntimeContainer,
    graceSeconds: number,
    podIp?: string,
  ): Promise<void> {
    const started = this.#o.clock.now();
    const spec = [...(pod?.spec?.initContainers ?? []), ...(pod?.spec?.containers ?? [])]
      .find((x) => x.name === c.name);
    const fromSpec = (spec?.lifecycle as { preStop?: Handler } | undefined)?.preStop;
    const annotation = c.annotations[PRE_STOP_ANNOTATION];
    const preStop = fromSpec ?? (annotation ? JSON.parse(annotation) as Handler : undefined);
    if (preStop && c.state === "CONTAINER_RUNNING") {
      const res = await runHandler(preStop, {
        runtime: this.#o.runtime,
        containerId: c.id,
        container: (spec ?? { name: c.name }) as Container,
        podIp,
      }, graceSeconds);
      if (!res.ok && pod) {
        this.#o.events.event(
          pod,
          c.name,
          "Warning",
          "FailedPreStopHook",
          `PreStopHook failed: ${res.output.trim()}`,
        );
      }
    }
    const spent = Math.floor((this.#o.clock.now() - started) / 1000);
    const remaining = Math.max(MIN_GRACE_SECONDS, graceSeconds - spent);
    await this.#o.runtime.stopContainer(c.id, remaining, { timeoutMs: (remaining + 30) * 1000 });
  }

  /** Stops every container and sandbox of the pod, as the module doc says. */
  async terminate(pod: Pod | undefined, runtime: RuntimePod, graceSeconds?: number): Promise<void> {
    const running = runtime.containers.filter((c) => c.state === "CONTAINER_RUNNING");
    const grace = (c: RuntimeContainer) =>
      graceSeconds ?? (Number(c.annotations[GRACE_PERIOD_ANNOTATION] ?? 30) || 30);
    const podIp = runtime.sandboxes.find((s) => s.state === "SANDBOX_READY")?.ip;
    const sidecars = new Set((pod?.spec?.initContainers ?? []).map((c) => c.name));
    const first = running.filter((c) => !sidecars.has(c.name));
    const then = running.filter((c) => sidecars.has(c.name));
    for (const group of [first, then]) {
      await Promise.all(group.map(async (c) => {
        if (pod) {
          this.#o.events.event(pod, c.name, "Normal", "Killing", `Stopping container ${c.name}`);
        }
        try {
          await this.stopContainer(pod, c, grace(c), podIp);
        } catch (error) {
          this.#o.log.warn(
            `Cannot stop container ${c.name} (${c.id}): ${(error as Error).message}`,
          );
        }
      }));
    }
    for (const s of runtime.sandboxes) {
      if (s.state === "SANDBOX_READY") {
        await this.#o.runtime.stopPodSandbox(s.id, { timeoutMs: 120_000 });
      }
    }
    if (pod) this.#o.prober.removePod(pod.metadata.uid!);
  }

  /** Removes what {@link terminate} stopped, with the pod's logs and volumes. */
  async remove(uid: string, runtime: RuntimePod, pod?: Pod): Promise<void> {
    for (const s of runtime.sandboxes) {
      await this.#o.runtime.stopPodSandbox(s.id, { timeoutMs: 120_000 });
      await this.#o.runtime.removePodSandbox(s.id, { timeoutMs: 120_000 });
    }
    for (const c of runtime.containers) {
      await this.#o.runtime.removeContainer(c.id).catch(() => {});
      this.#o.view.forget(c.id);
    }
    const name = pod?.metadata.name ?? runtime.name;
    const namespace = pod?.metadata.namespace ?? runtime.namespace;
    if (name && namespace) {
      const dir = podLogDirectory(this.#o.podLogs, { metadata: { name, namespace, uid } } as Pod);
      await rm(dir, { recursive: true, force: true });
    }
    await this.#o.volumes.teardown(uid);
    this.#o.prober.removePod(uid);
  }
}

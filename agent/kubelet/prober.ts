/**
 * Liveness, readiness and startup probes (upstream's prober manager): one worker per probe of
 * each running container, waiting `initialDelaySeconds`, then probing every `periodSeconds`
 * with `timeoutSeconds`, and turning `successThreshold`/`failureThreshold` consecutive results
 * into a result. Liveness and readiness wait until the startup probe has succeeded. A changed
 * result asks for a pod sync; every failure is reported as an `Unhealthy` event.
 *
 * @module
 */
import type { Clock } from "../../kube/client/clock.ts";
import type { Container, Pod } from "../../kube/client/types.ts";
import type { RuntimeService } from "../../cri/service.ts";
import type { ProbeVerdict } from "./actions.ts";
import { type Handler, runHandler } from "./handlers.ts";

export type ProbeKind = "liveness" | "readiness" | "startup";

interface ProbeSpec extends Handler {
  initialDelaySeconds?: number;
  periodSeconds?: number;
  timeoutSeconds?: number;
  successThreshold?: number;
  failureThreshold?: number;
}

interface Worker {
  kind: ProbeKind;
  timer?: { cancel(): void };
  stopped: boolean;
  /** The current result: undefined until the thresholds decide. */
  result?: boolean;
  successes: number;
  failures: number;
}

interface ContainerProbes {
  podUid: string;
  workers: Worker[];
}

export interface ProberOptions {
  runtime: RuntimeService;
  clock: Clock;
  /** A result changed: sync the pod. */
  onChange(podUid: string): void;
  /** A probe failed (reason `Unhealthy`). */
  onFailure(pod: Pod, container: Container, kind: ProbeKind, output: string): void;
}

const NAME: Record<ProbeKind, string> = {
  liveness: "Liveness",
  readiness: "Readiness",
  startup: "Startup",
};

export class ProbeManager {
  readonly #o: ProberOptions;
  readonly #containers = new Map<string, ContainerProbes>();

  constructor(options: ProberOptions) {
    this.#o = options;
  }

  /** Starts the probe workers of a running container (once per container id). */
  ensure(pod: Pod, container: Container, containerId: string, startedAt: number, podIp?: string) {
    if (this.#containers.has(containerId)) return;
    const entry: ContainerProbes = { podUid: pod.metadata.uid!, workers: [] };
    this.#containers.set(containerId, entry);
    for (const kind of ["startup", "liveness", "readiness"] as ProbeKind[]) {
      const spec = container[`${kind}Probe`] as ProbeSpec | undefined;
      if (!spec) continue;
      const worker: Worker = { kind, stopped: false, successes: 0, failures: 0 };
      entry.workers.push(worker);
      const tick = async () => {
        if (worker.stopped) return;
        const startup = entry.workers.find((w) => w.kind === "startup");
        const waitForStartup = kind !== "startup" && startup && startup.result !== true;
        if (!waitForStartup && !(kind === "startup" && worker.result === true)) {
          await this.#probe(pod, container, containerId, podIp, spec, worker);
        }
        if (!worker.stopped) {
          worker.timer = this.#o.clock.after((spec.periodSeconds ?? 10) * 1000, tick);
        }
      };
      const delay = Math.max(
        0,
        startedAt + (spec.initialDelaySeconds ?? 0) * 1000 - this.#o.clock.now(),
      );
      worker.timer = this.#o.clock.after(delay, tick);
    }
  }

  async #probe(
    pod: Pod,
    container: Container,
    containerId: string,
    podIp: string | undefined,
    spec: ProbeSpec,
    worker: Worker,
  ): Promise<void> {
    const timeout = spec.timeoutSeconds ?? 1;
    const res = await runHandler(spec, {
      runtime: this.#o.runtime,
      containerId,
      container,
      podIp,
    }, timeout);
    if (worker.stopped) return;
    const before = worker.result;
    if (res.ok) {
      worker.failures = 0;
      worker.successes++;
      if (worker.successes >= (spec.successThreshold ?? 1)) worker.result = true;
    } else {
      worker.successes = 0;
      worker.failures++;
      this.#o.onFailure(
        pod,
        container,
        worker.kind,
        `${NAME[worker.kind]} probe failed: ${res.output.trim()}`,
      );
      if (worker.failures >= (spec.failureThreshold ?? 3)) worker.result = false;
    }
    if (before !== worker.result) this.#o.onChange(pod.metadata.uid!);
  }

  /** What the probes say of a container. */
  verdict(containerId: string): ProbeVerdict & { ready: boolean } {
    const workers = this.#containers.get(containerId)?.workers ?? [];
    const of = (kind: ProbeKind) => workers.find((w) => w.kind === kind);
    const startup = of("startup");
    const liveness = of("liveness");
    const readiness = of("readiness");
    const started = !startup || startup.result === true;
    return {
      started,
      startupFailed: startup?.result === false,
      livenessFailed: liveness?.result === false,
      ready: started && (!readiness || readiness.result === true),
    };
  }

  /** Stops the workers of containers of `podUid` not in `keep`. */
  prune(podUid: string, keep: Set<string>): void {
    for (const [id, entry] of this.#containers) {
      if (entry.podUid === podUid && !keep.has(id)) this.#stop(id);
    }
  }

  /** Stops every worker of a pod. */
  removePod(podUid: string): void {
    this.prune(podUid, new Set());
  }

  #stop(containerId: string): void {
    const entry = this.#containers.get(containerId);
    if (!entry) return;
    for (const w of entry.workers) {
      w.stopped = true;
      w.timer?.cancel();
    }
    this.#containers.delete(containerId);
  }

  stopAll(): void {
    for (const id of [...this.#containers.keys()]) this.#stop(id);
  }
}

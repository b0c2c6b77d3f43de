/**
 * {@link HpaController}: upstream's horizontal pod autoscaler for `autoscaling/v2`. Every
 * `syncPeriodMs` (and when an HPA's spec changes) it reads the target's `scale` subresource,
 * asks each `Resource` metric for a replica count ({@link metricsProposal}) from
 * `metrics.k8s.io` PodMetrics, takes the largest, applies `behavior` ({@link normalize}) and
 * `minReplicas`/`maxReplicas`, writes the new size through `scale`, and records the status
 * (`currentMetrics`, `desiredReplicas`, `lastScaleTime`, conditions `AbleToScale`,
 * `ScalingActive`, `ScalingLimited`) and events (`SuccessfulRescale`,
 * `FailedGetResourceMetric`, ...). Metrics other than `Resource` (Pods, Object, External,
 * ContainerResource) need a custom or external metrics API and are reported as failing.
 *
 * @module
 */
import {
  BY_NAMESPACE,
  namespaceIndex,
  objectReference,
  PODS,
  type Resource,
  resource,
  resourcePath,
  type SharedInformer,
} from "../../../kube/client/mod.ts";
import { deepClone, formatTime } from "../../../kube/meta.ts";
import { errText, writeStatus } from "../common/status.ts";
import type { Condition } from "../common/types.ts";
import { Controller, type ControllerConfig, nonNegative, positiveInt } from "../framework/mod.ts";
import {
  type Behavior,
  DEFAULT_SCALE_UP,
  defaultScaleDown,
  longestPeriodMs,
  normalize,
  type Normalized,
  normalizeWithoutBehavior,
  type Recommendation,
  type ScaleEvent,
  withDefaults,
} from "./behavior.ts";
import { metricsProposal, type ProposalDeps } from "./proposal.ts";
import { CPU_INITIALIZATION_PERIOD_MS, INITIAL_READINESS_DELAY_MS } from "./replicas.ts";
import type { Hpa, HpaStatus, Scale } from "./types.ts";

/** `autoscaling/v2` HorizontalPodAutoscalers. */
export const HPAS = resource(
  "autoscaling",
  "v2",
  "horizontalpodautoscalers",
  "HorizontalPodAutoscaler",
  true,
);

/** Options of {@linkcode HpaController}. */
export interface HpaControllerConfig extends ControllerConfig {
  /** `--horizontal-pod-autoscaler-sync-period` (default 15 s). */
  syncPeriodMs?: number;
  /** `--horizontal-pod-autoscaler-tolerance` (default 0.1). */
  tolerance?: number;
  /** `--horizontal-pod-autoscaler-downscale-stabilization` (default 300 s). */
  downscaleStabilizationMs?: number;
  /** `--horizontal-pod-autoscaler-cpu-initialization-period` (default 5 min). */
  cpuInitializationPeriodMs?: number;
  /** `--horizontal-pod-autoscaler-initial-readiness-delay` (default 30 s). */
  initialReadinessDelayMs?: number;
}

/** What the controller remembers of an HPA between syncs. */
interface Memory {
  recommendations: Recommendation[];
  up: ScaleEvent[];
  down: ScaleEvent[];
}

function setCondition(
  conditions: Condition[],
  type: string,
  status: "True" | "False",
  reason: string,
  message: string,
  now: number,
): Condition[] {
  const old = conditions.find((c) => c.type === type);
  const at = old && old.status === status ? old.lastTransitionTime : formatTime(now);
  const next = { type, status, lastTransitionTime: at, reason, message };
  const i = conditions.findIndex((c) => c.type === type);
  if (i < 0) return [...conditions, next];
  return conditions.map((c, j) => j === i ? next : c);
}

/** Scales workloads to their metrics. */
export class HpaController extends Controller {
  readonly #hpas: SharedInformer<Hpa>;
  readonly #deps: ProposalDeps;
  readonly #syncPeriodMs: number;
  readonly #downWindowSeconds: number;
  readonly #memory = new Map<string, Memory>();
  readonly #kinds = new Map<string, Resource>();

  constructor(config: HpaControllerConfig) {
    super(config);
    this.#syncPeriodMs = positiveInt(this.name, "syncPeriodMs", config.syncPeriodMs, 15_000);
    const tolerance = nonNegative(this.name, "tolerance", config.tolerance, 0.1);
    this.#downWindowSeconds =
      nonNegative(this.name, "downscaleStabilizationMs", config.downscaleStabilizationMs, 300_000) /
      1000;
    this.#hpas = this.watch(HPAS as Resource<Hpa>, {
      updateFilter: (a, b) => a.metadata.generation !== b.metadata.generation,
    });
    const pods = this.watch(PODS, {
      indexers: { [BY_NAMESPACE]: namespaceIndex },
      keys: () => undefined,
    });
    this.#deps = {
      client: this.client,
      pods,
      tolerance,
      cpuInitializationPeriodMs: nonNegative(
        this.name,
        "cpuInitializationPeriodMs",
        config.cpuInitializationPeriodMs,
        CPU_INITIALIZATION_PERIOD_MS,
      ),
      initialReadinessDelayMs: nonNegative(
        this.name,
        "initialReadinessDelayMs",
        config.initialReadinessDelayMs,
        INITIAL_READINESS_DELAY_MS,
      ),
      now: () => this.clock.now(),
      event: (hpa, type, reason, message) => this.#event(hpa, type, reason, message),
    };
  }

  protected async reconcile(key: string, signal: AbortSignal): Promise<void> {
    const hpa = this.#hpas.store.get(key);
    if (!hpa) {
      this.#memory.delete(key);
      return;
    }
    try {
      await this.#sync(key, hpa, signal);
    } finally {
      if (!signal.aborted) this.queue.addAfter(key, this.#syncPeriodMs);
    }
  }

  #event(hpa: Hpa, type: "Normal" | "Warning", reason: string, message: string): void {
    this.recorder.event(objectReference(HPAS, hpa), type, reason, message);
  }

  /** The resource of `apiVersion`/`kind`, from discovery (cached). */
  async #resourceFor(apiVersion: string, kind: string, signal: AbortSignal): Promise<Resource> {
    const cacheKey = `${apiVersion}/${kind}`;
    const known = this.#kinds.get(cacheKey);
    if (known) return known;
    const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
    const path = group ? `/apis/${group}/${version}` : `/api/${version}`;
    const list = await this.client.request<
      { resources?: { name: string; kind: string; namespaced: boolean }[] }
    >("GET", path, undefined, { signal });
    const found = list.resources?.find((r) => r.kind === kind && !r.name.includes("/"));
    if (!found) throw new Error(`no matches for kind "${kind}" in group "${group}"`);
    const res = resource(group, version, found.name, kind, found.namespaced);
    this.#kinds.set(cacheKey, res);
    return res;
  }

  /** `behavior`'s stabilization and rate limits, remembering this sync's recommendation. */
  #withBehavior(
    behavior: Behavior,
    memory: Memory,
    desired: number,
    current: number,
    minReplicas: number,
    now: number,
    maxReplicas: number,
  ): Normalized {
    const up = withDefaults(behavior.scaleUp, DEFAULT_SCALE_UP);
    const down = withDefaults(behavior.scaleDown, defaultScaleDown(this.#downWindowSeconds));
    const keepSince = now - longestPeriodMs(up, down);
    memory.up = memory.up.filter((e) => e.at > keepSince);
    memory.down = memory.down.filter((e) => e.at > keepSince);
    return normalize({
      desired,
      current,
      minReplicas,
      maxReplicas,
      up,
      down,
      recommendations: memory.recommendations,
      upEvents: memory.up,
      downEvents: memory.down,
      now,
    });
  }

  async #sync(key: string, cached: Hpa, signal: AbortSignal): Promise<void> {
    const hpa = deepClone(cached);
    const now = this.clock.now();
    const spec = hpa.spec;
    const ns = hpa.metadata.namespace!;
    const status: HpaStatus = { ...deepClone(hpa.status ?? {}) };
    status.observedGeneration = hpa.metadata.generation;
    let conditions = status.conditions ?? [];
    const memory = this.#memory.get(key) ?? { recommendations: [], up: [], down: [] };
    this.#memory.set(key, memory);
    const ref = spec.scaleTargetRef;
    const kindText = `${ref.kind}/${ref.name}`;

    let scale: Scale;
    let scalePath: string;
    try {
      const res = await this.#resourceFor(ref.apiVersion ?? "v1", ref.kind, signal);
      scalePath = resourcePath(res, ns, ref.name, "scale");
      scale = await this.client.request<Scale>("GET", scalePath, undefined, { signal });
    } catch (err) {
      const message = `the HPA controller was unable to get the target's current scale: ${
        errText(err)
      }`;
      this.#event(hpa, "Warning", "FailedGetScale", errText(err));
      conditions = setCondition(conditions, "AbleToScale", "False", "FailedGetScale", message, now);
      await writeStatus(this.client, HPAS, cached, { ...status, conditions });
      return;
    }
    conditions = setCondition(
      conditions,
      "AbleToScale",
      "True",
      "SucceededGetScale",
      "the HPA controller was able to get the target's current scale",
      now,
    );
    const current = scale.spec?.replicas ?? 0;
    status.currentReplicas = scale.status?.replicas ?? 0;
    const minReplicas = spec.minReplicas ?? 1;
    const maxReplicas = spec.maxReplicas;
    let desired = current;
    let reason = "";

    if (current === 0 && minReplicas !== 0) {
      conditions = setCondition(
        conditions,
        "ScalingActive",
        "False",
        "ScalingDisabled",
        "scaling is disabled since the replica count of the target is zero",
        now,
      );
      desired = 0;
    } else if (current > maxReplicas) {
      desired = maxReplicas;
      reason = "Current number of replicas above Spec.MaxReplicas";
    } else if (current < minReplicas) {
      desired = minReplicas;
      reason = "Current number of replicas below Spec.MinReplicas";
    } else {
      const outcome = await metricsProposal(this.#deps, hpa, scale, current, signal);
      if ("error" in outcome) {
        conditions = setCondition(
          conditions,
          "ScalingActive",
          "False",
          outcome.reason,
          `the HPA was unable to compute the replica count: ${outcome.error}`,
          now,
        );
        status.desiredReplicas = current;
        await writeStatus(this.client, HPAS, cached, { ...status, conditions });
        return;
      }
      conditions = setCondition(
        conditions,
        "ScalingActive",
        "True",
        "ValidMetricFound",
        `the HPA was able to successfully calculate a replica count from ${outcome.metricName}`,
        now,
      );
      status.currentMetrics = outcome.statuses;
      const normalized = spec.behavior
        ? this.#withBehavior(
          spec.behavior,
          memory,
          outcome.replicas,
          current,
          minReplicas,
          now,
          maxReplicas,
        )
        : normalizeWithoutBehavior({
          desired: outcome.replicas,
          current,
          minReplicas,
          maxReplicas: spec.maxReplicas,
          downWindowMs: this.#downWindowSeconds * 1000,
          recommendations: memory.recommendations,
          now,
        });
      desired = normalized.replicas;
      conditions = setCondition(
        conditions,
        "AbleToScale",
        "True",
        normalized.stabilized.reason,
        normalized.stabilized.message,
        now,
      );
      const limited = normalized.limited;
      conditions = limited
        ? setCondition(conditions, "ScalingLimited", "True", limited.reason, limited.message, now)
        : setCondition(
          conditions,
          "ScalingLimited",
          "False",
          "DesiredWithinRange",
          "the desired count is within the acceptable range",
          now,
        );
      if (desired > current) reason = `${outcome.metricName} above target`;
      if (desired < current) reason = "All metrics below target";
    }

    if (desired !== current) {
      try {
        await this.client.request(
          "PUT",
          scalePath,
          { ...scale, apiVersion: "autoscaling/v1", kind: "Scale", spec: { replicas: desired } },
          { signal },
        );
      } catch (err) {
        const message = `the HPA controller was unable to update the target scale: ${errText(err)}`;
        this.#event(
          hpa,
          "Warning",
          "FailedRescale",
          `New size: ${desired}; reason: ${reason}; error: ${errText(err)}`,
        );
        conditions = setCondition(
          conditions,
          "AbleToScale",
          "False",
          "FailedUpdateScale",
          message,
          now,
        );
        await writeStatus(this.client, HPAS, cached, { ...status, conditions });
        return;
      }
      this.log.info(`${ns}/${hpa.metadata.name}: scaled ${kindText} from ${current} to ${desired}`);
      this.#event(hpa, "Normal", "SuccessfulRescale", `New size: ${desired}; reason: ${reason}`);
      conditions = setCondition(
        conditions,
        "AbleToScale",
        "True",
        "SucceededRescale",
        `the HPA controller was able to update the target scale to ${desired}`,
        now,
      );
      (desired > current ? memory.up : memory.down).push({
        at: now,
        change: Math.abs(desired - current),
      });
      status.lastScaleTime = formatTime(now);
    }
    status.desiredReplicas = desired;
    status.conditions = conditions;
    await writeStatus(this.client, HPAS, cached, status);
  }
}

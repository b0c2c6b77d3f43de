/**
 * {@link HpaController}: upstream's horizontal pod autoscaler for `autoscaling/v2`. Every
 * `syncPeriodMs` (and when an HPA's spec changes) it reads the target's `scale` subresource,
 * asks each `Resource` metric for a replica count ({@link resourceReplicas}) from
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
  type Pod,
  PODS,
  type Resource,
  resource,
  resourcePath,
  type SharedInformer,
} from "../../../kube/client/mod.ts";
import { parseSelector } from "../../../kube/labels.ts";
import { deepClone, formatTime, type KubeObject } from "../../../kube/meta.ts";
import { Quantity } from "../../../kube/quantity.ts";
import { errText, writeStatus } from "../common/status.ts";
import type { Condition } from "../common/types.ts";
import { Controller, type ControllerConfig, nonNegative, positiveInt } from "../framework/mod.ts";
import {
  type Behavior,
  DEFAULT_SCALE_UP,
  defaultScaleDown,
  longestPeriodMs,
  normalize,
  type Recommendation,
  type ScaleEvent,
  withDefaults,
} from "./behavior.ts";
import { podSample, podUsage } from "./metrics.ts";
import { resourceReplicas, type ResourceTarget } from "./replicas.ts";

/** `autoscaling/v2` HorizontalPodAutoscalers. */
export const HPAS = resource(
  "autoscaling",
  "v2",
  "horizontalpodautoscalers",
  "HorizontalPodAutoscaler",
  true,
);

interface MetricSpec {
  type: string;
  resource?: {
    name: string;
    target: { type: string; averageUtilization?: number; averageValue?: string };
  };
}

interface HpaSpec {
  scaleTargetRef: { apiVersion?: string; kind: string; name: string };
  minReplicas?: number;
  maxReplicas: number;
  metrics?: MetricSpec[];
  behavior?: Behavior;
}

interface HpaStatus {
  observedGeneration?: number;
  lastScaleTime?: string;
  currentReplicas?: number;
  desiredReplicas?: number;
  currentMetrics?: Record<string, unknown>[];
  conditions?: Condition[];
}

type Hpa = KubeObject & { spec: HpaSpec; status?: HpaStatus };

interface Scale {
  metadata: KubeObject["metadata"];
  spec?: { replicas?: number };
  status?: { replicas?: number; selector?: string };
}

/** Options of {@linkcode HpaController}. */
export interface HpaControllerConfig extends ControllerConfig {
  /** `--horizontal-pod-autoscaler-sync-period` (default 15 s). */
  syncPeriodMs?: number;
  /** `--horizontal-pod-autoscaler-tolerance` (default 0.1). */
  tolerance?: number;
  /** `--horizontal-pod-autoscaler-downscale-stabilization` (default 300 s). */
  downscaleStabilizationMs?: number;
}

/** What the metrics propose, or why they cannot. */
type MetricsOutcome =
  | { replicas: number; metricName: string; statuses: Record<string, unknown>[] }
  | { error: string; reason: string; statuses: Record<string, unknown>[] };

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

function targetOf(spec: MetricSpec["resource"]): ResourceTarget | string {
  const t = spec?.target;
  if (t?.type === "Utilization" && typeof t.averageUtilization === "number") {
    return { type: "Utilization", averageUtilization: t.averageUtilization };
  }
  if (t?.type === "AverageValue" && t.averageValue) {
    return { type: "AverageValue", averageValueMilli: Quantity.parse(t.averageValue).milliValue() };
  }
  return `invalid resource metric target for ${spec?.name}: ${t?.type}`;
}

/** Scales workloads to their metrics. */
export class HpaController extends Controller {
  readonly #hpas: SharedInformer<Hpa>;
  readonly #pods: SharedInformer<Pod>;
  readonly #syncPeriodMs: number;
  readonly #tolerance: number;
  readonly #downWindowSeconds: number;
  readonly #memory = new Map<string, Memory>();
  readonly #kinds = new Map<string, Resource>();

  constructor(config: HpaControllerConfig) {
    super(config);
    this.#syncPeriodMs = positiveInt(this.name, "syncPeriodMs", config.syncPeriodMs, 15_000);
    this.#tolerance = nonNegative(this.name, "tolerance", config.tolerance, 0.1);
    this.#downWindowSeconds =
      nonNegative(this.name, "downscaleStabilizationMs", config.downscaleStabilizationMs, 300_000) /
      1000;
    this.#hpas = this.watch(HPAS as Resource<Hpa>, {
      updateFilter: (a, b) => a.metadata.generation !== b.metadata.generation,
    });
    this.#pods = this.watch(PODS, {
      indexers: { [BY_NAMESPACE]: namespaceIndex },
      keys: () => undefined,
    });
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
      const outcome = await this.#proposal(hpa, scale, current, signal);
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
      const up = withDefaults(spec.behavior?.scaleUp, DEFAULT_SCALE_UP);
      const down = withDefaults(
        spec.behavior?.scaleDown,
        defaultScaleDown(this.#downWindowSeconds),
      );
      const keepSince = now - longestPeriodMs(up, down);
      memory.up = memory.up.filter((e) => e.at > keepSince);
      memory.down = memory.down.filter((e) => e.at > keepSince);
      const normalized = normalize({
        desired: outcome.replicas,
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

  /** The largest replica count the metrics ask for. */
  async #proposal(
    hpa: Hpa,
    scale: Scale,
    current: number,
    signal: AbortSignal,
  ): Promise<MetricsOutcome> {
    const ns = hpa.metadata.namespace!;
    const metrics = hpa.spec.metrics ?? [];
    const statuses: Record<string, unknown>[] = [];
    const errors: { reason: string; message: string }[] = [];
    let best: { replicas: number; metricName: string } | undefined;
    for (const m of metrics) {
      if (m.type !== "Resource" || !m.resource) {
        errors.push({
          reason: `FailedGet${m.type}Metric`,
          message: `unable to get ${m.type} metric: only Resource metrics are supported`,
        });
        continue;
      }
      const name = m.resource.name;
      const target = targetOf(m.resource);
      const metricName = typeof target !== "string" && target.type === "Utilization"
        ? `${name} resource utilization (percentage of request)`
        : `${name} resource`;
      try {
        if (typeof target === "string") throw new Error(target);
        const selectorText = scale.status?.selector;
        if (!selectorText) {
          throw new Error("the target's scale is missing a selector");
        }
        const selector = parseSelector(selectorText);
        const pods = this.#pods.store.byIndex(BY_NAMESPACE, ns)
          .filter((p) => selector.matches(p.metadata.labels));
        let usage: Map<string, number>;
        try {
          usage = await podUsage(this.client, ns, selectorText, name, signal);
        } catch (err) {
          throw new Error(`unable to get metrics for resource ${name}: ${errText(err)}`);
        }
        const proposal = resourceReplicas({
          resource: name,
          currentReplicas: current,
          pods: pods.map((p) => podSample(p, name)),
          usage,
          target,
          tolerance: this.#tolerance,
        });
        const currentValue: Record<string, unknown> = {
          averageValue: Quantity.fromMilli(proposal.averageMilli).toString(),
        };
        if (proposal.utilization !== undefined) {
          currentValue.averageUtilization = proposal.utilization;
        }
        statuses.push({ type: "Resource", resource: { name, current: currentValue } });
        if (!best || proposal.replicas > best.replicas) {
          best = { replicas: proposal.replicas, metricName };
        }
      } catch (err) {
        const what = typeof target !== "string" && target.type === "Utilization"
          ? `${name} utilization`
          : `${name} usage`;
        const message = `failed to get ${what}: ${errText(err)}`;
        this.#event(hpa, "Warning", "FailedGetResourceMetric", message);
        errors.push({
          reason: "FailedGetResourceMetric",
          message: `failed to get ${name} resource metric value: ${message}`,
        });
      }
    }
    if (errors.length) {
      this.#event(
        hpa,
        "Warning",
        "FailedComputeMetricsReplicas",
        `invalid metrics (${errors.length} invalid out of ${metrics.length}), first error is: ${
          errors[0].message
        }`,
      );
    }
    if (!best) {
      const first = errors[0] ?? { reason: "InvalidMetricSourceType", message: "no metrics" };
      return { error: first.message, reason: first.reason, statuses };
    }
    // With some metrics failing, never scale down on the others alone (as upstream).
    const replicas = errors.length && best.replicas < current ? current : best.replicas;
    return { replicas, metricName: best.metricName, statuses };
  }
}

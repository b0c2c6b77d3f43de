/**
 * What an HPA's metrics propose: for each `Resource` metric the pods the target's selector
 * matches (from the shared pod informer) and their usage from `metrics.k8s.io`, through
 * {@link resourceReplicas}; the largest proposal wins, and with some metrics failing the others
 * may scale up but never down (as upstream). Metrics other than `Resource` need a custom or
 * external metrics API and are reported as failing (`FailedGet<Type>Metric`).
 *
 * @module
 */
import {
  BY_NAMESPACE,
  type KubeClient,
  type Pod,
  type SharedInformer,
} from "../../../kube/client/mod.ts";
import { parseSelector } from "../../../kube/labels.ts";
import { Quantity } from "../../../kube/quantity.ts";
import { errText } from "../common/status.ts";
import { podSample, podUsage } from "./metrics.ts";
import { resourceReplicas, type ResourceTarget } from "./replicas.ts";
import type { Hpa, MetricSpec, Scale } from "./types.ts";

/** What the proposal reads through and reports to. */
export interface ProposalDeps {
  client: KubeClient;
  pods: SharedInformer<Pod>;
  tolerance: number;
  event(hpa: Hpa, type: "Normal" | "Warning", reason: string, message: string): void;
}

export /** What the metrics propose, or why they cannot. */
type MetricsOutcome =
  | { replicas: number; metricName: string; statuses: Record<string, unknown>[] }
  | { error: string; reason: string; statuses: Record<string, unknown>[] };

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

/** The largest replica count the metrics of `hpa` ask for, or why there is none. */
export async function metricsProposal(
  deps: ProposalDeps,
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
      const pods = deps.pods.store.byIndex(BY_NAMESPACE, ns)
        .filter((p) => selector.matches(p.metadata.labels));
      let usage: Map<string, number>;
      try {
        usage = await podUsage(deps.client, ns, selectorText, name, signal);
      } catch (err) {
        throw new Error(`unable to get metrics for resource ${name}: ${errText(err)}`);
      }
      const proposal = resourceReplicas({
        resource: name,
        currentReplicas: current,
        pods: pods.map((p) => podSample(p, name)),
        usage,
        target,
        tolerance: deps.tolerance,
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
      deps.event(hpa, "Warning", "FailedGetResourceMetric", message);
      errors.push({
        reason: "FailedGetResourceMetric",
        message: `failed to get ${name} resource metric value: ${message}`,
      });
    }
  }
  if (errors.length) {
    deps.event(
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

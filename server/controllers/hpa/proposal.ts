/**
 * What an HPA's metrics propose: for each `Resource` (or `ContainerResource`) metric the pods the
 * target's selector matches (from the shared pod informer) and their usage from
 * `metrics.k8s.io`, through {@link resourceReplicas}; the largest proposal wins, and with some
 * metrics failing the others may scale up but never down (as upstream). `Pods`, `Object` and
 * `External` metrics need a custom or external metrics API and are reported as failing
 * (`FailedGet<Type>Metric`).
 *
 * @module
 */
import {
  BY_NAMESPACE,
  type KubeClient,
  type Pod,
  type SharedInformer,
} from "../../../kube/client/mod.ts";
import { parseSelector, type Selector } from "../../../kube/labels.ts";
import { Quantity } from "../../../kube/quantity.ts";
import { errText } from "../common/status.ts";
import { podSample, podUsage } from "./metrics.ts";
import { resourceReplicas, type ResourceTarget, type UsageSample } from "./replicas.ts";
import type { Hpa, MetricSpec, MetricTarget, Scale } from "./types.ts";

/** What the proposal reads through and reports to. */
export interface ProposalDeps {
  client: KubeClient;
  pods: SharedInformer<Pod>;
  tolerance: number;
  cpuInitializationPeriodMs?: number;
  initialReadinessDelayMs?: number;
  now(): number;
  event(hpa: Hpa, type: "Normal" | "Warning", reason: string, message: string): void;
}

/** What the metrics propose, or why they cannot. */
export type MetricsOutcome =
  | { replicas: number; metricName: string; statuses: Record<string, unknown>[] }
  | { error: string; reason: string; statuses: Record<string, unknown>[] };

function targetOf(name: string, t: MetricTarget | undefined): ResourceTarget {
  if (t?.type === "Utilization" && typeof t.averageUtilization === "number") {
    return { type: "Utilization", averageUtilization: t.averageUtilization };
  }
  if (t?.type === "AverageValue" && t.averageValue) {
    return { type: "AverageValue", averageValueMilli: Quantity.parse(t.averageValue).milliValue() };
  }
  throw new Error(`invalid resource metric target for ${name}: ${t?.type}`);
}

/** A resource metric, of the whole pod or of one container. */
interface ResourceMetric {
  type: "Resource" | "ContainerResource";
  name: string;
  container?: string;
  target: MetricTarget;
}

function resourceMetric(m: MetricSpec): ResourceMetric | null {
  if (m.type === "Resource" && m.resource) return { type: "Resource", ...m.resource };
  if (m.type === "ContainerResource" && m.containerResource) {
    return { type: "ContainerResource", ...m.containerResource };
  }
  return null;
}

/** The largest replica count the metrics of `hpa` ask for, or why there is none. */
export async function metricsProposal(
  deps: ProposalDeps,
  hpa: Hpa,
  scale: Scale,
  current: number,
  signal: AbortSignal,
): Promise<MetricsOutcome> {
  const metrics = hpa.spec.metrics ?? [];
  const statuses: Record<string, unknown>[] = [];
  const selectorText = scale.status?.selector;
  if (!selectorText) {
    deps.event(hpa, "Warning", "SelectorRequired", "selector is required");
    return {
      error: "the HPA target's scale is missing a selector",
      reason: "InvalidSelector",
      statuses,
    };
  }
  let selector: Selector;
  try {
    selector = parseSelector(selectorText);
  } catch (err) {
    deps.event(hpa, "Warning", "InvalidSelector", errText(err));
    return {
      error: `couldn't convert selector into a corresponding internal selector object: ${
        errText(err)
      }`,
      reason: "InvalidSelector",
      statuses,
    };
  }
  const errors: { reason: string; message: string }[] = [];
  let best: { replicas: number; metricName: string } | undefined;
  for (const spec of metrics) {
    const m = resourceMetric(spec);
    if (!m) {
      errors.push({
        reason: `FailedGet${spec.type}Metric`,
        message: `unable to get ${spec.type} metric: no custom or external metrics API is served`,
      });
      continue;
    }
    const utilization = m.target?.type === "Utilization";
    const kind = m.type === "Resource" ? "resource" : "container resource";
    const metricName = utilization
      ? `${m.name} ${kind} utilization (percentage of request)`
      : `${m.name} ${kind}`;
    try {
      const target = targetOf(m.name, m.target);
      const pods = deps.pods.store.byIndex(BY_NAMESPACE, hpa.metadata.namespace!)
        .filter((p) => selector.matches(p.metadata.labels));
      let usage: Map<string, UsageSample>;
      try {
        usage = await podUsage(deps.client, {
          namespace: hpa.metadata.namespace!,
          selector: selectorText,
          resource: m.name,
          container: m.container,
          signal,
        });
      } catch (err) {
        throw new Error(`unable to get metrics for resource ${m.name}: ${errText(err)}`);
      }
      const proposal = resourceReplicas({
        resource: m.name,
        currentReplicas: current,
        pods: pods.map((p) => podSample(p, m.name, m.container)),
        usage,
        target,
        tolerance: deps.tolerance,
        now: deps.now(),
        cpuInitializationPeriodMs: deps.cpuInitializationPeriodMs,
        initialReadinessDelayMs: deps.initialReadinessDelayMs,
      });
      const value: Record<string, unknown> = {
        averageValue: Quantity.fromMilli(proposal.averageMilli).toString(),
      };
      if (proposal.utilization !== undefined) value.averageUtilization = proposal.utilization;
      statuses.push(
        m.type === "Resource" ? { type: "Resource", resource: { name: m.name, current: value } } : {
          type: "ContainerResource",
          containerResource: { name: m.name, container: m.container, current: value },
        },
      );
      if (!best || proposal.replicas > best.replicas) {
        best = { replicas: proposal.replicas, metricName };
      }
    } catch (err) {
      const message = `failed to get ${m.name} ${utilization ? "utilization" : "usage"}: ${
        errText(err)
      }`;
      const reason = `FailedGet${m.type}Metric`;
      deps.event(hpa, "Warning", reason, message);
      errors.push({ reason, message: `failed to get ${m.name} ${kind} metric value: ${message}` });
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

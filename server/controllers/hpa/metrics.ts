/**
 * Reading resource metrics and pod samples for the HPA: `metrics.k8s.io/v1beta1` PodMetrics
 * through the API (so through the aggregator, as this controller's own identity), and the
 * pods' readiness and requests from the shared pod informer.
 *
 * @module
 */
import type { KubeClient, Pod } from "../../../kube/client/mod.ts";
import { Quantity } from "../../../kube/quantity.ts";
import { parseGoDuration } from "../../apiserver/resources/batch/go_duration.ts";
import { timeOf } from "../common/util.ts";
import type { PodSample, UsageSample } from "./replicas.ts";

interface PodMetricsList {
  items?: {
    metadata: { name?: string };
    timestamp?: string;
    window?: string;
    containers?: { name: string; usage?: Record<string, string> }[];
  }[];
}

function milli(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  try {
    return Quantity.parse(text).milliValue();
  } catch {
    return undefined;
  }
}

/** Which usage {@linkcode podUsage} reads. */
export interface UsageQuery {
  namespace: string;
  /** The target's label selector, as text. */
  selector: string;
  resource: string;
  /** Only this container's usage (a ContainerResource metric). */
  container?: string;
  signal?: AbortSignal;
}

function windowMs(text: string | undefined): number {
  try {
    return text ? parseGoDuration(text) : 0;
  } catch {
    return 0;
  }
}

/**
 * Samples of the resource per pod for the pods the selector matches; a pod with a container
 * lacking the resource (or without the named container) is left out, as upstream.
 */
export async function podUsage(
  client: KubeClient,
  q: UsageQuery,
): Promise<Map<string, UsageSample>> {
  const path = `/apis/metrics.k8s.io/v1beta1/namespaces/${encodeURIComponent(q.namespace)}/pods` +
    `?labelSelector=${encodeURIComponent(q.selector)}`;
  let list: PodMetricsList;
  try {
    list = await client.request<PodMetricsList>("GET", path, undefined, { signal: q.signal });
  } catch (err) {
    throw new Error(
      `unable to fetch metrics from resource metrics API: ${
        (err as Error).message
      } (get pods.metrics.k8s.io)`,
    );
  }
  const resource = q.resource;
  const out = new Map<string, UsageSample>();
  for (const item of list.items ?? []) {
    const containers = (item.containers ?? []).filter((c) =>
      q.container === undefined || c.name === q.container
    );
    let sum = 0;
    let complete = containers.length > 0;
    for (const c of containers) {
      const v = milli(c.usage?.[resource]);
      if (v === undefined) complete = false;
      else sum += v;
    }
    if (!complete || !item.metadata.name) continue;
    out.set(item.metadata.name, {
      milli: sum,
      timestamp: timeOf(item.timestamp) ?? 0,
      windowMs: windowMs(item.window),
    });
  }
  if (out.size === 0) throw new Error("no metrics returned from resource metrics API");
  return out;
}

/** How the replica calculation sees `pod` for `resource` (of one container, if named). */
export function podSample(pod: Pod, resource: string, container?: string): PodSample {
  const status = pod.status ?? {};
  const ready = status.conditions?.find((c) => c.type === "Ready");
  let requestMilli: number | undefined = 0;
  let missingRequestIn: string | undefined;
  const containers = (pod.spec?.containers ?? []).filter((c) =>
    container === undefined || c.name === container
  );
  if (containers.length === 0) [requestMilli, missingRequestIn] = [undefined, container];
  for (const c of containers) {
    const r = milli(c.resources?.requests?.[resource] as string | undefined);
    if (r === undefined) {
      requestMilli = undefined;
      missingRequestIn ??= c.name;
    } else if (requestMilli !== undefined) requestMilli += r;
  }
  return {
    name: pod.metadata.name ?? "",
    ignored: Boolean(pod.metadata.deletionTimestamp) || status.phase === "Failed",
    pending: status.phase === "Pending",
    ready: ready ? { status: ready.status, since: timeOf(ready.lastTransitionTime) ?? 0 } : null,
    startTime: timeOf(status.startTime),
    requestMilli,
    missingRequestIn,
  };
}

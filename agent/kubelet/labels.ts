/**
 * The labels and annotations the kubelet puts on CRI sandboxes and containers, upstream's keys,
 * so that `crictl` shows the usual columns and so that the kubelet can rebuild what it knows of
 * a pod from the runtime alone after a restart (adoption) or after the pod left the API (its
 * grace period and preStop hook are on the containers).
 *
 * @module
 */
import type { Container, Pod } from "../../kube/client/types.ts";
import { compareStrings } from "../../kube/order.ts";

export const POD_NAME_LABEL = "io.kubernetes.pod.name";
export const POD_NAMESPACE_LABEL = "io.kubernetes.pod.namespace";
export const POD_UID_LABEL = "io.kubernetes.pod.uid";
export const CONTAINER_NAME_LABEL = "io.kubernetes.container.name";

export const CONTAINER_HASH_ANNOTATION = "io.kubernetes.container.hash";
export const RESTART_COUNT_ANNOTATION = "io.kubernetes.container.restartCount";
export const TERMINATION_MESSAGE_PATH_ANNOTATION = "io.kubernetes.container.terminationMessagePath";
export const TERMINATION_MESSAGE_POLICY_ANNOTATION =
  "io.kubernetes.container.terminationMessagePolicy";
export const GRACE_PERIOD_ANNOTATION = "io.kubernetes.pod.terminationGracePeriod";
export const PRE_STOP_ANNOTATION = "io.kubernetes.container.preStopHandler";
export const PORTS_ANNOTATION = "io.kubernetes.container.ports";

/** Sandbox labels: the pod's own labels plus its identity. */
export function sandboxLabels(pod: Pod): Record<string, string> {
  return {
    ...(pod.metadata.labels ?? {}),
    [POD_NAME_LABEL]: pod.metadata.name!,
    [POD_NAMESPACE_LABEL]: pod.metadata.namespace!,
    [POD_UID_LABEL]: pod.metadata.uid!,
  };
}

export function containerLabels(pod: Pod, container: Container): Record<string, string> {
  return {
    [POD_NAME_LABEL]: pod.metadata.name!,
    [POD_NAMESPACE_LABEL]: pod.metadata.namespace!,
    [POD_UID_LABEL]: pod.metadata.uid!,
    [CONTAINER_NAME_LABEL]: container.name,
  };
}

/**
 * A hash of the container spec (FNV-1a of its JSON, hex): a container whose spec changed
 * (a new image after `kubectl set image`) is restarted, as upstream compares its hash.
 */
export function containerHash(container: Container): string {
  const text = stableJson(container);
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16);
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => compareStrings(a, b));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

export function containerAnnotations(
  pod: Pod,
  container: Container,
  restartCount: number,
): Record<string, string> {
  const annotations: Record<string, string> = {
    [CONTAINER_HASH_ANNOTATION]: containerHash(container),
    [RESTART_COUNT_ANNOTATION]: String(restartCount),
    [TERMINATION_MESSAGE_PATH_ANNOTATION]: String(
      container.terminationMessagePath ?? "/dev/termination-log",
    ),
    [TERMINATION_MESSAGE_POLICY_ANNOTATION]: String(
      container.terminationMessagePolicy ?? "File",
    ),
    [GRACE_PERIOD_ANNOTATION]: String(pod.spec?.terminationGracePeriodSeconds ?? 30),
  };
  const preStop = (container.lifecycle as { preStop?: unknown } | undefined)?.preStop;
  if (preStop) annotations[PRE_STOP_ANNOTATION] = JSON.stringify(preStop);
  if (container.ports?.length) annotations[PORTS_ANNOTATION] = JSON.stringify(container.ports);
  return annotations;
}

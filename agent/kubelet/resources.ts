/**
 * A container's resources as the CRI wants them (upstream's `kuberuntime` conversions): CPU
 * requests become `cpu.shares` (1024 per core, at least 2), CPU limits a CFS quota over a
 * 100 ms period (at least 1 ms), memory limits a byte limit; plus the pod's QoS class and the
 * OOM score adjustment that follows from it.
 *
 * @module
 */
import type { Container, Pod, ResourceList } from "../../kube/client/types.ts";
import type { LinuxContainerResources } from "../../cri/types.ts";
import { parseQuantity } from "../../kube/quantity.ts";

export const CPU_PERIOD_US = 100_000;
const MIN_SHARES = 2;
const SHARES_PER_CPU = 1024;
const MIN_QUOTA_US = 1000;

export type QosClass = "Guaranteed" | "Burstable" | "BestEffort";

function milli(list: ResourceList | undefined, name: string): number | undefined {
  const value = list?.[name];
  if (value === undefined) return undefined;
  return parseQuantity(String(value)).milliValue();
}

function bytes(list: ResourceList | undefined, name: string): number | undefined {
  const value = list?.[name];
  if (value === undefined) return undefined;
  return parseQuantity(String(value)).value();
}

/** `cpu.shares` for a CPU request in millicores (none: the minimum). */
export function milliCpuToShares(milliCpu: number | undefined): number {
  if (!milliCpu) return MIN_SHARES;
  return Math.max(MIN_SHARES, Math.floor((milliCpu * SHARES_PER_CPU) / 1000));
}

/** The CFS quota (µs per period) of a CPU limit in millicores. */
export function milliCpuToQuota(milliCpu: number, period = CPU_PERIOD_US): number {
  if (milliCpu <= 0) return 0;
  return Math.max(MIN_QUOTA_US, Math.floor((milliCpu * period) / 1000));
}

/** The CRI linux resources of a container. */
export function containerResources(
  pod: Pod,
  container: Container,
  memoryCapacity: number,
): LinuxContainerResources {
  const requests = container.resources?.requests;
  const limits = container.resources?.limits;
  // A limit without a request requests the limit (the API server defaults it so too).
  const cpuRequest = milli(requests, "cpu") ?? milli(limits, "cpu");
  const cpuLimit = milli(limits, "cpu");
  const memoryLimit = bytes(limits, "memory");
  const out: LinuxContainerResources = { cpuShares: milliCpuToShares(cpuRequest) };
  if (cpuLimit) {
    out.cpuPeriod = CPU_PERIOD_US;
    out.cpuQuota = milliCpuToQuota(cpuLimit);
  }
  if (memoryLimit) out.memoryLimitInBytes = memoryLimit;
  out.oomScoreAdj = oomScoreAdj(pod, container, memoryCapacity);
  return out;
}

/** Upstream's `GetPodQOS`. */
export function qosClass(pod: Pod): QosClass {
  const containers = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])];
  const requests = new Map<string, number>();
  const limits = new Map<string, number>();
  let guaranteed = true;
  for (const c of containers) {
    const seen = new Set<string>();
    for (const name of ["cpu", "memory"]) {
      const req = c.resources?.requests?.[name];
      const lim = c.resources?.limits?.[name];
      if (req !== undefined && parseQuantity(String(req)).sign() > 0) {
        requests.set(name, (requests.get(name) ?? 0) + 1);
      }
      if (lim !== undefined && parseQuantity(String(lim)).sign() > 0) {
        limits.set(name, (limits.get(name) ?? 0) + 1);
        seen.add(name);
      }
    }
    if (!seen.has("cpu") || !seen.has("memory")) guaranteed = false;
    for (const name of ["cpu", "memory"]) {
      const req = c.resources?.requests?.[name];
      const lim = c.resources?.limits?.[name];
      if (req !== undefined && lim !== undefined) {
        if (!parseQuantity(String(req)).equals(parseQuantity(String(lim)))) guaranteed = false;
      }
    }
  }
  if (requests.size === 0 && limits.size === 0) return "BestEffort";
  return guaranteed ? "Guaranteed" : "Burstable";
}

/** Upstream's OOM score policy: guaranteed pods last, best-effort first. */
export function oomScoreAdj(pod: Pod, container: Container, memoryCapacity: number): number {
  const qos = qosClass(pod);
  if (qos === "Guaranteed") return -997;
  if (qos === "BestEffort") return 1000;
  const request = bytes(container.resources?.requests, "memory") ?? 0;
  if (memoryCapacity <= 0) return 999;
  const adj = 1000 - Math.floor((1000 * request) / memoryCapacity);
  return Math.min(999, Math.max(2, adj));
}

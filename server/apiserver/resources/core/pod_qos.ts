/**
 * A pod's QoS class as upstream computes it (`GetPodQOS`): Guaranteed when every container has
 * equal cpu and memory requests and limits, BestEffort when none has any, Burstable otherwise.
 *
 * @module
 */
import type { Quantity } from "../../../../kube/quantity.ts";
import { toQuantity } from "./quantity.ts";
import { obj, objs } from "./util.ts";

export type QosClass = "Guaranteed" | "Burstable" | "BestEffort";

const QOS_RESOURCES = ["cpu", "memory"];

function addPositive(into: Map<string, Quantity>, list: unknown, found?: Set<string>): void {
  for (const [name, v] of Object.entries(obj(list) ?? {})) {
    if (!QOS_RESOURCES.includes(name)) continue;
    const q = toQuantity(v);
    if (!q || q.sign() <= 0) continue;
    found?.add(name);
    const prev = into.get(name);
    into.set(name, prev ? prev.add(q) : q);
  }
}

/** The QoS class of a (defaulted) PodSpec. */
export function podQosClass(spec: unknown): QosClass {
  const s = obj(spec) ?? {};
  const requests = new Map<string, Quantity>();
  const limits = new Map<string, Quantity>();
  let guaranteed = true;
  for (const c of [...objs(s.initContainers), ...objs(s.containers)]) {
    const res = obj(c.resources);
    addPositive(requests, res?.requests);
    const found = new Set<string>();
    addPositive(limits, res?.limits, found);
    if (!QOS_RESOURCES.every((r) => found.has(r))) guaranteed = false;
  }
  if (requests.size === 0 && limits.size === 0) return "BestEffort";
  if (guaranteed) {
    for (const [name, req] of requests) {
      const lim = limits.get(name);
      if (!lim || lim.cmp(req) !== 0) {
        guaranteed = false;
        break;
      }
    }
  }
  return guaranteed && requests.size === limits.size ? "Guaranteed" : "Burstable";
}

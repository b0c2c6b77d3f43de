/**
 * Resource amounts as the scheduler counts them: milli-CPU, bytes of memory and ephemeral
 * storage, a pod count, and integer amounts of extended resources; a pod's effective request
 * (containers, init containers and sidecars, overhead) and its non-zero request for scoring.
 *
 * @module
 */
import { quantityFromJSON } from "../../kube/quantity.ts";
import type { Container, Pod, ResourceList } from "../../kube/client/mod.ts";

/** Amounts of each resource. */
export interface Resource {
  milliCPU: number;
  memory: number;
  ephemeralStorage: number;
  /** Allowed pods (allocatable) or 1 per pod (requests). */
  pods: number;
  /** Extended resources (`example.com/gpu`, `hugepages-2Mi`), integer values. */
  scalar: Map<string, number>;
}

export function emptyResource(): Resource {
  return { milliCPU: 0, memory: 0, ephemeralStorage: 0, pods: 0, scalar: new Map() };
}

/** A cpu request the scheduler assumes for a container without one, when scoring (100m). */
export const DEFAULT_MILLI_CPU_REQUEST = 100;
/** A memory request assumed for scoring (200 MiB). */
export const DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024;

const parsed = new Map<string, { milli: number; value: number }>();

/** `[milli, value]` of a quantity, memoized (pods repeat the same few strings). */
function amount(q: string | number): { milli: number; value: number } {
  const text = String(q);
  let hit = parsed.get(text);
  if (!hit) {
    const quantity = quantityFromJSON(q);
    hit = { milli: quantity.milliValue(), value: quantity.value() };
    if (parsed.size > 10_000) parsed.clear();
    parsed.set(text, hit);
  }
  return hit;
}

/** True for names the scheduler counts as scalar (extended and hugepages) resources. */
export function isScalarResource(name: string): boolean {
  if (name.startsWith("hugepages-")) return true;
  if (name.startsWith("requests.")) return false;
  return name.includes("/") && !name.startsWith("kubernetes.io/");
}

/** Adds `list` to `into`. */
export function addList(into: Resource, list: ResourceList | undefined): void {
  if (!list) return;
  for (const [name, q] of Object.entries(list)) {
    switch (name) {
      case "cpu":
        into.milliCPU += amount(q).milli;
        break;
      case "memory":
        into.memory += amount(q).value;
        break;
      case "ephemeral-storage":
        into.ephemeralStorage += amount(q).value;
        break;
      case "pods":
        into.pods += amount(q).value;
        break;
      default:
        if (isScalarResource(name)) {
          into.scalar.set(name, (into.scalar.get(name) ?? 0) + amount(q).value);
        }
    }
  }
}

/** A Resource from a ResourceList (node allocatable). */
export function fromList(list: ResourceList | undefined): Resource {
  const r = emptyResource();
  addList(r, list);
  return r;
}

function maxInto(into: Resource, other: Resource): void {
  into.milliCPU = Math.max(into.milliCPU, other.milliCPU);
  into.memory = Math.max(into.memory, other.memory);
  into.ephemeralStorage = Math.max(into.ephemeralStorage, other.ephemeralStorage);
  for (const [k, v] of other.scalar) into.scalar.set(k, Math.max(into.scalar.get(k) ?? 0, v));
}

/** Adds `other` to `into`. */
export function addResource(into: Resource, other: Resource): void {
  into.milliCPU += other.milliCPU;
  into.memory += other.memory;
  into.ephemeralStorage += other.ephemeralStorage;
  into.pods += other.pods;
  for (const [k, v] of other.scalar) into.scalar.set(k, (into.scalar.get(k) ?? 0) + v);
}

/** Subtracts `other` from `into`. */
export function subtractInto(into: Resource, other: Resource): void {
  into.milliCPU -= other.milliCPU;
  into.memory -= other.memory;
  into.ephemeralStorage -= other.ephemeralStorage;
  into.pods -= other.pods;
  for (const [k, v] of other.scalar) into.scalar.set(k, (into.scalar.get(k) ?? 0) - v);
}

/** A copy. */
export function cloneResource(r: Resource): Resource {
  return { ...r, scalar: new Map(r.scalar) };
}

function requestsOf(c: Container): Resource {
  const r = emptyResource();
  addList(r, c.resources?.requests);
  return r;
}

/**
 * A pod's effective request: the containers' sum (plus sidecars), or more if an init container
 * needs more while it runs (with the sidecars started before it), plus the pod overhead;
 * `pods` is 1.
 */
export function podRequests(pod: Pod): Resource {
  const spec = pod.spec;
  const total = emptyResource();
  for (const c of spec?.containers ?? []) addResource(total, requestsOf(c));
  const sidecars = emptyResource();
  const initPeak = emptyResource();
  for (const c of spec?.initContainers ?? []) {
    const req = requestsOf(c);
    if (c.restartPolicy === "Always") {
      addResource(sidecars, req);
      addResource(total, req);
      maxInto(initPeak, sidecars);
    } else {
      const running = cloneResource(sidecars);
      addResource(running, req);
      maxInto(initPeak, running);
    }
  }
  maxInto(total, initPeak);
  addList(total, spec?.overhead);
  total.pods = 1;
  return total;
}

/**
 * The cpu and memory a pod counts for in scoring: as requested, with 100m / 200 MiB for each
 * container that requests none.
 */
export function nonZeroRequests(pod: Pod): { milliCPU: number; memory: number } {
  let milliCPU = 0;
  let memory = 0;
  const one = (c: Container) => {
    const req = c.resources?.requests;
    milliCPU += req?.cpu !== undefined ? amount(req.cpu).milli : DEFAULT_MILLI_CPU_REQUEST;
    memory += req?.memory !== undefined ? amount(req.memory).value : DEFAULT_MEMORY_REQUEST;
  };
  for (const c of pod.spec?.containers ?? []) one(c);
  let initCpu = 0;
  let initMem = 0;
  for (const c of pod.spec?.initContainers ?? []) {
    if (c.restartPolicy === "Always") {
      one(c);
      continue;
    }
    const req = c.resources?.requests;
    initCpu = Math.max(initCpu, req?.cpu !== undefined ? amount(req.cpu).milli : 0);
    initMem = Math.max(initMem, req?.memory !== undefined ? amount(req.memory).value : 0);
  }
  milliCPU = Math.max(milliCPU, initCpu);
  memory = Math.max(memory, initMem);
  const overhead = pod.spec?.overhead;
  if (overhead?.cpu !== undefined) milliCPU += amount(overhead.cpu).milli;
  if (overhead?.memory !== undefined) memory += amount(overhead.memory).value;
  return { milliCPU, memory };
}

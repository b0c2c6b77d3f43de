/**
 * {@link NodeInfo}: one node with the pods on it (bound or assumed) and what they add up to —
 * requested resources, non-zero requests for scoring, used host ports, pods with affinity terms —
 * kept current pod by pod so that no check walks every pod.
 *
 * @module
 */
import type { Node, Taint } from "../../kube/client/mod.ts";
import { hasPodAffinity, type HostPort, type PodInfo } from "./pod_info.ts";
import { addResource, emptyResource, fromList, type Resource, subtractInto } from "./resources.ts";

const EMPTY: Readonly<Record<string, string>> = Object.freeze({});

/** Host ports in use: `ip` → `protocol/port`. `0.0.0.0` conflicts with every address. */
export class HostPorts {
  readonly #byIp = new Map<string, Map<string, number>>();

  add(p: HostPort): void {
    let m = this.#byIp.get(p.ip);
    if (!m) this.#byIp.set(p.ip, m = new Map());
    const k = `${p.protocol}/${p.port}`;
    m.set(k, (m.get(k) ?? 0) + 1);
  }

  remove(p: HostPort): void {
    const m = this.#byIp.get(p.ip);
    const k = `${p.protocol}/${p.port}`;
    const n = m?.get(k);
    if (!m || n === undefined) return;
    if (n <= 1) m.delete(k);
    else m.set(k, n - 1);
    if (m.size === 0) this.#byIp.delete(p.ip);
  }

  /** True when `p` would clash with a port in use. */
  conflicts(p: HostPort): boolean {
    const k = `${p.protocol}/${p.port}`;
    if (p.ip === "0.0.0.0") {
      for (const m of this.#byIp.values()) if (m.has(k)) return true;
      return false;
    }
    return !!(this.#byIp.get("0.0.0.0")?.has(k) || this.#byIp.get(p.ip)?.has(k));
  }

  get size(): number {
    return this.#byIp.size;
  }
}

/** A node and its pods. */
export class NodeInfo {
  readonly name: string;
  node: Node | null = null;
  labels: Readonly<Record<string, string>> = EMPTY;
  taints: readonly Taint[] = [];
  unschedulable = false;
  allocatable: Resource = emptyResource();
  readonly pods = new Map<string, PodInfo>();
  readonly requested: Resource = emptyResource();
  readonly nonZero = { milliCPU: 0, memory: 0 };
  readonly ports = new HostPorts();
  /** Pods here with any pod (anti-)affinity term. */
  readonly withAffinity = new Set<PodInfo>();
  /** Pods here with a required anti-affinity term. */
  readonly withRequiredAntiAffinity = new Set<PodInfo>();

  constructor(name: string) {
    this.name = name;
  }

  /** Sets (or replaces) the node object. */
  setNode(node: Node): void {
    this.node = node;
    this.labels = node.metadata.labels ?? EMPTY;
    this.taints = node.spec?.taints ?? [];
    this.unschedulable = node.spec?.unschedulable === true;
    try {
      this.allocatable = fromList(node.status?.allocatable ?? node.status?.capacity);
    } catch {
      this.allocatable = emptyResource();
    }
  }

  addPod(p: PodInfo): void {
    const old = this.pods.get(p.key);
    if (old) this.removePod(old.key);
    this.pods.set(p.key, p);
    addResource(this.requested, p.requests);
    this.nonZero.milliCPU += p.nonZero.milliCPU;
    this.nonZero.memory += p.nonZero.memory;
    for (const hp of p.hostPorts) this.ports.add(hp);
    if (hasPodAffinity(p)) this.withAffinity.add(p);
    if (p.requiredAntiAffinity.length) this.withRequiredAntiAffinity.add(p);
  }

  removePod(key: string): PodInfo | undefined {
    const p = this.pods.get(key);
    if (!p) return undefined;
    this.pods.delete(key);
    subtractInto(this.requested, p.requests);
    this.nonZero.milliCPU -= p.nonZero.milliCPU;
    this.nonZero.memory -= p.nonZero.memory;
    for (const hp of p.hostPorts) this.ports.remove(hp);
    this.withAffinity.delete(p);
    this.withRequiredAntiAffinity.delete(p);
    return p;
  }

  /** A copy with its own pod set, for preemption's what-if checks. */
  clone(): NodeInfo {
    const c = new NodeInfo(this.name);
    if (this.node) c.setNode(this.node);
    for (const p of this.pods.values()) c.addPod(p);
    return c;
  }
}

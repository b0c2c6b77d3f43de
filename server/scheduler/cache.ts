/**
 * The scheduler's view of the cluster: a {@link NodeInfo} per node with the pods bound to it,
 * plus pods the scheduler has assumed onto a node while their binding is in flight, and pods
 * nominated to a node by preemption. Scheduling a pod reads only this; informer events and the
 * scheduler's own decisions keep it current.
 *
 * @module
 */
import type {
  Node,
  PersistentVolume,
  PersistentVolumeClaim,
  Pod,
  StorageClass,
} from "../../kube/client/mod.ts";
import { keyOf } from "../../kube/client/mod.ts";
import { NodeInfo } from "./node_info.ts";
import { hasPodAffinity, type PodInfo } from "./pod_info.ts";

/** Nodes, their pods, assumed and nominated pods. */
export class SchedulerCache {
  readonly #nodes = new Map<string, NodeInfo>();
  readonly #podNode = new Map<string, string>();
  readonly #assumed = new Set<string>();
  readonly #nominated = new Map<string, Map<string, PodInfo>>();
  readonly #nominatedNode = new Map<string, string>();
  readonly #nsLabels = new Map<string, Readonly<Record<string, string>>>();
  #list: NodeInfo[] | null = null;
  /** Claims by `namespace/name`, volumes and storage classes by name. */
  readonly claims = new Map<string, PersistentVolumeClaim>();
  readonly volumes = new Map<string, PersistentVolume>();
  readonly storageClasses = new Map<string, StorageClass>();
  #withAffinity = 0;
  #withRequiredAntiAffinity = 0;

  /** Nodes that exist (have a Node object), in a stable order. */
  nodeList(): NodeInfo[] {
    this.#list ??= [...this.#nodes.values()].filter((n) => n.node !== null);
    return this.#list;
  }

  node(name: string): NodeInfo | undefined {
    const n = this.#nodes.get(name);
    return n?.node ? n : undefined;
  }

  /** Pods anywhere with a pod (anti-)affinity term. */
  get podsWithAffinity(): number {
    return this.#withAffinity;
  }

  /** Pods anywhere with a required anti-affinity term. */
  get podsWithRequiredAntiAffinity(): number {
    return this.#withRequiredAntiAffinity;
  }

  #info(name: string): NodeInfo {
    let n = this.#nodes.get(name);
    if (!n) {
      n = new NodeInfo(name);
      this.#nodes.set(name, n);
    }
    return n;
  }

  setNode(node: Node): void {
    const info = this.#info(node.metadata.name ?? "");
    const isNew = info.node === null;
    info.setNode(node);
    if (isNew) this.#list = null;
  }

  removeNode(name: string): void {
    const info = this.#nodes.get(name);
    if (!info) return;
    this.#list = null;
    if (info.pods.size === 0) this.#nodes.delete(name);
    else info.node = null;
  }

  /** Labels of a namespace, for namespaceSelector terms. */
  namespaceLabels(ns: string): Readonly<Record<string, string>> | undefined {
    return this.#nsLabels.get(ns);
  }

  setNamespaceLabels(ns: string, labels: Readonly<Record<string, string>> | undefined): void {
    if (labels) this.#nsLabels.set(ns, labels);
    else this.#nsLabels.delete(ns);
  }

  /** The node a pod is on (bound or assumed). */
  nodeOf(podKey: string): string | undefined {
    return this.#podNode.get(podKey);
  }

  isAssumed(podKey: string): boolean {
    return this.#assumed.has(podKey);
  }

  get assumedCount(): number {
    return this.#assumed.size;
  }

  /** A pod bound to `nodeName` (from the informer); confirms an assumed pod. */
  addPod(p: PodInfo, nodeName: string): void {
    this.removePod(p.key);
    this.#assumed.delete(p.key);
    this.#place(p, nodeName);
  }

  /**
   * A bound pod's newer version that changes nothing the scheduler reads (its status, say): the
   * cached info points at it, so the cache shares the informer's current object instead of
   * keeping an old version of every pod alive.
   */
  refreshPod(pod: Pod): void {
    const key = keyOf(pod);
    const node = this.#podNode.get(key);
    const info = node === undefined ? undefined : this.#nodes.get(node)?.pods.get(key);
    if (info && info.uid === pod.metadata.uid) info.pod = pod;
  }

  /** A pod the scheduler chose `nodeName` for, before the binding is confirmed. */
  assume(p: PodInfo, nodeName: string): void {
    this.removePod(p.key);
    this.#place(p, nodeName);
    this.#assumed.add(p.key);
  }

  /** Drops an assumed pod (its binding failed). */
  forget(podKey: string): void {
    if (this.#assumed.delete(podKey)) this.removePod(podKey);
  }

  removePod(podKey: string): PodInfo | undefined {
    const name = this.#podNode.get(podKey);
    if (name === undefined) return undefined;
    this.#podNode.delete(podKey);
    this.#assumed.delete(podKey);
    const info = this.#nodes.get(name);
    const p = info?.removePod(podKey);
    if (p) this.#count(p, -1);
    if (info && info.node === null && info.pods.size === 0) this.#nodes.delete(name);
    return p;
  }

  #place(p: PodInfo, nodeName: string): void {
    this.#info(nodeName).addPod(p);
    this.#podNode.set(p.key, nodeName);
    this.#count(p, 1);
  }

  #count(p: PodInfo, d: number): void {
    if (hasPodAffinity(p)) this.#withAffinity += d;
    if (p.requiredAntiAffinity.length) this.#withRequiredAntiAffinity += d;
  }

  /** Records (or with no node, clears) the node a pending pod was nominated to. */
  nominate(p: PodInfo, nodeName: string | undefined): void {
    const old = this.#nominatedNode.get(p.key);
    if (old !== undefined) {
      const m = this.#nominated.get(old);
      m?.delete(p.key);
      if (m?.size === 0) this.#nominated.delete(old);
      this.#nominatedNode.delete(p.key);
    }
    if (!nodeName) return;
    let m = this.#nominated.get(nodeName);
    if (!m) this.#nominated.set(nodeName, m = new Map());
    m.set(p.key, p);
    this.#nominatedNode.set(p.key, nodeName);
  }

  /** Pods nominated to `nodeName`. */
  nominatedOn(nodeName: string): ReadonlyMap<string, PodInfo> | undefined {
    return this.#nominated.get(nodeName);
  }

  nominatedNodeOf(podKey: string): string | undefined {
    return this.#nominatedNode.get(podKey);
  }
}

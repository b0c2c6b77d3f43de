/**
 * What the scheduler learns from its informers: pods waiting for it go to the queue, pods
 * bound anywhere go to the cache (confirming assumed ones), nodes and namespace labels go to the
 * cache, and each cluster change that may help parked pods moves them back to the queue.
 *
 * @module
 */
import {
  type InformerFactory,
  type KubeObject,
  type Logger,
  NAMESPACES,
  type Node,
  NODES,
  PERSISTENT_VOLUME_CLAIMS,
  PERSISTENT_VOLUMES,
  type Pod,
  PODS,
  type Resource,
  STORAGE_CLASSES,
} from "../../kube/client/mod.ts";
import type { SchedulerCache } from "./cache.ts";
import { type PodInfo, podInfo } from "./pod_info.ts";
import type { SchedulingQueue } from "./queue.ts";

const TERMINAL = new Set(["Succeeded", "Failed"]);

/** Succeeded or Failed: holds no resources. */
export function isTerminal(pod: Pod): boolean {
  return TERMINAL.has(pod.status?.phase ?? "");
}

function sameStrings(a: Record<string, string> | undefined, b: Record<string, string> | undefined) {
  const ka = Object.keys(a ?? {});
  if (ka.length !== Object.keys(b ?? {}).length) return false;
  for (const k of ka) if (a![k] !== b?.[k]) return false;
  return true;
}

/** Whether a pending pod changed in a way that can change where it fits. */
function schedulingInputsChanged(a: Pod, b: Pod): boolean {
  return JSON.stringify(a.spec) !== JSON.stringify(b.spec) ||
    !sameStrings(a.metadata.labels, b.metadata.labels);
}

/** Whether a node changed in a way that can change which pods fit it. */
function nodeInputsChanged(a: Node, b: Node): boolean {
  return !sameStrings(a.metadata.labels, b.metadata.labels) ||
    JSON.stringify(a.spec ?? {}) !== JSON.stringify(b.spec ?? {}) ||
    JSON.stringify(a.status?.allocatable) !== JSON.stringify(b.status?.allocatable);
}

/** Where cluster changes go. */
export interface ClusterWatchOptions {
  informers: InformerFactory;
  cache: SchedulerCache;
  queue: SchedulingQueue;
  schedulerName: string;
  log: Logger;
}

/** Registers the scheduler's handlers on pod, node and namespace informers. */
export function watchCluster(options: ClusterWatchOptions): void {
  new ClusterWatcher(options);
}

class ClusterWatcher {
  readonly #o: ClusterWatchOptions;

  constructor(options: ClusterWatchOptions) {
    this.#o = options;
    this.#watch();
  }

  /** Keeps `into` equal to the informer's objects; a change may help pods waiting on volumes. */
  #mirror<T extends KubeObject>(res: Resource<T>, into: Map<string, T>, namespaced: boolean) {
    const key = (o: T) =>
      namespaced ? `${o.metadata.namespace}/${o.metadata.name}` : o.metadata.name!;
    const set = (o: T) => {
      into.set(key(o), o);
      this.#o.queue.moveAll("VolumeChange");
    };
    this.#o.informers.informer(res).addEventHandler({
      add: set,
      update: (_old, o) => set(o),
      delete: (o) => {
        into.delete(key(o));
        this.#o.queue.moveAll("VolumeChange");
      },
    });
  }

  #ours(pod: Pod): boolean {
    const name = pod.spec?.schedulerName || "default-scheduler";
    return name === this.#o.schedulerName && !pod.spec?.nodeName &&
      !pod.metadata.deletionTimestamp &&
      !isTerminal(pod) && !(pod.spec?.schedulingGates?.length);
  }

  #watch(): void {
    const pods = this.#o.informers.informer(PODS);
    pods.addEventHandler({
      add: (pod) => this.#podAdded(pod),
      update: (old, pod) => this.#podUpdated(old, pod),
      delete: (pod) => this.#podDeleted(pod),
    });
    const nodes = this.#o.informers.informer(NODES);
    nodes.addEventHandler({
      add: (node) => {
        this.#o.cache.setNode(node);
        this.#o.queue.moveAll("NodeAdd");
      },
      update: (old, node) => {
        this.#o.cache.setNode(node);
        if (nodeInputsChanged(old, node)) this.#o.queue.moveAll("NodeUpdate");
      },
      delete: (node) => this.#o.cache.removeNode(node.metadata.name ?? ""),
    });
    this.#mirror(PERSISTENT_VOLUME_CLAIMS, this.#o.cache.claims, true);
    this.#mirror(PERSISTENT_VOLUMES, this.#o.cache.volumes, false);
    this.#mirror(STORAGE_CLASSES, this.#o.cache.storageClasses, false);
    const namespaces = this.#o.informers.informer(NAMESPACES);
    namespaces.addEventHandler({
      add: (ns) =>
        this.#o.cache.setNamespaceLabels(ns.metadata.name ?? "", ns.metadata.labels ?? {}),
      update: (_o, ns) =>
        this.#o.cache.setNamespaceLabels(ns.metadata.name ?? "", ns.metadata.labels ?? {}),
      delete: (ns) => this.#o.cache.setNamespaceLabels(ns.metadata.name ?? "", undefined),
    });
  }

  #info(pod: Pod): PodInfo | null {
    try {
      return podInfo(pod);
    } catch (err) {
      this.#o.log.warn(`cannot read pod ${pod.metadata.namespace}/${pod.metadata.name}: ${err}`);
      return null;
    }
  }

  #podAdded(pod: Pod): void {
    const node = pod.spec?.nodeName;
    if (node) {
      if (isTerminal(pod)) return;
      const info = this.#info(pod);
      if (!info) return;
      this.#o.queue.delete(info.key);
      this.#o.cache.addPod(info, node);
      this.#o.queue.moveAll("AssignedPodAdd");
    } else if (this.#ours(pod)) {
      const info = this.#info(pod);
      if (!info) return;
      this.#o.queue.add(info);
      if (pod.status?.nominatedNodeName) this.#o.cache.nominate(info, pod.status.nominatedNodeName);
    }
  }

  #podUpdated(old: Pod, pod: Pod): void {
    const node = pod.spec?.nodeName;
    const key = `${pod.metadata.namespace}/${pod.metadata.name}`;
    if (node) {
      if (isTerminal(pod)) {
        if (this.#o.cache.removePod(key)) this.#o.queue.moveAll("AssignedPodDelete");
        return;
      }
      const placed = this.#o.cache.nodeOf(key) === node;
      const changed = !old.spec?.nodeName || !placed ||
        !sameStrings(old.metadata.labels, pod.metadata.labels) ||
        !!old.metadata.deletionTimestamp !== !!pod.metadata.deletionTimestamp;
      if (!old.spec?.nodeName) {
        const queued = this.#o.queue.get(key);
        this.#o.queue.delete(key);
        if (queued) this.#o.cache.nominate(queued.info, undefined);
      }
      if (!changed) {
        this.#o.cache.refreshPod(pod);
        return;
      }
      const info = this.#info(pod);
      if (!info) return;
      this.#o.cache.addPod(info, node);
      if (old.spec?.nodeName) this.#o.queue.moveAll("AssignedPodUpdate");
      else this.#o.queue.moveAll("AssignedPodAdd");
      return;
    }
    if (!this.#ours(pod)) {
      const queued = this.#o.queue.get(key);
      this.#o.queue.delete(key);
      if (queued) this.#o.cache.nominate(queued.info, undefined);
      return;
    }
    const info = this.#info(pod);
    if (!info) return;
    if (this.#o.queue.has(key) && !schedulingInputsChanged(old, pod)) this.#o.queue.refresh(info);
    else this.#o.queue.add(info);
  }

  #podDeleted(pod: Pod): void {
    const key = `${pod.metadata.namespace}/${pod.metadata.name}`;
    const queued = this.#o.queue.get(key);
    this.#o.queue.delete(key);
    if (queued) this.#o.cache.nominate(queued.info, undefined);
    if (this.#o.cache.removePod(key)) this.#o.queue.moveAll("AssignedPodDelete");
  }
}

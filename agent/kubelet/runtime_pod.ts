/**
 * The runtime's view of pods: every sandbox and container the CRI reports, grouped by the pod
 * UID label, with the details (times, exit code, IP) the kubelet needs. A container's status
 * changes only with its state (what the list reports), so it is read again only then.
 *
 * The last relist is kept (upstream's PLEG cache): a pod's sync reads it instead of asking the
 * runtime again when the relist began after the pod's previous sync ended ({@link
 * RuntimeView.mark}), so a periodic resync of an unchanged pod costs no CRI call.
 *
 * @module
 */
import type { RuntimeService } from "../../cri/service.ts";
import type { ContainerState, PodSandboxState } from "../../cri/types.ts";
import { isNotFound } from "../../cri/errors.ts";
import {
  CONTAINER_HASH_ANNOTATION,
  CONTAINER_NAME_LABEL,
  POD_NAME_LABEL,
  POD_NAMESPACE_LABEL,
  POD_UID_LABEL,
  RESTART_COUNT_ANNOTATION,
} from "./labels.ts";

export interface RuntimeSandbox {
  id: string;
  state: PodSandboxState;
  /** ms since the epoch. */
  createdAt: number;
  attempt: number;
  ip?: string;
  additionalIps: string[];
  hostNetwork: boolean;
}

export interface RuntimeContainer {
  id: string;
  sandboxId: string;
  name: string;
  attempt: number;
  state: ContainerState;
  /** ms since the epoch (0: not reached). */
  createdAt: number;
  startedAt: number;
  finishedAt: number;
  exitCode: number;
  reason: string;
  message: string;
  image: string;
  imageRef: string;
  hash: string;
  restartCount: number;
  logPath: string;
  annotations: Record<string, string>;
}

export interface RuntimePod {
  uid: string;
  name: string;
  namespace: string;
  /** Newest first. */
  sandboxes: RuntimeSandbox[];
  /** Newest first. */
  containers: RuntimeContainer[];
}

const ns = (t: number) => Math.floor(t / 1e6);

/** Reads and caches runtime state. */
export class RuntimeView {
  readonly #runtime: RuntimeService;
  /** Container details by id: they change only with the container's state. */
  readonly #details = new Map<string, RuntimeContainer>();
  readonly #sandboxIps = new Map<string, { ip?: string; additionalIps: string[]; host: boolean }>();
  /** Orders relists and syncs ({@link mark}). */
  #tick = 0;
  #last: { tick: number; pods: Map<string, RuntimePod> } | undefined;

  constructor(runtime: RuntimeService) {
    this.#runtime = runtime;
  }

  /** The pods of every sandbox and container of the runtime (the kubelet's relist). */
  async all(): Promise<Map<string, RuntimePod>> {
    const tick = ++this.#tick;
    const pods = await this.#read({});
    if (!this.#last || this.#last.tick < tick) this.#last = { tick, pods };
    return pods;
  }

  /**
   * A point in the order of relists: a caller marks the end of what it did to a pod's sandboxes
   * and containers, and {@link cached} answers only from a relist that began after it.
   */
  mark(): number {
    return ++this.#tick;
  }

  /**
   * The pod as the last relist saw it, when that relist began after `after` (a {@link mark});
   * undefined when there is none that recent.
   */
  cached(uid: string, after: number): RuntimePod | undefined {
    const last = this.#last;
    if (!last || last.tick <= after) return undefined;
    return last.pods.get(uid) ?? { uid, name: "", namespace: "", sandboxes: [], containers: [] };
  }

  /** The last relist's pods (a fresh relist when there was none). */
  async latest(): Promise<Map<string, RuntimePod>> {
    return this.#last?.pods ?? await this.all();
  }

  /** One pod's sandboxes and containers (empty lists when it has none). */
  async pod(uid: string): Promise<RuntimePod> {
    const pods = await this.#read({ [POD_UID_LABEL]: uid });
    return pods.get(uid) ?? { uid, name: "", namespace: "", sandboxes: [], containers: [] };
  }

  async #read(selector: Record<string, string>): Promise<Map<string, RuntimePod>> {
    const filter = Object.keys(selector).length ? { labelSelector: selector } : undefined;
    const [sandboxes, containers] = await Promise.all([
      this.#runtime.listPodSandbox(filter),
      this.#runtime.listContainers(filter),
    ]);
    const pods = new Map<string, RuntimePod>();
    const podOf = (labels: Record<string, string>) => {
      const uid = labels[POD_UID_LABEL];
      if (!uid) return undefined;
      let pod = pods.get(uid);
      if (!pod) {
        pod = {
          uid,
          name: labels[POD_NAME_LABEL] ?? "",
          namespace: labels[POD_NAMESPACE_LABEL] ?? "",
          sandboxes: [],
          containers: [],
        };
        pods.set(uid, pod);
      }
      return pod;
    };
    const live = new Set<string>();
    for (const s of sandboxes) {
      const pod = podOf(s.labels);
      if (!pod) continue;
      live.add(s.id);
      const net = s.state === "SANDBOX_READY" ? await this.#sandboxNetwork(s.id) : undefined;
      pod.sandboxes.push({
        id: s.id,
        state: s.state,
        createdAt: ns(s.createdAt),
        attempt: s.metadata?.attempt ?? 0,
        ip: net?.ip,
        additionalIps: net?.additionalIps ?? [],
        hostNetwork: net?.host ?? false,
      });
    }
    for (const id of this.#sandboxIps.keys()) if (!live.has(id)) this.#sandboxIps.delete(id);
    const seen = new Set<string>();
    await Promise.all(containers.map(async (c) => {
      const pod = podOf(c.labels);
      if (!pod) return;
      seen.add(c.id);
      const detail = await this.#container(c.id, c.state);
      if (detail) pod.containers.push({ ...detail, sandboxId: c.podSandboxId });
    }));
    if (!Object.keys(selector).length) {
      for (const id of this.#details.keys()) if (!seen.has(id)) this.#details.delete(id);
    }
    for (const pod of pods.values()) {
      pod.sandboxes.sort((a, b) => b.createdAt - a.createdAt || b.attempt - a.attempt);
      pod.containers.sort((a, b) => b.createdAt - a.createdAt || b.attempt - a.attempt);
    }
    return pods;
  }

  async #sandboxNetwork(id: string) {
    const cached = this.#sandboxIps.get(id);
    if (cached) return cached;
    try {
      const { status } = await this.#runtime.podSandboxStatus(id);
      const net = {
        ip: status?.network?.ip || undefined,
        additionalIps: (status?.network?.additionalIps ?? []).map((a) => a.ip).filter(Boolean),
        host: status?.linux?.namespaces?.options?.network === "NODE",
      };
      this.#sandboxIps.set(id, net);
      return net;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async #container(id: string, state: ContainerState): Promise<RuntimeContainer | undefined> {
    const cached = this.#details.get(id);
    if (cached && cached.state === state) return cached;
    let status;
    try {
      status = (await this.#runtime.containerStatus(id)).status;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
    if (!status) return undefined;
    const annotations = status.annotations;
    const detail: RuntimeContainer = {
      id,
      sandboxId: "",
      name: status.labels[CONTAINER_NAME_LABEL] ?? status.metadata?.name ?? "",
      attempt: status.metadata?.attempt ?? 0,
      state: status.state ?? state,
      createdAt: ns(status.createdAt),
      startedAt: ns(status.startedAt),
      finishedAt: ns(status.finishedAt),
      exitCode: status.exitCode,
      reason: status.reason,
      message: status.message,
      image: status.image?.image ?? "",
      imageRef: status.imageRef,
      hash: annotations[CONTAINER_HASH_ANNOTATION] ?? "",
      restartCount: Number(annotations[RESTART_COUNT_ANNOTATION] ?? 0) || 0,
      logPath: status.logPath,
      annotations,
    };
    // An exited container never changes again; a running one does only by exiting.
    if (detail.state === state) this.#details.set(id, detail);
    return detail;
  }

  /** Forgets what is cached of a removed container. */
  forget(containerId: string): void {
    this.#details.delete(containerId);
  }
}

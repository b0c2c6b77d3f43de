/**
 * A simulated kubelet for tests and benchmarks (never part of the product): registers N fake
 * nodes with capacity, allocatable, a Ready condition and the usual labels, renews their Leases
 * in `kube-node-lease`, moves pods bound to them to Running and Ready (conditions, container
 * statuses, a pod IP from the node's fake range, the host IP), and finishes the deletion of
 * pods marked for deletion — at once, or when their grace period ends. Everything goes through
 * the API, informer-driven, as a real kubelet would.
 *
 * @module
 */
import {
  BY_NODE_NAME,
  isConflict,
  isNotFound,
  ItemExponentialRateLimiter,
  keyOf,
  type KubeClient,
  type Lease,
  LEASES,
  listWatch,
  type Logger,
  type Node,
  nodeNameIndex,
  NODES,
  type Pod,
  type PodCondition,
  PODS,
  SharedInformer,
  silentLogger,
  type Taint,
  WorkQueue,
} from "../../kube/client/mod.ts";
import { formatMicroTime, formatTime } from "../../kube/meta.ts";
import { K3S_VERSION } from "../../kube/version.ts";

/** Options of {@linkcode SimKubelet}. */
export interface SimKubeletOptions {
  client: KubeClient;
  /** How many nodes (named `<prefix><i>`), or their names. */
  nodes: number | string[];
  /** Default `sim-node-`. */
  prefix?: string;
  /** Capacity (= allocatable) of each node; default 4 cpu, 16Gi memory, 110 pods. */
  capacity?: Record<string, string>;
  /** Extra labels of node `i`. */
  labels?: (i: number, name: string) => Record<string, string>;
  /** Taints of node `i`. */
  taints?: (i: number, name: string) => Taint[];
  /** Lease renewal period, ms (default 10 s, as the kubelet). */
  heartbeatMs?: number;
  /** Wait for the pod's grace period before finishing a deletion (default: finish at once). */
  honorGracePeriod?: boolean;
  /** Pod status writes in flight at most (default 32). */
  concurrency?: number;
  log?: Logger;
}

const DEFAULT_CAPACITY = { cpu: "4", memory: "16Gi", pods: "110" };

/** Simulated nodes and their kubelet. */
export class SimKubelet {
  readonly names: string[];
  readonly stats = { running: 0, deleted: 0, statusErrors: 0 };
  readonly #o: SimKubeletOptions;
  readonly #client: KubeClient;
  readonly #log: Logger;
  readonly #index = new Map<string, number>();
  readonly #queue = new WorkQueue<string>({
    rateLimiter: new ItemExponentialRateLimiter(50, 5_000),
  });
  readonly #pods: SharedInformer<Pod>;
  /** Pod IPs in use per node: last octet → pod key. */
  readonly #ips = new Map<string, Map<number, string>>();
  readonly #podIp = new Map<string, string>();
  #ac = new AbortController();
  #running: Promise<unknown>[] = [];

  constructor(options: SimKubeletOptions) {
    this.#o = options;
    this.#client = options.client;
    this.#log = options.log ?? silentLogger;
    const prefix = options.prefix ?? "sim-node-";
    this.names = typeof options.nodes === "number"
      ? Array.from({ length: options.nodes }, (_, i) => `${prefix}${i}`)
      : [...options.nodes];
    this.names.forEach((n, i) => this.#index.set(n, i));
    this.#pods = new SharedInformer<Pod>({
      name: "sim pods",
      listerWatcher: listWatch(this.#client, PODS, { fieldSelector: "spec.nodeName!=" }),
      indexers: { [BY_NODE_NAME]: nodeNameIndex },
      log: this.#log,
    });
    const enqueue = (p: Pod) => {
      if (this.#index.has(p.spec?.nodeName ?? "")) this.#queue.add(keyOf(p));
    };
    this.#pods.addEventHandler({
      add: enqueue,
      update: (_o, p) => enqueue(p),
      delete: (p) => this.#release(keyOf(p), p.spec?.nodeName ?? ""),
    });
  }

  /** The node object of node `i`, as registered. */
  nodeObject(i: number): Node {
    const name = this.names[i];
    const capacity = { ...DEFAULT_CAPACITY, ...this.#o.capacity };
    const now = formatTime();
    const condition = (type: string, status: string, reason: string, message: string) => ({
      type,
      status,
      reason,
      message,
      lastHeartbeatTime: now,
      lastTransitionTime: now,
    });
    return {
      metadata: {
        name,
        labels: {
          "kubernetes.io/hostname": name,
          "kubernetes.io/os": "linux",
          "kubernetes.io/arch": "amd64",
          "beta.kubernetes.io/os": "linux",
          "beta.kubernetes.io/arch": "amd64",
          ...this.#o.labels?.(i, name),
        },
      },
      spec: {
        podCIDR: `10.42.${i % 256}.0/24`,
        podCIDRs: [`10.42.${i % 256}.0/24`],
        ...(this.#o.taints ? { taints: this.#o.taints(i, name) } : {}),
      },
      status: {
        capacity,
        allocatable: capacity,
        conditions: [
          condition(
            "MemoryPressure",
            "False",
            "KubeletHasSufficientMemory",
            "kubelet has sufficient memory available",
          ),
          condition(
            "DiskPressure",
            "False",
            "KubeletHasNoDiskPressure",
            "kubelet has no disk pressure",
          ),
          condition(
            "PIDPressure",
            "False",
            "KubeletHasSufficientPID",
            "kubelet has sufficient PID available",
          ),
          condition("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
        ],
        addresses: [
          { type: "InternalIP", address: this.#hostIp(i) },
          { type: "Hostname", address: name },
        ],
        daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
        nodeInfo: {
          architecture: "amd64",
          operatingSystem: "linux",
          osImage: "Simulated Linux",
          kernelVersion: "6.1.0-sim",
          kubeletVersion: K3S_VERSION,
          kubeProxyVersion: K3S_VERSION,
          containerRuntimeVersion: "containerd://1.7.0-sim",
          machineID: "",
          systemUUID: "",
          bootID: "",
        },
      },
    };
  }

  #hostIp(i: number): string {
    return `172.20.${Math.floor(i / 250) % 256}.${(i % 250) + 2}`;
  }

  /** Registers the nodes and their Leases, then runs until {@link stop}. */
  async start(): Promise<void> {
    const signal = this.#ac.signal;
    const limit = this.#o.concurrency ?? 32;
    await pool(this.names.map((_, i) => () => this.#register(i)), limit);
    this.#running.push(this.#pods.run(signal));
    for (let w = 0; w < limit; w++) this.#running.push(this.#worker(signal));
    this.#running.push(this.#heartbeats(signal));
    await this.#pods.waitForSync(signal);
  }

  /** Stops; with `deleteNodes`, also deletes the nodes and their Leases. */
  async stop(options: { deleteNodes?: boolean } = {}): Promise<void> {
    this.#ac.abort();
    this.#queue.shutDown();
    await Promise.allSettled(this.#running);
    if (!options.deleteNodes) return;
    await pool(
      this.names.map((n) => async () => {
        await this.#client.delete(NODES, n).catch(() => {});
        await this.#client.delete(LEASES, n, { namespace: "kube-node-lease" }).catch(() => {});
      }),
      16,
    );
  }

  async #register(i: number): Promise<void> {
    const node = this.nodeObject(i);
    try {
      const created = await this.#client.create(NODES, node);
      // Some servers drop status on create, as for other kinds: post it like a kubelet does.
      await this.#client.updateStatus(NODES, { ...created, status: node.status });
    } catch (err) {
      if (!isConflict(err)) throw err;
      const current = await this.#client.get(NODES, node.metadata.name!);
      await this.#client.update(NODES, {
        ...current,
        metadata: { ...current.metadata, labels: node.metadata.labels },
        spec: node.spec,
      });
      const fresh = await this.#client.get(NODES, node.metadata.name!);
      await this.#client.updateStatus(NODES, { ...fresh, status: node.status });
    }
    await this.#renew(node.metadata.name!);
  }

  async #renew(name: string): Promise<void> {
    const spec = {
      holderIdentity: name,
      leaseDurationSeconds: 40,
      renewTime: formatMicroTime(),
    };
    try {
      await this.#client.patch(LEASES, name, { spec }, "merge", { namespace: "kube-node-lease" });
    } catch (err) {
      if (!isNotFound(err)) throw err;
      const lease: Lease = {
        metadata: {
          name,
          namespace: "kube-node-lease",
          ownerReferences: [],
        },
        spec,
      };
      await this.#client.create(LEASES, lease);
    }
  }

  async #heartbeats(signal: AbortSignal): Promise<void> {
    const every = this.#o.heartbeatMs ?? 10_000;
    while (!signal.aborted) {
      await sleep(every, signal);
      if (signal.aborted) return;
      await pool(
        this.names.map((n) => () =>
          this.#renew(n).catch((err) =>
            this.#log.warn(`cannot renew the lease of ${n}: ${(err as Error).message}`)
          )
        ),
        8,
      );
    }
  }

  async #worker(signal: AbortSignal): Promise<void> {
    for (;;) {
      const key = await this.#queue.get(signal);
      if (key === undefined) return;
      try {
        await this.#sync(key, signal);
        this.#queue.forget(key);
      } catch (err) {
        if (signal.aborted) return;
        if (!isNotFound(err)) {
          this.stats.statusErrors++;
          this.#log.debug(`cannot sync ${key}: ${(err as Error).message}`);
          this.#queue.addRateLimited(key);
        }
      } finally {
        this.#queue.done(key);
      }
    }
  }

  /** Brings one pod to Running/Ready, or finishes its deletion. */
  async #sync(key: string, signal: AbortSignal): Promise<void> {
    const pod = this.#pods.store.get(key);
    if (!pod) return;
    const node = pod.spec?.nodeName ?? "";
    const i = this.#index.get(node);
    if (i === undefined) return;
    const meta = pod.metadata;
    if (meta.deletionTimestamp) {
      if (this.#o.honorGracePeriod) {
        const wait = Date.parse(meta.deletionTimestamp) - Date.now();
        if (wait > 0) {
          this.#queue.addAfter(key, wait);
          return;
        }
      }
      await this.#client.delete(PODS, meta.name!, {
        namespace: meta.namespace,
        gracePeriodSeconds: 0,
        preconditions: { uid: meta.uid },
        signal,
      });
      this.stats.deleted++;
      return;
    }
    const phase = pod.status?.phase;
    if (phase === "Succeeded" || phase === "Failed") return;
    const ready = pod.status?.conditions?.find((c) => c.type === "Ready")?.status === "True";
    if (phase === "Running" && ready && pod.status?.podIP) return;
    await this.#client.patch(PODS, meta.name!, { status: this.#runningStatus(pod, i) }, "merge", {
      namespace: meta.namespace,
      subresource: "status",
      signal,
    });
    this.stats.running++;
  }

  #runningStatus(pod: Pod, i: number): Record<string, unknown> {
    const now = formatTime();
    const key = keyOf(pod);
    const podIp = this.#allocate(key, this.names[i], i);
    const hostIp = this.#hostIp(i);
    const cond = (type: string): PodCondition => ({
      type,
      status: "True",
      lastProbeTime: null,
      lastTransitionTime: now,
    });
    const scheduled = pod.status?.conditions?.find((c) => c.type === "PodScheduled") ??
      cond("PodScheduled");
    const containers = pod.spec?.containers ?? [];
    return {
      phase: "Running",
      conditions: [
        cond("PodReadyToStartContainers"),
        cond("Initialized"),
        cond("Ready"),
        cond("ContainersReady"),
        scheduled,
      ],
      hostIP: hostIp,
      hostIPs: [{ ip: hostIp }],
      podIP: podIp,
      podIPs: [{ ip: podIp }],
      startTime: pod.status?.startTime ?? now,
      containerStatuses: containers.map((c, n) => ({
        name: c.name,
        ready: true,
        started: true,
        restartCount: 0,
        image: c.image ?? "",
        imageID: `sim://${c.image ?? ""}`,
        containerID: `sim://${pod.metadata.uid ?? key}-${n}`,
        state: { running: { startedAt: now } },
        lastState: {},
      })),
    };
  }

  /** A pod IP in the node's /24 (10.42.<i>.2–254), stable for the pod. */
  #allocate(key: string, node: string, i: number): string {
    const have = this.#podIp.get(key);
    if (have) return have;
    let used = this.#ips.get(node);
    if (!used) this.#ips.set(node, used = new Map());
    let octet = 2;
    while (used.has(octet) && octet < 255) octet++;
    used.set(octet, key);
    const ip = `10.42.${i % 256}.${octet}`;
    this.#podIp.set(key, ip);
    return ip;
  }

  #release(key: string, node: string): void {
    const ip = this.#podIp.get(key);
    if (!ip) return;
    this.#podIp.delete(key);
    this.#ips.get(node)?.delete(Number(ip.split(".")[3]));
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}

/** Runs `tasks` with at most `limit` at a time. */
export async function pool(tasks: (() => Promise<unknown>)[], limit: number): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, tasks.length) }, async () => {
      while (next < tasks.length) await tasks[next++]();
    }),
  );
}

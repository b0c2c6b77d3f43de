/**
 * {@link Kubelet}: the node agent's composition of its parts: the Node (registration, status,
 * Lease), the pod source (API informer and static pods), the pod loop (sync, probes, volumes,
 * images, statuses) and the HTTPS server on `--kubelet-arg=port` (10250). Everything talks to
 * the API server as `system:node:<name>` through one client, and to containerd through CRI.
 *
 * @module
 */
import { readFile } from "node:fs/promises";
import type { KubeClient } from "../../kube/client/client.ts";
import { type Clock, realClock } from "../../kube/client/clock.ts";
import { EventRecorder, objectReference } from "../../kube/client/events.ts";
import { SharedInformer } from "../../kube/client/informer.ts";
import type { Logger } from "../../kube/client/log.ts";
import { listWatch } from "../../kube/client/reflector.ts";
import { NODES, PODS } from "../../kube/client/resources.ts";
import type { Node, Pod } from "../../kube/client/types.ts";
import { K3S_VERSION } from "../../kube/version.ts";
import type { ImageService, RuntimeEvents, RuntimeService } from "../../cri/service.ts";
import { isRuntimeUnavailable } from "../../cri/errors.ts";
import type { AgentPaths, KubeletArgs } from "../config.ts";
import { ApiObjects } from "./api_objects.ts";
import { KeyedBackoff } from "./backoff.ts";
import { ImageManager } from "./images.ts";
import { type MachineInfo, readMachineInfo } from "./machine.ts";
import { NodeAgent } from "./node.ts";
import type { RuntimeHealth } from "./node_status.ts";
import { LogRotation } from "./log_rotation.ts";
import { NodePodSource } from "./pod_source.ts";
import { PodWorkers } from "./pod_workers.ts";
import { ProbeManager } from "./prober.ts";
import { RuntimeView } from "./runtime_pod.ts";
import { parseResolvConf } from "./sandbox_config.ts";
import { StatusManager } from "./status_manager.ts";
import { PodSyncer } from "./sync.ts";
import { TokenManager } from "./volumes/tokens.ts";
import { VolumeManager } from "./volumes/manager.ts";
import { KubeletServer, type KubeletServerTls } from "./server/server.ts";

export interface KubeletOptions {
  client: KubeClient;
  runtime: RuntimeService & ImageService;
  /** The runtime's event stream, when it has one: relists follow it instead of a 1 s tick. */
  events?: RuntimeEvents;
  nodeName: string;
  hostname: string;
  nodeIps: string[];
  externalIps: string[];
  labels: readonly string[];
  taints: readonly string[];
  controlPlane: boolean;
  args: KubeletArgs;
  paths: AgentPaths;
  clusterDns: string[];
  clusterDomain: string;
  /** Serving certificate and the CA of client certificates for the HTTPS server. */
  tls: KubeletServerTls;
  log: Logger;
  clock?: Clock;
}

export class Kubelet {
  readonly #o: KubeletOptions;
  readonly #clock: Clock;
  readonly node: NodeAgent;
  readonly informer: SharedInformer<Pod>;
  readonly source: NodePodSource;
  readonly workers: PodWorkers;
  readonly syncer: PodSyncer;
  readonly server: KubeletServer;
  readonly #recorder: EventRecorder;
  readonly #nodeInformer: SharedInformer<Node>;
  #nodeHandlers: ((node: Node) => Promise<void>)[] = [];
  readonly #prober: ProbeManager;
  readonly #view: RuntimeView;

  private constructor(
    options: KubeletOptions,
    machine: MachineInfo,
    runtimeVersion: string,
    resolv: string,
  ) {
    this.#o = options;
    this.#clock = options.clock ?? realClock;
    const { client, runtime, log } = options;
    this.#recorder = new EventRecorder({
      client,
      component: "kubelet",
      host: options.nodeName,
      clock: this.#clock,
      log,
    });
    this.node = new NodeAgent({
      client,
      settings: {
        name: options.nodeName,
        hostname: options.hostname,
        internalIps: options.nodeIps,
        externalIps: options.externalIps,
        labels: options.labels,
        taints: options.taints,
        controlPlane: options.controlPlane,
        kubeletPort: options.args.port,
        maxPods: options.args.maxPods,
        kubeletVersion: K3S_VERSION,
        containerRuntimeVersion: runtimeVersion,
      },
      machine: () => readMachineInfo(options.paths.kubeletRoot),
      health: () => this.#health(),
      clock: this.#clock,
      log,
      statusFrequencyMs: options.args.nodeStatusUpdateFrequencyMs,
    });
    this.informer = new SharedInformer<Pod>({
      name: "pods",
      listerWatcher: listWatch(client, PODS, {
        fieldSelector: `spec.nodeName=${options.nodeName}`,
      }),
      clock: this.#clock,
      log,
    });
    this.#nodeInformer = new SharedInformer<Node>({
      name: "node",
      listerWatcher: listWatch(client, NODES, {
        fieldSelector: `metadata.name=${options.nodeName}`,
      }),
      clock: this.#clock,
      log,
    });
    const onNode = (node: Node) => {
      for (const h of this.#nodeHandlers) {
        h(node).catch((e) =>
          log.warn(`Cannot apply a change of the Node: ${(e as Error).message}`)
        );
      }
    };
    this.#nodeInformer.addEventHandler({ add: onNode, update: (_, n) => onNode(n) });
    const view = this.#view = new RuntimeView(runtime);
    const allocatable = {
      milliCpu: machine.cpus * 1000,
      memory: machine.memoryTotal,
      ephemeralStorage: Math.floor(machine.diskTotal * 0.95),
    };
    const objects = new ApiObjects(client, allocatable);
    const events = {
      event: (
        pod: Pod,
        container: string | undefined,
        type: "Normal" | "Warning",
        reason: string,
        message: string,
      ) => {
        const ref = objectReference(PODS, pod);
        if (container) {
          const init = pod.spec?.initContainers?.some((c) => c.name === container);
          ref.fieldPath = `spec.${init ? "initContainers" : "containers"}{${container}}`;
        }
        this.#recorder.event(ref, type, reason, message);
      },
    };
    this.#prober = new ProbeManager({
      runtime,
      clock: this.#clock,
      onChange: (uid) => this.workers.enqueue(uid),
      onFailure: (pod, container, _kind, output) =>
        events.event(pod, container.name, "Warning", "Unhealthy", output),
    });
    const statuses = new StatusManager(client, log);
    this.syncer = new PodSyncer({
      runtime,
      view,
      images: new ImageManager(runtime, new KeyedBackoff({ clock: this.#clock }), {
        event: (pod, container, type, reason, message) =>
          events.event(pod, container.name, type, reason, message),
      }, { serialize: options.args.serializeImagePulls, now: () => this.#clock.now() }),
      volumes: new VolumeManager({
        root: options.paths.kubeletRoot,
        objects,
        tokens: new TokenManager(client, this.#clock),
        allocatable,
        log,
      }),
      prober: this.#prober,
      crashBackoff: new KeyedBackoff({ clock: this.#clock }),
      env: objects.envSources(),
      events,
      podLogs: options.paths.podLogs,
      dns: {
        clusterDns: options.clusterDns,
        clusterDomain: options.clusterDomain,
        host: parseResolvConf(resolv),
      },
      nodeIps: () => options.nodeIps,
      memoryCapacity: machine.memoryTotal,
      clock: this.#clock,
      log,
    });
    this.source = new NodePodSource({
      client,
      nodeName: options.nodeName,
      informer: this.informer,
      manifestDir: options.paths.podManifests,
      log,
      onChange: (uid) => this.workers.enqueue(uid),
    });
    this.workers = new PodWorkers({
      client,
      source: this.source,
      syncer: this.syncer,
      view,
      statuses,
      events: options.events,
      clock: this.#clock,
      log,
    });
    this.server = new KubeletServer({
      port: options.args.port,
      tls: options.tls,
      client,
      runtime,
      nodeName: options.nodeName,
      pods: () => this.source.all(),
      view,
      podLogs: options.paths.podLogs,
      log,
    });
  }

  /** Reads the machine and runtime, then builds the kubelet. */
  static async create(options: KubeletOptions): Promise<Kubelet> {
    const version = await options.runtime.version();
    const machine = await readMachineInfo(options.paths.kubeletRoot);
    const resolv = await readFile("/etc/resolv.conf", "utf8").catch(() => "");
    return new Kubelet(
      options,
      machine,
      `${version.runtimeName}://${version.runtimeVersion}`,
      resolv,
    );
  }

  async #health(): Promise<RuntimeHealth> {
    try {
      const status = await this.#o.runtime.status(false, { timeoutMs: 10_000 });
      const conditions = status.status?.conditions ?? [];
      const runtime = conditions.find((c) => c.type === "RuntimeReady");
      if (runtime && !runtime.status) {
        return {
          notReady:
            `container runtime status check may not have completed yet: RuntimeReady=false reason:${runtime.reason} message:${runtime.message}`,
        };
      }
      const network = conditions.find((c) => c.type === "NetworkReady");
      if (network && !network.status) {
        return {
          notReady:
            `container runtime network not ready: NetworkReady=false reason:${network.reason} message:${network.message}`,
        };
      }
      return {};
    } catch (error) {
      if (isRuntimeUnavailable(error)) return { notReady: "container runtime is down" };
      return { notReady: `container runtime status check failed: ${(error as Error).message}` };
    }
  }

  /** Registers the Node; resolves to it (its `spec.podCIDR` sets up the pod network). */
  async register(signal?: AbortSignal): Promise<Node> {
    const node = await this.node.register(signal);
    this.source.nodeUid = node.metadata.uid;
    return node;
  }

  /** Calls `handler` with the Node whenever the API has a new version of it. */
  onNodeChange(handler: (node: Node) => Promise<void>): void {
    this.#nodeHandlers.push(handler);
  }

  /** Runs everything until `signal` aborts (pods keep running: the runtime owns them). */
  async run(signal: AbortSignal): Promise<void> {
    await this.server.start();
    const running: Promise<unknown>[] = [this.node.run(signal)];
    running.push(this.informer.run(signal), this.#nodeInformer.run(signal));
    await this.informer.waitForSync(signal);
    await this.source.scan().catch(() => {});
    await this.source.syncMirrors().catch(() => {});
    running.push(this.workers.run(signal));
    running.push(
      new LogRotation({
        runtime: this.#o.runtime,
        view: this.#view,
        maxSize: this.#o.args.containerLogMaxSize,
        maxFiles: this.#o.args.containerLogMaxFiles,
        log: this.#o.log,
      }).run(signal),
    );
    running.push((async () => {
      while (!signal.aborted) {
        await this.#clock.sleep(20_000, signal);
        if (signal.aborted) break;
        try {
          await this.source.scan();
          await this.source.syncMirrors();
        } catch (error) {
          this.#o.log.warn(`Cannot sync static pods: ${(error as Error).message}`);
        }
      }
    })());
    this.#o.log.info(`kubelet ${K3S_VERSION} running on node ${this.#o.nodeName}`);
    await Promise.all(running);
    this.#prober.stopAll();
    await this.server.stop();
    await this.#recorder.flush();
  }
}

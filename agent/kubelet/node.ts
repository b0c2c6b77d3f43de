/**
 * The kubelet's Node: registration (create, or on an existing Node merge in our labels,
 * annotations and taints), the status loop (recomputed every `--node-status-update-frequency`,
 * written when it changed or every 5 minutes), and the heartbeat Lease in `kube-node-lease`
 * renewed every 10 s.
 *
 * @module
 */
import type { KubeClient } from "../../kube/client/client.ts";
import type { Clock } from "../../kube/client/clock.ts";
import { isAlreadyExists, isConflict, isNotFound } from "../../kube/client/errors.ts";
import type { Logger } from "../../kube/client/log.ts";
import { LEASES, NODES } from "../../kube/client/resources.ts";
import type { Lease, Node, Taint } from "../../kube/client/types.ts";
import { deepEqual, formatMicroTime, formatTime } from "../../kube/meta.ts";
import type { MachineInfo } from "./machine.ts";
import {
  buildNode,
  type NodeSettings,
  nodeStatus,
  parseTaint,
  type RuntimeHealth,
} from "./node_status.ts";

export interface NodeAgentOptions {
  client: KubeClient;
  settings: NodeSettings;
  machine: () => Promise<MachineInfo>;
  health: () => Promise<RuntimeHealth>;
  clock: Clock;
  log: Logger;
  statusFrequencyMs?: number;
  leaseRenewMs?: number;
  /** A status is written at least this often even when unchanged (default 5 min). */
  reportFrequencyMs?: number;
}

const LEASE_DURATION_SECONDS = 40;

export class NodeAgent {
  readonly #o: NodeAgentOptions;
  #node: Node | undefined;
  #lastReport = 0;

  constructor(options: NodeAgentOptions) {
    this.#o = options;
  }

  /** The Node as last read or written. */
  get node(): Node | undefined {
    return this.#node;
  }

  /** Creates the Node, or brings an existing one in line; retries until it works. */
  async register(signal?: AbortSignal): Promise<Node> {
    for (let attempt = 0;; attempt++) {
      try {
        return this.#node = await this.#registerOnce();
      } catch (error) {
        if (signal?.aborted) throw error;
        this.#o.log.warn(
          `Cannot register node ${this.#o.settings.name}: ${(error as Error).message}`,
        );
        await this.#o.clock.sleep(Math.min(7000, 500 * 2 ** attempt), signal);
      }
    }
  }

  async #registerOnce(): Promise<Node> {
    const machine = await this.#o.machine();
    const health = await this.#o.health();
    const now = formatTime(new Date(this.#o.clock.now()));
    const wanted = buildNode(this.#o.settings, machine, now, health);
    try {
      const created = await this.#o.client.create(NODES, wanted);
      this.#o.log.info(`Registered node ${this.#o.settings.name}`);
      // Create ignores status: write it.
      return await this.#writeStatus(created, wanted.status!);
    } catch (error) {
      if (!isAlreadyExists(error)) throw error;
    }
    const existing = await this.#o.client.get(NODES, this.#o.settings.name);
    const taints = [...(existing.spec?.taints ?? [])];
    for (const t of this.#o.settings.taints.map(parseTaint)) {
      if (!taints.some((x: Taint) => x.key === t.key && x.effect === t.effect)) taints.push(t);
    }
    const patched = await this.#o.client.patch(NODES, this.#o.settings.name, {
      metadata: { labels: wanted.metadata.labels, annotations: wanted.metadata.annotations },
      spec: {
        taints: taints.length ? taints : null,
        providerID: existing.spec?.providerID ?? wanted.spec?.providerID,
      },
    }, "merge");
    this.#o.log.info(`Node ${this.#o.settings.name} was registered before: updated it`);
    return await this.#writeStatus(
      patched,
      nodeStatus(this.#o.settings, machine, now, health, patched.status?.conditions),
    );
  }

  async #writeStatus(node: Node, status: NonNullable<Node["status"]>): Promise<Node> {
    const written = await this.#o.client.patch(NODES, node.metadata.name!, { status }, "merge", {
      subresource: "status",
    });
    this.#lastReport = this.#o.clock.now();
    return this.#node = written;
  }

  /** Recomputes the status; writes it when it changed or the report is due. */
  async updateStatus(): Promise<void> {
    // The Node as the API has it now: another writer (the node lifecycle controller marking
    // it Unknown while this kubelet was away) must be corrected at once.
    let current: Node;
    try {
      current = await this.#o.client.get(NODES, this.#o.settings.name);
    } catch (error) {
      if (!isNotFound(error)) throw error;
      this.#o.log.warn(`Node ${this.#o.settings.name} was deleted: registering it again`);
      this.#node = undefined;
      await this.register();
      return;
    }
    const now = formatTime(new Date(this.#o.clock.now()));
    const status = nodeStatus(
      this.#o.settings,
      await this.#o.machine(),
      now,
      await this.#o.health(),
      current.status?.conditions,
    );
    const strip = (s: NonNullable<Node["status"]>) => ({
      ...s,
      conditions: s.conditions?.map(({ lastHeartbeatTime: _, ...c }) => c),
      images: undefined,
    });
    const changed = !deepEqual(
      strip({ ...current.status, ...status }),
      strip(current.status ?? {}),
    );
    const due = this.#o.clock.now() - this.#lastReport >= (this.#o.reportFrequencyMs ?? 300_000);
    if (!changed && !due) return;
    try {
      await this.#writeStatus(current, status);
    } catch (error) {
      if (isNotFound(error)) {
        this.#o.log.warn(`Node ${this.#o.settings.name} was deleted: registering it again`);
        this.#node = undefined;
        await this.register();
        return;
      }
      throw error;
    }
  }

  /** Renews (or creates) the node's Lease. */
  async renewLease(): Promise<void> {
    const name = this.#o.settings.name;
    const now = formatMicroTime(new Date(this.#o.clock.now()));
    const spec = {
      holderIdentity: name,
      leaseDurationSeconds: LEASE_DURATION_SECONDS,
      renewTime: now,
    };
    try {
      const lease = await this.#o.client.get(LEASES, name, { namespace: "kube-node-lease" });
      await this.#o.client.update(LEASES, { ...lease, spec: { ...lease.spec, ...spec } });
    } catch (error) {
      if (isConflict(error)) return;
      if (!isNotFound(error)) throw error;
      const owner = this.#node?.metadata.uid
        ? [{ apiVersion: "v1", kind: "Node", name, uid: this.#node.metadata.uid }]
        : undefined;
      const lease: Lease = {
        metadata: { name, namespace: "kube-node-lease", ownerReferences: owner },
        spec,
      };
      try {
        await this.#o.client.create(LEASES, lease);
      } catch (e) {
        if (!isAlreadyExists(e)) throw e;
      }
    }
  }

  /** Runs the status and lease loops until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    const loop = async (every: number, what: string, fn: () => Promise<void>) => {
      while (!signal.aborted) {
        try {
          await fn();
        } catch (error) {
          if (!signal.aborted) this.#o.log.warn(`Cannot ${what}: ${(error as Error).message}`);
        }
        await this.#o.clock.sleep(every, signal);
      }
    };
    await Promise.all([
      loop(this.#o.leaseRenewMs ?? 10_000, "renew the node lease", () => this.renewLease()),
      loop(
        this.#o.statusFrequencyMs ?? 10_000,
        "update the node status",
        () => this.updateStatus(),
      ),
    ]);
  }
}

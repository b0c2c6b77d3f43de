/**
 * {@link ControllerManager}: runs the registered controllers behind one leader election (the
 * `kube-controller-manager` Lease in `kube-system`). Each time it becomes leader it builds a
 * fresh informer factory and fresh controllers, starts the informers and runs every controller
 * with its workers; when leadership ends, everything of that term stops and it campaigns again.
 *
 * @module
 */
import {
  type Clock,
  defaultIdentity,
  InformerFactory,
  type KubeClient,
  LeaderElector,
  LeaseLock,
  type Logger,
  realClock,
  sharedStripManagedFields,
  silentLogger,
} from "../../../kube/client/mod.ts";
import { ConfigError, positiveInt } from "./config.ts";
import type { Controller, ControllerContext } from "./controller.ts";

/** One controller the manager runs. */
export interface ControllerDescriptor {
  /** As in `--controllers` (e.g. `deployment`); unique within a manager. */
  name: string;
  /** Concurrent reconciles (default 1). */
  workers?: number;
  /** Builds the controller; called once per leadership term with that term's informers. */
  create(ctx: ControllerContext): Controller;
}

/** Options of {@linkcode ControllerManager}. */
export interface ControllerManagerConfig {
  /** The client with the controller manager's identity. */
  client: KubeClient;
  controllers?: ControllerDescriptor[];
  /** Names not to run (K3s's `--kube-controller-manager-arg=controllers=-name`). */
  disabled?: readonly string[];
  /** Run without an election (a single server that knows it is alone). Default true. */
  leaderElect?: boolean;
  leaseNamespace?: string;
  leaseName?: string;
  identity?: string;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  clock?: Clock;
  log?: Logger;
}

/** Runs controllers behind a Lease election. */
export class ControllerManager {
  readonly #c: ControllerManagerConfig;
  readonly #descriptors = new Map<string, ControllerDescriptor>();
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly identity: string;
  #running: string[] = [];
  #leader = false;

  constructor(config: ControllerManagerConfig) {
    if (!config?.client) {
      throw new ConfigError("Cannot create the controller manager: client is required");
    }
    this.#c = config;
    this.#clock = config.clock ?? realClock;
    this.#log = config.log ?? silentLogger;
    this.identity = config.identity ?? defaultIdentity();
    for (const d of config.controllers ?? []) this.register(d);
  }

  /** Adds a controller; names are unique. Takes effect from the next leadership term. */
  register(descriptor: ControllerDescriptor): this {
    if (this.#descriptors.has(descriptor.name)) {
      throw new ConfigError(`Cannot register controller ${descriptor.name}: registered already`);
    }
    positiveInt(descriptor.name, "workers", descriptor.workers, 1);
    this.#descriptors.set(descriptor.name, descriptor);
    return this;
  }

  /** Registered controller names. */
  get registered(): string[] {
    return [...this.#descriptors.keys()];
  }

  /** Controllers running now (empty unless leader). */
  get running(): string[] {
    return [...this.#running];
  }

  isLeader(): boolean {
    return this.#leader;
  }

  /** Campaigns and runs the controllers while leader, until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    if (this.#c.leaderElect === false) {
      await this.#lead(signal);
      return;
    }
    const elector = new LeaderElector({
      lock: new LeaseLock(
        this.#c.client,
        this.#c.leaseNamespace ?? "kube-system",
        this.#c.leaseName ?? "kube-controller-manager",
      ),
      identity: this.identity,
      leaseDurationMs: this.#c.leaseDurationMs,
      renewDeadlineMs: this.#c.renewDeadlineMs,
      retryPeriodMs: this.#c.retryPeriodMs,
      clock: this.#clock,
      log: this.#log,
      onStartedLeading: (leading) => this.#lead(leading),
      onNewLeader: (id) => {
        if (id !== this.identity) this.#log.info(`the controller manager leader is ${id}`);
      },
    });
    await elector.run(signal);
  }

  /** One leadership term: fresh informers and controllers, stopped when `signal` aborts. */
  async #lead(signal: AbortSignal): Promise<void> {
    this.#leader = true;
    const informers = new InformerFactory(this.#c.client, {
      clock: this.#clock,
      log: this.#log,
      transform: sharedStripManagedFields.apply,
    });
    const ctx: ControllerContext = {
      client: this.#c.client,
      informers,
      clock: this.#clock,
      log: this.#log,
    };
    const disabled = new Set(this.#c.disabled ?? []);
    const runs: Promise<void>[] = [];
    const started: string[] = [];
    const built: [ControllerDescriptor, Controller][] = [];
    for (const d of this.#descriptors.values()) {
      if (disabled.has(d.name)) continue;
      try {
        built.push([d, d.create(ctx)]);
      } catch (err) {
        this.#log.error(`cannot start controller ${d.name}: ${(err as Error).message}`);
      }
    }
    informers.start(signal);
    for (const [d, controller] of built) {
      started.push(d.name);
      runs.push(
        controller.run(d.workers ?? 1, signal).catch((err) =>
          this.#log.error(`controller ${d.name} stopped: ${(err as Error).stack ?? err}`)
        ),
      );
    }
    this.#running = started;
    if (started.length) this.#log.info(`started controllers: ${started.join(", ")}`);
    try {
      await Promise.all(runs);
      if (!signal.aborted) {
        await new Promise<void>((r) => signal.addEventListener("abort", () => r(), { once: true }));
      }
    } finally {
      this.#running = [];
      this.#leader = false;
    }
  }
}

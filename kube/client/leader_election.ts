/**
 * Leader election on a `coordination.k8s.io/v1` Lease, as client-go's `leaderelection`: a
 * candidate takes the lease when its holder has not renewed it for a lease duration (measured on
 * the candidate's own clock from when it last saw the record change, so clock skew does not
 * matter), the leader renews every retry period and steps down when it could not renew within
 * the renew deadline. Defaults: 15 s lease, 10 s renew deadline, 2 s retry.
 *
 * @module
 */
import { hostname } from "node:os";
import { formatMicroTime } from "../meta.ts";
import type { KubeClient } from "./client.ts";
import { type Clock, realClock } from "./clock.ts";
import { isNotFound } from "./errors.ts";
import { type Logger, silentLogger } from "./log.ts";
import { LEASES } from "./resources.ts";
import type { Lease } from "./types.ts";

/** What a lock stores. Times are `metav1.MicroTime` strings. */
export interface LeaderElectionRecord {
  holderIdentity: string;
  leaseDurationSeconds: number;
  acquireTime: string;
  renewTime: string;
  leaderTransitions: number;
}

/** The object an election runs on. */
export interface ResourceLock {
  /** The current record, or null when the lock object does not exist. */
  get(signal?: AbortSignal): Promise<LeaderElectionRecord | null>;
  create(record: LeaderElectionRecord, signal?: AbortSignal): Promise<void>;
  /** Writes over the record last read (fails on a concurrent change). */
  update(record: LeaderElectionRecord, signal?: AbortSignal): Promise<void>;
  /** e.g. `kube-system/kube-scheduler`. */
  describe(): string;
}

/** A {@link ResourceLock} on a Lease object. */
export class LeaseLock implements ResourceLock {
  #lease: Lease | null = null;
  constructor(
    readonly client: KubeClient,
    readonly namespace: string,
    readonly name: string,
  ) {}

  describe(): string {
    return `${this.namespace}/${this.name}`;
  }

  async get(signal?: AbortSignal): Promise<LeaderElectionRecord | null> {
    try {
      this.#lease = await this.client.get(LEASES, this.name, { namespace: this.namespace, signal });
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
    const s = this.#lease.spec ?? {};
    return {
      holderIdentity: s.holderIdentity ?? "",
      leaseDurationSeconds: s.leaseDurationSeconds ?? 0,
      acquireTime: s.acquireTime ?? "",
      renewTime: s.renewTime ?? "",
      leaderTransitions: s.leaseTransitions ?? 0,
    };
  }

  async create(record: LeaderElectionRecord, signal?: AbortSignal): Promise<void> {
    this.#lease = await this.client.create(LEASES, {
      metadata: { name: this.name, namespace: this.namespace },
      spec: toSpec(record),
    }, { signal });
  }

  async update(record: LeaderElectionRecord, signal?: AbortSignal): Promise<void> {
    if (!this.#lease) throw new Error(`Cannot update lease ${this.describe()}: not read yet`);
    this.#lease = await this.client.update(LEASES, { ...this.#lease, spec: toSpec(record) }, {
      signal,
    });
  }
}

function toSpec(r: LeaderElectionRecord): Lease["spec"] {
  return {
    holderIdentity: r.holderIdentity || null,
    leaseDurationSeconds: r.leaseDurationSeconds,
    acquireTime: r.acquireTime || null,
    renewTime: r.renewTime || null,
    leaseTransitions: r.leaderTransitions,
  };
}

/** Options of {@linkcode LeaderElector}. */
export interface LeaderElectionConfig {
  lock: ResourceLock;
  /** This candidate's identity; default `<hostname>_<uuid>`. */
  identity?: string;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  /** Give the lease up (holder cleared) when stopped while leading (default true). */
  releaseOnCancel?: boolean;
  clock?: Clock;
  log?: Logger;
  /** Called on becoming leader; `signal` aborts when leadership ends. */
  onStartedLeading(signal: AbortSignal): void | Promise<void>;
  /** Called after leadership ends (lost, or stopped). */
  onStoppedLeading?(): void;
  /** Called when the observed leader changes (including to this candidate). */
  onNewLeader?(identity: string): void;
}

/** A default identity, as upstream components make it. */
export function defaultIdentity(): string {
  return `${hostname()}_${crypto.randomUUID()}`;
}

/** One candidate in a Lease election. */
export class LeaderElector {
  readonly identity: string;
  readonly #c: LeaderElectionConfig;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #leaseMs: number;
  readonly #renewMs: number;
  readonly #retryMs: number;
  #observed: LeaderElectionRecord | null = null;
  #observedRaw = "";
  #observedAt = 0;
  #leader = false;
  #reportedLeader = "";

  constructor(config: LeaderElectionConfig) {
    this.#c = config;
    this.identity = config.identity ?? defaultIdentity();
    this.#clock = config.clock ?? realClock;
    this.#log = config.log ?? silentLogger;
    this.#leaseMs = config.leaseDurationMs ?? 15_000;
    this.#renewMs = config.renewDeadlineMs ?? 10_000;
    this.#retryMs = config.retryPeriodMs ?? 2_000;
    if (this.#leaseMs <= this.#renewMs) {
      throw new Error("Cannot elect a leader: leaseDuration must be greater than renewDeadline");
    }
    if (this.#renewMs <= this.#retryMs * 1.2) {
      throw new Error(
        "Cannot elect a leader: renewDeadline must be greater than 1.2 × retryPeriod",
      );
    }
    if (this.#retryMs < 1) throw new Error("Cannot elect a leader: retryPeriod must be positive");
  }

  /** True while this candidate holds the lease. */
  isLeader(): boolean {
    return this.#leader;
  }

  /** The holder last observed ("" when none). */
  get leader(): string {
    return this.#observed?.holderIdentity ?? "";
  }

  /**
   * Campaigns until `signal` aborts: acquires, leads (calling `onStartedLeading`), and when
   * leadership is lost campaigns again.
   */
  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      if (!await this.#acquire(signal)) break;
      const leading = new AbortController();
      const stop = () => leading.abort();
      signal.addEventListener("abort", stop, { once: true });
      this.#log.info(`became leader of ${this.#c.lock.describe()} as ${this.identity}`);
      Promise.resolve()
        .then(() => this.#c.onStartedLeading(leading.signal))
        .catch((err) => this.#log.error(`the leader's work failed: ${(err as Error).message}`));
      await this.#renewLoop(signal);
      this.#leader = false;
      leading.abort();
      signal.removeEventListener("abort", stop);
      if (signal.aborted) {
        if (this.#c.releaseOnCancel ?? true) await this.#release();
      } else {
        this.#log.warn(`lost leadership of ${this.#c.lock.describe()}`);
      }
      this.#c.onStoppedLeading?.();
    }
  }

  async #acquire(signal: AbortSignal): Promise<boolean> {
    while (!signal.aborted) {
      if (await this.#tryAcquireOrRenew(signal)) {
        this.#leader = true;
        return true;
      }
      await this.#clock.sleep(this.#retryMs * (1 + Math.random() * 1.2), signal);
    }
    return false;
  }

  async #renewLoop(signal: AbortSignal): Promise<void> {
    let deadline = this.#clock.now() + this.#renewMs;
    while (!signal.aborted) {
      await this.#clock.sleep(this.#retryMs, signal);
      if (signal.aborted) return;
      if (await this.#tryAcquireOrRenew(signal, deadline)) {
        deadline = this.#clock.now() + this.#renewMs;
      } else if (this.#clock.now() >= deadline) return;
    }
  }

  /** One attempt; `deadline` bounds how long the API calls may take. */
  async #tryAcquireOrRenew(outer: AbortSignal, deadline?: number): Promise<boolean> {
    const ac = new AbortController();
    const onAbort = () => ac.abort();
    outer.addEventListener("abort", onAbort, { once: true });
    const budget = deadline === undefined ? this.#renewMs : deadline - this.#clock.now();
    const timer = this.#clock.after(Math.max(budget, 1), () => ac.abort());
    try {
      return await this.#attempt(ac.signal);
    } catch (err) {
      if (!ac.signal.aborted) {
        this.#log.warn(
          `cannot acquire or renew ${this.#c.lock.describe()}: ${(err as Error).message}`,
        );
      }
      return false;
    } finally {
      timer.cancel();
      outer.removeEventListener("abort", onAbort);
    }
  }

  async #attempt(signal: AbortSignal): Promise<boolean> {
    const lock = this.#c.lock;
    const now = this.#clock.now();
    const record: LeaderElectionRecord = {
      holderIdentity: this.identity,
      leaseDurationSeconds: Math.round(this.#leaseMs / 1000),
      acquireTime: formatMicroTime(now),
      renewTime: formatMicroTime(now),
      leaderTransitions: 0,
    };
    const old = await lock.get(signal);
    if (!old) {
      await lock.create(record, signal);
      this.#observe(record, now);
      return true;
    }
    const raw = JSON.stringify(old);
    if (raw !== this.#observedRaw) this.#observe(old, this.#clock.now(), raw);
    const heldByOther = old.holderIdentity !== "" && old.holderIdentity !== this.identity;
    const durationMs = (old.leaseDurationSeconds || this.#leaseMs / 1000) * 1000;
    if (heldByOther && this.#observedAt + durationMs > this.#clock.now()) return false;
    if (old.holderIdentity === this.identity) {
      record.acquireTime = old.acquireTime || record.acquireTime;
      record.leaderTransitions = old.leaderTransitions;
    } else {
      record.leaderTransitions = old.leaderTransitions + 1;
    }
    await lock.update(record, signal);
    this.#observe(record, this.#clock.now());
    return true;
  }

  #observe(record: LeaderElectionRecord, at: number, raw = JSON.stringify(record)): void {
    this.#observed = record;
    this.#observedRaw = raw;
    this.#observedAt = at;
    if (record.holderIdentity && record.holderIdentity !== this.#reportedLeader) {
      this.#reportedLeader = record.holderIdentity;
      this.#c.onNewLeader?.(record.holderIdentity);
    }
  }

  /** Clears the holder so that another candidate need not wait for the lease to expire. */
  async #release(): Promise<void> {
    if (!this.#observed || this.#observed.holderIdentity !== this.identity) return;
    const now = this.#clock.now();
    const record: LeaderElectionRecord = {
      holderIdentity: "",
      leaseDurationSeconds: 1,
      acquireTime: formatMicroTime(now),
      renewTime: formatMicroTime(now),
      leaderTransitions: this.#observed.leaderTransitions,
    };
    try {
      await this.#c.lock.update(record, AbortSignal.timeout(5_000));
      this.#observe(record, now);
    } catch (err) {
      this.#log.warn(`cannot release ${this.#c.lock.describe()}: ${(err as Error).message}`);
    }
  }
}

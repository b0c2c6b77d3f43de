/**
 * The scheduling queue, after upstream's three queues: `active` (ready now; highest priority
 * first, then oldest), `backoff` (failed recently; 1 s doubling to 10 s per attempt) and
 * `unschedulable` (rejected; parked until a cluster change that could help — judged by which
 * plugins rejected the pod — or for at most 5 minutes).
 *
 * @module
 */
import type { Clock, Timer } from "../../kube/client/mod.ts";
import type { PodInfo } from "./pod_info.ts";

/** A pod waiting in the queue. */
export interface QueuedPod {
  info: PodInfo;
  /** Failed attempts so far. */
  attempts: number;
  /** When it entered the active queue (ms), for FIFO among equal priorities. */
  enqueuedAt: number;
  /** Move-events counter when it was last popped (see {@link SchedulingQueue.moveAll}). */
  poppedAtMove: number;
  /** Plugins that rejected it in its last attempt. */
  rejectedBy: ReadonlySet<string>;
  where: "active" | "backoff" | "unschedulable" | "popped";
  backoffUntil: number;
  unschedulableSince: number;
}

/** Kinds of cluster change, and which rejections each may cure. */
export type ClusterEvent =
  | "NodeAdd"
  | "NodeUpdate"
  | "AssignedPodAdd"
  | "AssignedPodUpdate"
  | "AssignedPodDelete"
  | "VolumeChange";

const CURES: Record<ClusterEvent, readonly string[] | "all"> = {
  NodeAdd: "all",
  NodeUpdate: "all",
  AssignedPodAdd: ["InterPodAffinity", "PodTopologySpread"],
  AssignedPodUpdate: ["InterPodAffinity", "PodTopologySpread"],
  AssignedPodDelete: [
    "NodeResourcesFit",
    "NodePorts",
    "InterPodAffinity",
    "PodTopologySpread",
    "DefaultPreemption",
  ],
  VolumeChange: ["VolumeBinding"],
};

const INITIAL_BACKOFF_MS = 1_000;
const MAX_BACKOFF_MS = 10_000;
const MAX_UNSCHEDULABLE_MS = 5 * 60_000;

function before(a: QueuedPod, b: QueuedPod): boolean {
  const pa = a.info.priority;
  const pb = b.info.priority;
  return pa !== pb ? pa > pb : a.enqueuedAt < b.enqueuedAt;
}

/** A binary heap of queued pods, with lazy removal. */
class Heap {
  #a: QueuedPod[] = [];

  get size(): number {
    return this.#a.length;
  }

  push(q: QueuedPod): void {
    const a = this.#a;
    a.push(q);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(a[i], a[p])) break;
      [a[i], a[p]] = [a[p], a[i]];
      i = p;
    }
  }

  pop(): QueuedPod | undefined {
    const a = this.#a;
    if (a.length === 0) return undefined;
    const top = a[0];
    const last = a.pop()!;
    if (a.length) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && before(a[l], a[m])) m = l;
        if (r < a.length && before(a[r], a[m])) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m], a[i]];
        i = m;
      }
    }
    return top;
  }
}

/** Pending pods by state. */
export class SchedulingQueue {
  readonly #clock: Clock;
  readonly #pods = new Map<string, QueuedPod>();
  /** Pods in backoff and parked as unschedulable: the only ones timers and events look at. */
  readonly #waiting = new Set<QueuedPod>();
  readonly #active = new Heap();
  #waiters: (() => void)[] = [];
  #moves = 0;
  #timer: Timer | null = null;
  #timerAt = 0;
  #closed = false;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  #place(q: QueuedPod, where: QueuedPod["where"]): void {
    q.where = where;
    if (where === "backoff" || where === "unschedulable") this.#waiting.add(q);
    else this.#waiting.delete(q);
  }

  /** Pods in each state. */
  counts(): Record<QueuedPod["where"], number> {
    const c = { active: 0, backoff: 0, unschedulable: 0, popped: 0 };
    for (const q of this.#pods.values()) c[q.where]++;
    return c;
  }

  has(key: string): boolean {
    return this.#pods.has(key);
  }

  get(key: string): QueuedPod | undefined {
    return this.#pods.get(key);
  }

  /** A new pending pod, or a new version of one (a spec change re-activates a parked pod). */
  add(info: PodInfo): void {
    const q = this.#pods.get(info.key);
    if (q) {
      q.info = info;
      if (q.where === "unschedulable") this.#activate(q);
      return;
    }
    const fresh: QueuedPod = {
      info,
      attempts: 0,
      enqueuedAt: this.#clock.now(),
      poppedAtMove: 0,
      rejectedBy: new Set(),
      where: "active",
      backoffUntil: 0,
      unschedulableSince: 0,
    };
    this.#pods.set(info.key, fresh);
    this.#pushActive(fresh);
  }

  /** Replaces the pod object of a queued pod without moving it (status-only changes). */
  refresh(info: PodInfo): void {
    const q = this.#pods.get(info.key);
    if (q) q.info = info;
  }

  /** The pod is gone, bound or no longer ours. */
  delete(key: string): void {
    const q = this.#pods.get(key);
    if (q) this.#waiting.delete(q);
    this.#pods.delete(key);
  }

  #pushActive(q: QueuedPod): void {
    this.#place(q, "active");
    this.#active.push(q);
    const w = this.#waiters.shift();
    w?.();
  }

  #activate(q: QueuedPod): void {
    if (q.backoffUntil > this.#clock.now()) {
      this.#place(q, "backoff");
      this.#arm(q.backoffUntil);
    } else this.#pushActive(q);
  }

  /** The next pod to schedule, without waiting. */
  tryPop(): QueuedPod | undefined {
    for (;;) {
      const q = this.#active.pop();
      if (!q) return undefined;
      // Entries deleted or moved since they were pushed are skipped.
      if (this.#pods.get(q.info.key) !== q || q.where !== "active") continue;
      this.#place(q, "popped");
      q.poppedAtMove = this.#moves;
      return q;
    }
  }

  /** The next pod to schedule, waiting for one; undefined once closed or aborted. */
  async pop(signal: AbortSignal): Promise<QueuedPod | undefined> {
    for (;;) {
      if (this.#closed || signal.aborted) return undefined;
      const q = this.tryPop();
      if (q) return q;
      await new Promise<void>((resolve) => {
        const done = () => {
          signal.removeEventListener("abort", done);
          resolve();
        };
        this.#waiters.push(done);
        signal.addEventListener("abort", done, { once: true });
      });
    }
  }

  /**
   * A popped pod no node fits: parked until a change that may help (by `rejectedBy`), unless
   * such a change already happened while it was being scheduled — then it only backs off.
   */
  unschedulable(q: QueuedPod, rejectedBy: ReadonlySet<string>): void {
    if (this.#pods.get(q.info.key) !== q) return;
    q.attempts++;
    q.rejectedBy = rejectedBy;
    q.backoffUntil = this.#clock.now() + this.#backoff(q.attempts);
    if (this.#moves > q.poppedAtMove) {
      this.#place(q, "backoff");
      this.#arm(q.backoffUntil);
    } else {
      this.#place(q, "unschedulable");
      q.unschedulableSince = this.#clock.now();
      this.#arm(q.unschedulableSince + MAX_UNSCHEDULABLE_MS);
    }
  }

  /** A popped pod whose attempt failed for another reason (binding): retried after backoff. */
  backoff(q: QueuedPod): void {
    if (this.#pods.get(q.info.key) !== q) return;
    q.attempts++;
    q.backoffUntil = this.#clock.now() + this.#backoff(q.attempts);
    this.#place(q, "backoff");
    this.#arm(q.backoffUntil);
  }

  #backoff(attempts: number): number {
    return Math.min(MAX_BACKOFF_MS, INITIAL_BACKOFF_MS * 2 ** (attempts - 1));
  }

  /** A cluster change: parked pods it may help go to backoff (or straight to active). */
  moveAll(event: ClusterEvent): void {
    this.#moves++;
    const cures = CURES[event];
    for (const q of [...this.#waiting]) {
      if (q.where !== "unschedulable") continue;
      if (cures !== "all" && ![...q.rejectedBy].some((p) => cures.includes(p))) continue;
      this.#activate(q);
    }
  }

  /** Moves due backoff pods and long-parked pods to active; re-arms its timer. */
  flush(): void {
    const now = this.#clock.now();
    for (const q of [...this.#waiting]) {
      if (q.where === "backoff" && q.backoffUntil <= now) this.#pushActive(q);
      else if (q.where === "unschedulable" && now - q.unschedulableSince >= MAX_UNSCHEDULABLE_MS) {
        this.#activate(q);
      }
    }
  }

  /** Makes sure a flush runs by `due` (the earliest time a waiting pod becomes ready). */
  #arm(due: number): void {
    if (this.#closed || (this.#timer && this.#timerAt <= due)) return;
    this.#timer?.cancel();
    this.#timerAt = due;
    this.#timer = this.#clock.after(Math.max(0, due - this.#clock.now()), () => {
      this.#timer = null;
      this.flush();
      let next = Infinity;
      for (const q of this.#waiting) {
        if (q.where === "backoff") next = Math.min(next, q.backoffUntil);
        else if (q.where === "unschedulable") {
          next = Math.min(next, q.unschedulableSince + MAX_UNSCHEDULABLE_MS);
        }
      }
      if (next < Infinity) this.#arm(next);
    });
  }

  /** Stops: waiting pops return undefined. */
  close(): void {
    this.#closed = true;
    this.#timer?.cancel();
    this.#timer = null;
    const w = this.#waiters;
    this.#waiters = [];
    for (const f of w) f();
  }
}

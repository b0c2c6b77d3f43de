/**
 * Gives memory back after a burst of work. V8 sizes its heap for the allocation rate it sees:
 * during a burst (a rollout, 10,000 writes, a relist) the heap grows to several times what is
 * live, and V8's own memory reducer shrinks it only many seconds after the process went quiet.
 * On a small edge machine that slack is memory the pods cannot have. The idle collector samples
 * the process once a second; when a busy period is followed by quiet seconds and the heap holds
 * much more than it did after the last collection, it runs one full collection, which compacts
 * the heap and returns the freed pages to the system; either way it then asks the C allocator to
 * return its free pages. A process that stays busy is never
 * interrupted, and a quiet one is collected once, not again until it has been busy.
 *
 * @module
 */
import process from "node:process";
import v8 from "node:v8";
import vm from "node:vm";

/** One sample: CPU used since the previous sample and the heap now. */
export interface IdleSample {
  /** CPU time (user + system) since the previous sample, in ms. */
  cpuMs: number;
  /** Wall time since the previous sample, in ms. */
  wallMs: number;
  /** Bytes the heap has reserved (`total_heap_size`). */
  heapTotal: number;
}

export interface IdlePolicy {
  /** A sample using more than this share of one core is busy. */
  busyShare: number;
  /** Collect only when the heap has grown at least this much since the last collection. */
  minGrowthBytes: number;
  /** Quiet samples in a row before collecting (a pause inside a burst is not the end of it). */
  quietSamples: number;
}

export const DEFAULT_IDLE_POLICY: IdlePolicy = {
  busyShare: 0.1,
  minGrowthBytes: 24 << 20,
  quietSamples: 2,
};

/** What to do after a sample: nothing, return the C heap's free pages, or also collect V8's. */
export type IdleAction = "collect" | "trim" | null;

/** The decision, as a state machine over samples (no clock, no V8): easy to test. */
export class IdleCollectorState {
  /** Starting counts as busy: the start leaves the most garbage behind. */
  #busy = true;
  #quiet = 0;
  #heapAfterCollect: number;

  constructor(heapAtStart: number, readonly policy: IdlePolicy = DEFAULT_IDLE_POLICY) {
    this.#heapAfterCollect = heapAtStart;
  }

  /**
   * What to do now: once quiet after being busy, a full collection when the heap grew enough
   * since the last one, else only a trim of the C heap.
   */
  sample(s: IdleSample): IdleAction {
    const busy = s.wallMs > 0 && s.cpuMs / s.wallMs > this.policy.busyShare;
    if (busy) {
      this.#busy = true;
      this.#quiet = 0;
      return null;
    }
    this.#quiet++;
    if (!this.#busy || this.#quiet < this.policy.quietSamples) return null;
    this.#busy = false;
    return s.heapTotal - this.#heapAfterCollect >= this.policy.minGrowthBytes ? "collect" : "trim";
  }

  /** Records the heap size a collection left. */
  collected(heapTotal: number): void {
    this.#heapAfterCollect = heapTotal;
  }
}

/** V8's full collection, made callable at run time; null where the runtime refuses. */
export function fullCollection(): (() => void) | null {
  try {
    v8.setFlagsFromString("--expose-gc");
    const gc = vm.runInNewContext("gc");
    return typeof gc === "function" ? gc as () => void : null;
  } catch {
    return null;
  }
}

/**
 * glibc's `malloc_trim(0)`, which hands the free pages inside the C heap back to the system;
 * null where there is no glibc or no FFI permission. The runtime's native allocations (TLS and
 * HTTP buffers, SQLite, compiler zones) leave the C heap fragmented after a burst, and glibc
 * returns only its top on its own: after 3,000 + 3,000 pods the C heap held 168 MB.
 */
export function nativeTrim(): (() => number) | null {
  const deno = (globalThis as { Deno?: typeof Deno }).Deno;
  if (deno?.build.os !== "linux" || typeof deno.dlopen !== "function") return null;
  try {
    const libc = deno.dlopen(
      "libc.so.6",
      {
        malloc_trim: { parameters: ["usize"], result: "i32" },
      } as const,
    );
    return () => libc.symbols.malloc_trim(0n);
  } catch {
    return null;
  }
}

/** Starts the idle collector for this process (`k3s server`, `k3s agent`); returns its stop. */
export function startIdleCollector(policy: IdlePolicy = DEFAULT_IDLE_POLICY): () => void {
  const gc = fullCollection();
  const trim = nativeTrim();
  if (!gc) return () => {};
  const heap = () => v8.getHeapStatistics().total_heap_size;
  const state = new IdleCollectorState(heap(), policy);
  let cpu = process.cpuUsage();
  let at = performance.now();
  const timer = setInterval(() => {
    const nowCpu = process.cpuUsage();
    const now = performance.now();
    const cpuMs = (nowCpu.user - cpu.user + nowCpu.system - cpu.system) / 1000;
    const wallMs = now - at;
    const action = state.sample({ cpuMs, wallMs, heapTotal: heap() });
    if (action) {
      if (action === "collect") {
        gc();
        state.collected(heap());
      }
      trim?.();
      // The collection's own CPU must not count as work.
      cpu = process.cpuUsage();
      at = performance.now();
      return;
    }
    cpu = nowCpu;
    at = now;
  }, 1_000);
  // Never keeps the process alive by itself.
  (timer as unknown as { unref?: () => void }).unref?.();
  return () => clearInterval(timer);
}

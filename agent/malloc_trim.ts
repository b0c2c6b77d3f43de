/**
 * Gives freed native memory back to the system. Deno's Rust side (TLS and HTTP/2 to the API
 * server and containerd, file reads, child processes) allocates with glibc's malloc, which keeps
 * what is freed in its arenas: after the agent starts, or after a burst of pods, some 20 MB of
 * the agent's RSS is memory malloc holds free. `malloc_trim(0)` returns it.
 *
 * The trimmer samples the process's CPU every `everyMs`; the first quiet sample (at most
 * `busyShare` of a core) after busy ones trims once, so a quiet agent is trimmed once, not again
 * until it has worked. It does nothing where there is no glibc `malloc_trim` or no FFI permission.
 *
 * @module
 */
import process from "node:process";

export interface TrimPolicy {
  /** A sample using more than this share of one core is busy. */
  busyShare: number;
  everyMs: number;
}

export const DEFAULT_TRIM_POLICY: TrimPolicy = { busyShare: 0.1, everyMs: 5_000 };

/** When to trim, over CPU samples (no clock, no FFI): busy, then quiet. */
export class TrimState {
  /** Starting counts as busy: the start is what leaves the most behind. */
  #busy = true;

  constructor(readonly policy: TrimPolicy = DEFAULT_TRIM_POLICY) {}

  /** Whether to trim now, after a sample that used `cpuMs` of CPU in `wallMs`. */
  sample(cpuMs: number, wallMs: number): boolean {
    if (wallMs > 0 && cpuMs / wallMs > this.policy.busyShare) {
      this.#busy = true;
      return false;
    }
    const trim = this.#busy;
    this.#busy = false;
    return trim;
  }
}

/** glibc's `malloc_trim(0)`, or null where it cannot be called. */
export function mallocTrim(): (() => void) | null {
  try {
    if (Deno.build.os !== "linux") return null;
    if (Deno.permissions.querySync({ name: "ffi" }).state !== "granted") return null;
    const libc = Deno.dlopen("libc.so.6", {
      malloc_trim: { parameters: ["usize"], result: "i32" },
    });
    return () => void libc.symbols.malloc_trim(0n);
  } catch {
    return null;
  }
}

/** Starts trimming this process after its busy periods; returns its stop. */
export function startMallocTrim(policy: TrimPolicy = DEFAULT_TRIM_POLICY): () => void {
  const trim = mallocTrim();
  if (!trim) return () => {};
  const state = new TrimState(policy);
  let cpu = process.cpuUsage();
  let at = performance.now();
  const timer = setInterval(() => {
    const nowCpu = process.cpuUsage();
    const now = performance.now();
    const cpuMs = (nowCpu.user - cpu.user + nowCpu.system - cpu.system) / 1000;
    if (state.sample(cpuMs, now - at)) trim();
    // The trim's own CPU does not count as work.
    cpu = process.cpuUsage();
    at = performance.now();
  }, policy.everyMs);
  Deno.unrefTimer(timer);
  return () => clearInterval(timer);
}

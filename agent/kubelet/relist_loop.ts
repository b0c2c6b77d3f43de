/**
 * When the kubelet relists the runtime (upstream's PLEG). Without an event stream, every
 * `intervalMs` (1 s, upstream's generic PLEG). With one (containerd's event service, see
 * `cri/containerd_events.ts`), right after a container starts, exits or goes away, at most once
 * per `intervalMs`, and every `safetyMs` (10 s) besides, in case an event was missed: an idle
 * node with many pods then asks the runtime for its lists a tenth as often, and an exit is seen
 * at once instead of within a second.
 *
 * A new subscription counts once it has stood for `settleMs` (the runtime has it by then); until
 * then, and whenever the stream is down, relists run every `intervalMs`. A broken stream is
 * asked for again after `retryMs`; a runtime without one (`UNIMPLEMENTED`) is not asked again.
 *
 * @module
 */
import type { Clock } from "../../kube/client/clock.ts";
import type { Logger } from "../../kube/client/log.ts";
import type { RuntimeEvents } from "../../cri/service.ts";

export interface RelistLoopOptions {
  relist: () => Promise<void>;
  events?: RuntimeEvents;
  clock: Clock;
  log: Logger;
  intervalMs?: number;
  safetyMs?: number;
  settleMs?: number;
  retryMs?: number;
}

export class RelistLoop {
  readonly #o: RelistLoopOptions;
  /** When the current subscription began (undefined: none stands). */
  #subscribedAt: number | undefined;
  /** A change the next relist must look at. */
  #pending = false;
  #wake: (() => void) | undefined;

  constructor(options: RelistLoopOptions) {
    this.#o = options;
  }

  get #intervalMs(): number {
    return this.#o.intervalMs ?? 1000;
  }

  /** True while relists follow the runtime's events. */
  get evented(): boolean {
    const since = this.#subscribedAt;
    return since !== undefined && this.#o.clock.now() - since >= (this.#o.settleMs ?? 2000);
  }

  /** Asks for a relist as soon as the interval allows. */
  poke(): void {
    this.#pending = true;
    this.#wake?.();
  }

  /** Relists, and follows the runtime's events, until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    await Promise.all([this.#relists(signal), this.#follow(signal)]);
  }

  async #relists(signal: AbortSignal): Promise<void> {
    const { clock } = this.#o;
    while (!signal.aborted) {
      const began = clock.now();
      this.#pending = false;
      try {
        await this.#o.relist();
      } catch (error) {
        if (!signal.aborted) {
          this.#o.log.warn(`Cannot relist the runtime: ${(error as Error).message}`);
        }
      }
      await clock.sleep(Math.max(0, began + this.#intervalMs - clock.now()), signal);
      // Evented: wait for an event, the safety relist, or the stream going down.
      while (!signal.aborted && !this.#pending && this.evented) {
        const left = began + (this.#o.safetyMs ?? 10_000) - clock.now();
        if (left <= 0) break;
        const woken = new AbortController();
        const wake = () => woken.abort();
        this.#wake = wake;
        signal.addEventListener("abort", wake, { once: true });
        await clock.sleep(left, woken.signal);
        signal.removeEventListener("abort", wake);
        this.#wake = undefined;
      }
    }
  }

  async #follow(signal: AbortSignal): Promise<void> {
    const { events, clock, log } = this.#o;
    if (!events) return;
    while (!signal.aborted) {
      this.#subscribedAt = clock.now();
      try {
        await events.watchEvents(() => this.poke(), signal);
      } catch (error) {
        if ((error as { code?: string }).code === "UNIMPLEMENTED") {
          log.info("The container runtime has no event stream: relisting it every second");
          return;
        }
        if (!signal.aborted) {
          log.debug(`The runtime's event stream broke: ${(error as Error).message}`);
        }
      } finally {
        this.#subscribedAt = undefined;
        // What happened while the stream was down is found by relisting.
        this.poke();
      }
      await clock.sleep(this.#o.retryMs ?? 1000, signal);
    }
  }
}

/**
 * {@link EventRecorder}: writes core/v1 Events about objects, as client-go's event recorder does
 * for components (`FailedScheduling` from `default-scheduler`, …). A repeat of the same event
 * (same object, type, reason and message) bumps `count` and `lastTimestamp` of the first one
 * instead of writing a new object. Writes run in the background, a few at a time so that they
 * yield to the component's real work; when 1,000 wait, new ones are dropped (as client-go's
 * broadcaster drops them); failures are logged.
 *
 * @module
 */
import { formatTime, type KubeObject } from "../meta.ts";
import type { KubeClient } from "./client.ts";
import { type Clock, realClock } from "./clock.ts";
import { isNotFound } from "./errors.ts";
import { type Logger, silentLogger } from "./log.ts";
import { apiVersionOf, EVENTS, type Resource } from "./resources.ts";
import type { CoreEvent, ObjectReference } from "./types.ts";

/** The reference an event names: the object's kind, apiVersion, namespace, name and uid. */
export function objectReference(res: Resource, obj: KubeObject): ObjectReference {
  return {
    kind: res.kind,
    apiVersion: apiVersionOf(res),
    namespace: obj.metadata.namespace,
    name: obj.metadata.name,
    uid: obj.metadata.uid,
    resourceVersion: obj.metadata.resourceVersion,
  };
}

/** Options of {@linkcode EventRecorder}. */
export interface EventRecorderOptions {
  client: KubeClient;
  /** `source.component` and `reportingComponent`, e.g. `default-scheduler`. */
  component: string;
  /** `source.host`, for node components. */
  host?: string;
  clock?: Clock;
  log?: Logger;
  /** Writes in flight at most (default 4): events yield to the component's real work. */
  maxConcurrent?: number;
  /** Events waiting to be written at most (default 1000); more are dropped and counted. */
  maxQueued?: number;
}

interface Pending {
  ref: ObjectReference;
  type: string;
  reason: string;
  message: string;
  at: number;
}

interface Seen {
  namespace: string;
  name: string;
  count: number;
}

const MAX_REMEMBERED = 4096;

/** Records events for one component. */
export class EventRecorder {
  readonly #o: EventRecorderOptions;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #seen = new Map<string, Seen>();
  #queue: Pending[] = [];
  #active = 0;
  #idle: (() => void)[] = [];
  #dropped = 0;

  constructor(options: EventRecorderOptions) {
    this.#o = options;
    this.#clock = options.clock ?? realClock;
    this.#log = options.log ?? silentLogger;
  }

  /** Events dropped because the queue was full. */
  get dropped(): number {
    return this.#dropped;
  }

  /** Records an event about `ref`; it is written in the background. */
  event(ref: ObjectReference, type: "Normal" | "Warning", reason: string, message: string): void {
    if (this.#queue.length >= (this.#o.maxQueued ?? 1000)) {
      this.#dropped++;
      return;
    }
    this.#queue.push({ ref, type, reason, message, at: this.#clock.now() });
    this.#pump();
  }

  #pump(): void {
    while (this.#active < (this.#o.maxConcurrent ?? 4) && this.#queue.length) {
      const e = this.#queue.shift()!;
      this.#active++;
      this.#write(e)
        .catch((err) =>
          this.#log.warn(
            `cannot record event ${e.reason} for ${e.ref.kind} ${
              e.ref.namespace ?? ""
            }/${e.ref.name}: ${(err as Error).message}`,
          )
        )
        .finally(() => {
          this.#active--;
          this.#pump();
          if (this.#active === 0 && this.#queue.length === 0) {
            const idle = this.#idle;
            this.#idle = [];
            for (const f of idle) f();
          }
        });
    }
  }

  /** Resolves when every event recorded so far has been written (or has failed). */
  flush(): Promise<void> {
    if (this.#active === 0 && this.#queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  async #write({ ref, type, reason, message, at: now }: Pending): Promise<void> {
    const client = this.#o.client;
    const key = [ref.uid ?? `${ref.namespace}/${ref.name}`, type, reason, message].join("\u0000");
    const seen = this.#seen.get(key);
    if (seen) {
      seen.count++;
      try {
        await client.patch(
          EVENTS,
          seen.name,
          {
            count: seen.count,
            lastTimestamp: formatTime(now),
          },
          "merge",
          { namespace: seen.namespace },
        );
        return;
      } catch (err) {
        if (!isNotFound(err)) throw err;
        this.#seen.delete(key);
      }
    }
    const namespace = ref.namespace || "default";
    const name = `${ref.name}.${(BigInt(now) * 1_000_000n).toString(16)}`;
    const event: CoreEvent = {
      metadata: { name, namespace },
      involvedObject: ref,
      reason,
      message,
      type,
      count: 1,
      firstTimestamp: formatTime(now),
      lastTimestamp: formatTime(now),
      eventTime: null,
      source: { component: this.#o.component, ...(this.#o.host ? { host: this.#o.host } : {}) },
      reportingComponent: this.#o.component,
      reportingInstance: this.#o.host ?? "",
    };
    const created = await client.create(EVENTS, event);
    if (this.#seen.size >= MAX_REMEMBERED) {
      this.#seen.delete(this.#seen.keys().next().value!);
    }
    this.#seen.set(key, { namespace, name: created.metadata.name ?? name, count: 1 });
  }
}

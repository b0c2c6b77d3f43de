/**
 * {@link EventRecorder}: writes core/v1 Events about objects, as client-go's event recorder does
 * for components (`FailedScheduling` from `default-scheduler`, …). A repeat of the same event
 * (same object, type, reason and message) bumps `count` and `lastTimestamp` of the first one
 * instead of writing a new object. Writes run in the background; failures are logged.
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
  /** Events written at once at most; more are dropped (and counted) rather than queued. */
  maxInFlight?: number;
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
  readonly #pending = new Set<Promise<void>>();
  #dropped = 0;

  constructor(options: EventRecorderOptions) {
    this.#o = options;
    this.#clock = options.clock ?? realClock;
    this.#log = options.log ?? silentLogger;
  }

  /** Events dropped because too many writes were in flight. */
  get dropped(): number {
    return this.#dropped;
  }

  /** Records an event about `ref` in the background. */
  event(ref: ObjectReference, type: "Normal" | "Warning", reason: string, message: string): void {
    if (this.#pending.size >= (this.#o.maxInFlight ?? 256)) {
      this.#dropped++;
      return;
    }
    const p = this.#write(ref, type, reason, message)
      .catch((err) =>
        this.#log.warn(
          `cannot record event ${reason} for ${ref.kind} ${ref.namespace ?? ""}/${ref.name}: ${
            (err as Error).message
          }`,
        )
      )
      .finally(() => this.#pending.delete(p));
    this.#pending.add(p);
  }

  /** Resolves when every event recorded so far has been written (or has failed). */
  async flush(): Promise<void> {
    while (this.#pending.size) await Promise.all([...this.#pending]);
  }

  async #write(ref: ObjectReference, type: string, reason: string, message: string) {
    const client = this.#o.client;
    const key = [ref.uid ?? `${ref.namespace}/${ref.name}`, type, reason, message].join("\u0000");
    const now = this.#clock.now();
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

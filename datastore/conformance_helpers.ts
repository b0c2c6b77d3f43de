/**
 * Helpers for the datastore conformance suite: text values, unique key prefixes and reading a
 * watch with a deadline.
 *
 * @module
 */
import type { Backend, Watch, WatchEvent } from "./backend.ts";

/** Opens a started backend; each case closes it. Stores may be shared between cases. */
export type BackendFactory = () => Promise<Backend>;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export const bytes = (text: string): Uint8Array => encoder.encode(text);
export const text = (value: Uint8Array | undefined): string | undefined =>
  value === undefined ? undefined : decoder.decode(value);

/** A prefix no other case uses, so cases can share one store. */
export function uniquePrefix(): string {
  return `/conformance/${crypto.randomUUID()}/`;
}

/** Runs `body` with a fresh backend and closes it afterwards, also on failure. */
export async function withBackend(
  open: BackendFactory,
  body: (backend: Backend, prefix: string) => Promise<void>,
): Promise<void> {
  const backend = await open();
  try {
    await body(backend, uniquePrefix());
  } finally {
    await backend.close();
  }
}

/** A compact view of an event for assertions: type, key suffix, revision, value, previous value. */
export function describe(event: WatchEvent, prefix: string) {
  return {
    type: event.type,
    key: event.kv.key.slice(prefix.length),
    revision: event.kv.modRevision,
    value: text(event.kv.value),
    prev: text(event.prevKv?.value),
  };
}

/**
 * Reads events from `watch` until `count` have arrived; fails after `timeoutMs` listing what came.
 * Leaves the watch open (the caller's signal or close ends it).
 */
export async function take(watch: Watch, count: number, timeoutMs = 10_000): Promise<WatchEvent[]> {
  const events: WatchEvent[] = [];
  const iterator = watch[Symbol.asyncIterator]();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const seen = events.map((event) => `${event.type} ${event.kv.key}@${event.kv.modRevision}`);
      reject(
        new Error(`Timed out after ${count} events, got ${events.length}: ${seen.join(", ")}`),
      );
    }, timeoutMs);
  });
  try {
    while (events.length < count) {
      const next = await Promise.race([iterator.next(), deadline]);
      if (next.done) throw new Error(`The watch ended after ${events.length} of ${count} events`);
      events.push(...next.value);
    }
  } finally {
    clearTimeout(timer);
  }
  return events;
}

/** The first result of iterating `watch`: its first batch, its end, or the error it throws. */
export async function firstOutcome(
  watch: Watch,
  timeoutMs = 10_000,
): Promise<{ events?: WatchEvent[]; done?: true; error?: unknown }> {
  const iterator = watch[Symbol.asyncIterator]();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error("Timed out waiting for the watch")), timeoutMs);
  });
  try {
    const next = await Promise.race([iterator.next(), deadline]);
    return next.done ? { done: true } : { events: next.value };
  } catch (error) {
    if (error instanceof Error && error.message === "Timed out waiting for the watch") throw error;
    return { error };
  } finally {
    clearTimeout(timer);
  }
}

/** Polls `check` until it returns true; fails with `what` after `timeoutMs`. */
export async function eventually(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

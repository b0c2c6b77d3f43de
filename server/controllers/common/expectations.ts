/**
 * {@link Expectations}: upstream's ControllerExpectations. A controller that just asked for N
 * creations (or deletions) under a key waits until its informer has seen them before it counts
 * again, so that a stale cache never makes it create the same pods twice. Expectations expire
 * after five minutes, so that a lost watch event cannot wedge a controller.
 *
 * @module
 */
import type { Clock } from "../../../kube/client/mod.ts";

/** How long an unmet expectation holds a key (upstream's ExpectationsTimeout). */
export const EXPECTATIONS_TTL_MS = 5 * 60_000;

interface Entry {
  adds: number;
  /** Keys (`namespace/name`) of the objects whose deletion is awaited. */
  dels: Set<string>;
  at: number;
}

/** Pending creations and deletions per controller key. */
export class Expectations {
  readonly #entries = new Map<string, Entry>();
  readonly #clock: Clock;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** True when nothing is awaited under `key` (or what was awaited expired). */
  satisfied(key: string): boolean {
    const e = this.#entries.get(key);
    if (!e) return true;
    if (e.adds <= 0 && e.dels.size === 0) return true;
    return this.#clock.now() - e.at > EXPECTATIONS_TTL_MS;
  }

  /** Awaits `count` creations under `key` (replacing what was awaited before). */
  expectCreations(key: string, count: number): void {
    this.expect(key, count, []);
  }

  /** Awaits the deletion of the objects named by `objectKeys`. */
  expectDeletions(key: string, objectKeys: readonly string[]): void {
    this.expect(key, 0, objectKeys);
  }

  /** Awaits `adds` creations and the deletion of `objectKeys` at once. */
  expect(key: string, adds: number, objectKeys: readonly string[]): void {
    this.#entries.set(key, { adds, dels: new Set(objectKeys), at: this.#clock.now() });
  }

  /** A creation was seen (or will never be: the create failed). */
  creationObserved(key: string): void {
    const e = this.#entries.get(key);
    if (e && e.adds > 0) e.adds--;
  }

  /** The deletion of `objectKey` was seen (or failed). */
  deletionObserved(key: string, objectKey: string): void {
    this.#entries.get(key)?.dels.delete(objectKey);
  }

  /** Forgets `key` (its controller object is gone). */
  delete(key: string): void {
    this.#entries.delete(key);
  }
}

import assert from "node:assert/strict";
import { FakeClock } from "./clock.ts";
import { type LeaderElectionRecord, LeaderElector, type ResourceLock } from "./leader_election.ts";

/** One stored record with a version; each candidate's lock updates over what it last read. */
class Store {
  record: LeaderElectionRecord | null = null;
  version = 0;
}

class FakeLock implements ResourceLock {
  #read = -1;
  broken = false;
  constructor(readonly store: Store) {}
  describe() {
    return "kube-system/test";
  }
  get() {
    if (this.broken) return Promise.reject(new Error("connection refused"));
    this.#read = this.store.version;
    return Promise.resolve(this.store.record && { ...this.store.record });
  }
  create(r: LeaderElectionRecord) {
    if (this.store.record) return Promise.reject(new Error("already exists"));
    this.store.record = { ...r };
    this.store.version++;
    this.#read = this.store.version;
    return Promise.resolve();
  }
  update(r: LeaderElectionRecord) {
    if (this.broken) return Promise.reject(new Error("connection refused"));
    if (this.#read !== this.store.version) return Promise.reject(new Error("conflict"));
    this.store.record = { ...r };
    this.store.version++;
    this.#read = this.store.version;
    return Promise.resolve();
  }
}

function candidate(
  identity: string,
  lock: ResourceLock,
  clock: FakeClock,
  extra: { releaseOnCancel?: boolean } = {},
) {
  const log: string[] = [];
  let leading: AbortSignal | null = null;
  const elector = new LeaderElector({
    lock,
    identity,
    clock,
    releaseOnCancel: extra.releaseOnCancel,
    onStartedLeading: (signal) => {
      leading = signal;
      log.push("started");
    },
    onStoppedLeading: () => log.push("stopped"),
  });
  const ac = new AbortController();
  const done = elector.run(ac.signal);
  return { elector, log, ac, done, leadingSignal: () => leading };
}

Deno.test("LeaderElector takes a free lease and renews it every retry period", async () => {
  const clock = new FakeClock();
  const store = new Store();
  const a = candidate("a", new FakeLock(store), clock);
  await clock.advance(0);
  assert.equal(a.elector.isLeader(), true);
  assert.deepEqual(a.log, ["started"]);
  assert.equal(store.record?.holderIdentity, "a");
  assert.equal(store.record?.leaseDurationSeconds, 15);
  const first = store.record!.renewTime;
  await clock.advance(2_000);
  assert.notEqual(store.record!.renewTime, first);
  assert.equal(
    store.record!.acquireTime,
    new Date(clock.now() - 2_000).toISOString().slice(0, -1) + "000Z",
  );
  a.ac.abort();
  await a.done;
});

Deno.test("LeaderElector waits out a live holder and takes over once it stops renewing", async () => {
  const clock = new FakeClock();
  const store = new Store();
  const aLock = new FakeLock(store);
  const a = candidate("a", aLock, clock, { releaseOnCancel: false });
  await clock.advance(0);
  const b = candidate("b", new FakeLock(store), clock);
  await clock.advance(30_000);
  assert.equal(b.elector.isLeader(), false, "a keeps renewing");
  assert.equal(b.elector.leader, "a");
  // a's process dies without releasing.
  a.ac.abort();
  await a.done;
  const diedAt = clock.now();
  await clock.advance(12_000);
  assert.equal(b.elector.isLeader(), false, "the lease has not expired yet");
  await clock.advance(10_000);
  assert.equal(b.elector.isLeader(), true);
  assert.equal(store.record?.holderIdentity, "b");
  assert.equal(store.record?.leaderTransitions, 1);
  assert.ok(clock.now() - diedAt >= 15_000);
  b.ac.abort();
  await b.done;
});

Deno.test("LeaderElector steps down when it cannot renew within the renew deadline", async () => {
  const clock = new FakeClock();
  const store = new Store();
  const lock = new FakeLock(store);
  const a = candidate("a", lock, clock);
  await clock.advance(0);
  const leading = a.leadingSignal()!;
  lock.broken = true;
  await clock.advance(9_000);
  assert.equal(a.elector.isLeader(), true, "still inside the renew deadline");
  await clock.advance(3_000);
  assert.equal(a.elector.isLeader(), false);
  assert.equal(leading.aborted, true);
  assert.deepEqual(a.log, ["started", "stopped"]);
  lock.broken = false;
  await clock.advance(5_000);
  assert.equal(a.elector.isLeader(), true, "campaigns again and wins its own unexpired lease");
  a.ac.abort();
  await a.done;
});

Deno.test("LeaderElector releases the lease when stopped, so the next candidate need not wait", async () => {
  const clock = new FakeClock();
  const store = new Store();
  const a = candidate("a", new FakeLock(store), clock);
  await clock.advance(0);
  const b = candidate("b", new FakeLock(store), clock);
  await clock.advance(1_000);
  a.ac.abort();
  await a.done;
  assert.equal(store.record?.holderIdentity, "");
  await clock.advance(5_000);
  assert.equal(b.elector.isLeader(), true);
  b.ac.abort();
  await b.done;
});

Deno.test("LeaderElector rejects inconsistent timings", () => {
  const lock = new FakeLock(new Store());
  assert.throws(
    () =>
      new LeaderElector({
        lock,
        leaseDurationMs: 5_000,
        renewDeadlineMs: 5_000,
        onStartedLeading() {},
      }),
    /leaseDuration must be greater than renewDeadline/,
  );
});

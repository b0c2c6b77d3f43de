import assert from "node:assert/strict";
import { computePodActions, type ProbeVerdict } from "./actions.ts";
import { ctr, runtimePod, sandbox, testPod } from "./testing.ts";
import type { Container } from "../../kube/client/types.ts";

const healthy: ProbeVerdict = { livenessFailed: false, startupFailed: false, started: true };
const noBackoff = () => 0;

function actions(pod = testPod(), rt = runtimePod([], []), extra: {
  probes?: (id: string) => ProbeVerdict;
  backoff?: (name: string, at: number) => number;
} = {}) {
  return computePodActions({
    pod,
    runtime: rt,
    probes: extra.probes ?? (() => healthy),
    backoffRemaining: extra.backoff ?? noBackoff,
  });
}

const names = (a: ReturnType<typeof actions>) =>
  a.start.map((s) => `${s.init ? "init:" : ""}${s.container.name}#${s.restartCount}`);

Deno.test("computePodActions() creates the sandbox and starts the containers of a new pod", () => {
  const pod = testPod({ containers: [{ name: "a" }, { name: "b" }] });
  const a = actions(pod);
  assert.equal(a.createSandbox, true);
  assert.equal(a.killPod, false);
  assert.equal(a.sandboxAttempt, 0);
  assert.deepEqual(names(a), ["a#0", "b#0"]);
});

Deno.test("computePodActions() runs init containers one at a time, then the containers", () => {
  const init: Container[] = [{ name: "i1" }, { name: "i2" }];
  const pod = testPod({ initContainers: init, containers: [{ name: "c" }] });
  assert.deepEqual(names(actions(pod)), ["init:i1#0"]);
  const running = runtimePod([sandbox()], [ctr(init[0])]);
  assert.deepEqual(names(actions(pod, running)), [], "waits for i1");
  const i1Done = runtimePod([sandbox()], [
    ctr(init[0], { state: "CONTAINER_EXITED", exitCode: 0 }),
  ]);
  assert.deepEqual(names(actions(pod, i1Done)), ["init:i2#0"]);
  const bothDone = runtimePod([sandbox()], [
    ctr(init[1], { state: "CONTAINER_EXITED", exitCode: 0, createdAt: 3000 }),
    ctr(init[0], { state: "CONTAINER_EXITED", exitCode: 0 }),
  ]);
  assert.deepEqual(names(actions(pod, bothDone)), ["c#0"]);
});

Deno.test("computePodActions() starts the containers once a sidecar has started", () => {
  const sidecar: Container = { name: "side", restartPolicy: "Always" };
  const pod = testPod({ initContainers: [sidecar], containers: [{ name: "c" }] });
  const rt = runtimePod([sandbox()], [ctr(sidecar)]);
  const notStarted = { ...healthy, started: false };
  assert.deepEqual(names(actions(pod, rt, { probes: () => notStarted })), []);
  assert.deepEqual(names(actions(pod, rt)), ["c#0"]);
});

Deno.test("computePodActions() fails a Never pod whose init container failed", () => {
  const init: Container = { name: "i" };
  const pod = testPod({ restartPolicy: "Never", initContainers: [init] });
  const rt = runtimePod([sandbox()], [ctr(init, { state: "CONTAINER_EXITED", exitCode: 1 })]);
  const a = actions(pod, rt);
  assert.match(a.podFailed ?? "", /Init container i failed with exit code 1/);
  assert.equal(a.killPod, true);
});

Deno.test("computePodActions() restarts an exited container after its backoff, and waits during it", () => {
  const c: Container = { name: "c" };
  const pod = testPod({ containers: [c] });
  const rt = runtimePod([sandbox()], [
    ctr(c, { state: "CONTAINER_EXITED", exitCode: 3, finishedAt: 5000, restartCount: 2 }),
  ]);
  const waiting = actions(pod, rt, { backoff: () => 7000 });
  assert.deepEqual(waiting.start, []);
  assert.deepEqual(waiting.backoff, [{ name: "c", init: false, remainingMs: 7000 }]);
  const going = actions(pod, rt);
  assert.deepEqual(names(going), ["c#3"]);
  assert.equal(going.start[0].restartOf, 5000);
});

Deno.test("computePodActions() follows the restart policy for exited containers", () => {
  const c: Container = { name: "c" };
  const ok = runtimePod([sandbox()], [ctr(c, { state: "CONTAINER_EXITED", exitCode: 0 })]);
  const failed = runtimePod([sandbox()], [ctr(c, { state: "CONTAINER_EXITED", exitCode: 1 })]);
  assert.deepEqual(
    names(actions(testPod({ containers: [c], restartPolicy: "OnFailure" }), failed)),
    ["c#1"],
  );
  const done = actions(testPod({ containers: [c], restartPolicy: "OnFailure" }), ok);
  assert.deepEqual(done.start, []);
  assert.equal(done.killPod, true, "a finished pod's sandbox is stopped");
  assert.deepEqual(actions(testPod({ containers: [c], restartPolicy: "Never" }), failed).start, []);
  assert.deepEqual(names(actions(testPod({ containers: [c] }), ok)), ["c#1"], "Always restarts");
});

Deno.test("computePodActions() kills and restarts a container failing its liveness probe or whose spec changed", () => {
  const c: Container = { name: "c", image: "busybox:test" };
  const pod = testPod({ containers: [c] });
  const rt = runtimePod([sandbox()], [ctr(c, { restartCount: 1 })]);
  const live = actions(pod, rt, { probes: () => ({ ...healthy, livenessFailed: true }) });
  assert.equal(live.kill[0].id, "c-1");
  assert.match(live.kill[0].message, /failed liveness probe, will be restarted/);
  assert.deepEqual(names(live), ["c#2"]);
  const changed = actions(testPod({ containers: [{ ...c, image: "busybox:other" }] }), rt);
  assert.match(changed.kill[0].message, /definition changed/);
});

Deno.test("computePodActions() backs off restarts after repeated liveness kills", () => {
  const c: Container = { name: "c" };
  const pod = testPod({ containers: [c] });
  const rt = runtimePod([sandbox()], [
    ctr(c, { id: "c2", restartCount: 1, createdAt: 3000 }),
    ctr(c, { id: "c1", state: "CONTAINER_EXITED", finishedAt: 2500 }),
  ]);
  const failing = () => ({ ...healthy, livenessFailed: true });
  const waiting = actions(pod, rt, { probes: failing, backoff: () => 5000 });
  assert.equal(waiting.kill[0].id, "c2");
  assert.deepEqual(waiting.start, []);
  assert.deepEqual(waiting.backoff, [{ name: "c", init: false, remainingMs: 5000 }]);
  const going = actions(pod, rt, { probes: failing });
  assert.deepEqual(names(going), ["c#2"]);
  assert.equal(going.start[0].restartOf, 2500);
});

Deno.test("computePodActions() replaces a sandbox that died, but not for a Never pod that ran", () => {
  const c: Container = { name: "c" };
  const dead = runtimePod([sandbox({ state: "SANDBOX_NOTREADY", attempt: 2 })], [
    ctr(c, { state: "CONTAINER_EXITED", exitCode: 137 }),
  ]);
  const a = actions(testPod({ containers: [c] }), dead);
  assert.equal(a.killPod, true);
  assert.equal(a.createSandbox, true);
  assert.equal(a.sandboxAttempt, 3);
  assert.deepEqual(names(a), ["c#1"]);
  const never = actions(testPod({ containers: [c], restartPolicy: "Never" }), dead);
  assert.equal(never.createSandbox, false);
  assert.equal(never.killPod, true);
});

Deno.test("computePodActions() leaves a healthy running pod alone", () => {
  const c: Container = { name: "c" };
  const a = actions(testPod({ containers: [c] }), runtimePod([sandbox()], [ctr(c)]));
  assert.deepEqual({ ...a, sandbox: undefined }, {
    killPod: false,
    createSandbox: false,
    sandboxAttempt: 0,
    sandbox: undefined,
    start: [],
    kill: [],
    backoff: [],
  });
});

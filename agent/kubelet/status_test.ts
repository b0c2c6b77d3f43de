import assert from "node:assert/strict";
import type { Container } from "../../kube/client/types.ts";
import { computePodStatus, podPhase, type StatusInputs, type WaitingReason } from "./status.ts";
import { ctr, runtimePod, sandbox, testPod } from "./testing.ts";

const NOW = Date.UTC(2026, 0, 1, 12, 0, 0);

function status(overrides: Partial<StatusInputs>) {
  return computePodStatus({
    pod: testPod(),
    runtime: runtimePod([], []),
    probe: () => ({ ready: true, started: true }),
    waiting: new Map(),
    nodeIps: ["192.168.1.10"],
    now: NOW,
    ...overrides,
  });
}

const condition = (s: ReturnType<typeof status>, type: string) =>
  s.conditions?.find((c) => c.type === type);

Deno.test("computePodStatus() reports a running, ready pod as upstream does", () => {
  const c: Container = { name: "c", image: "busybox:test" };
  const s = status({
    pod: testPod({ containers: [c] }),
    runtime: runtimePod([sandbox()], [ctr(c)]),
  });
  assert.equal(s.phase, "Running");
  assert.equal(s.podIP, "10.42.0.5");
  assert.deepEqual(s.podIPs, [{ ip: "10.42.0.5" }]);
  assert.equal(s.hostIP, "192.168.1.10");
  assert.equal(s.qosClass, "BestEffort");
  assert.deepEqual(s.conditions?.map((x) => `${x.type}=${x.status}`), [
    "PodReadyToStartContainers=True",
    "Initialized=True",
    "Ready=True",
    "ContainersReady=True",
  ]);
  assert.deepEqual(s.containerStatuses, [{
    name: "c",
    ready: true,
    restartCount: 0,
    image: "busybox:test",
    imageID: "sha256:abc",
    started: true,
    state: { running: { startedAt: "1970-01-01T00:00:02Z" } },
    lastState: {},
    containerID: "containerd://c-1",
  }]);
});

Deno.test("computePodStatus() shows a crash-looping container waiting, with its last exit", () => {
  const c: Container = { name: "c" };
  const waiting = new Map<string, WaitingReason>([["c", {
    reason: "CrashLoopBackOff",
    message: "back-off 20s ...",
  }]]);
  const rt = runtimePod([sandbox()], [
    ctr(c, { state: "CONTAINER_EXITED", exitCode: 3, finishedAt: 4000, restartCount: 2 }),
  ]);
  const s = status({ pod: testPod({ containers: [c] }), runtime: rt, waiting });
  const cs = s.containerStatuses![0];
  assert.deepEqual(cs.state, {
    waiting: { reason: "CrashLoopBackOff", message: "back-off 20s ..." },
  });
  assert.equal(
    (cs.lastState as { terminated: { exitCode: number; reason: string } }).terminated.exitCode,
    3,
  );
  assert.equal((cs.lastState as { terminated: { reason: string } }).terminated.reason, "Error");
  assert.equal(cs.restartCount, 2);
  assert.equal(s.phase, "Running");
  assert.equal(condition(s, "Ready")?.status, "False");
  assert.equal(condition(s, "Ready")?.reason, "ContainersNotReady");
  assert.equal(condition(s, "Ready")?.message, "containers with unready status: [c]");
});

Deno.test("computePodStatus() keeps a condition's transition time while it holds", () => {
  const c: Container = { name: "c" };
  const first = status({
    pod: testPod({ containers: [c] }),
    runtime: runtimePod([sandbox()], [ctr(c)]),
  });
  const again = status({
    pod: testPod({ containers: [c] }, first),
    runtime: runtimePod([sandbox()], [ctr(c)]),
    now: NOW + 60_000,
  });
  assert.deepEqual(again, first);
  const unready = status({
    pod: testPod({ containers: [c] }, first),
    runtime: runtimePod([sandbox()], [ctr(c)]),
    probe: () => ({ ready: false, started: true }),
    now: NOW + 60_000,
  });
  assert.equal(condition(unready, "Ready")?.lastTransitionTime, "2026-01-01T12:01:00Z");
  assert.equal(condition(unready, "Initialized")?.lastTransitionTime, "2026-01-01T12:00:00Z");
});

Deno.test("computePodStatus() says which init containers are not done and why containers wait", () => {
  const init: Container = { name: "setup" };
  const pod = testPod({ initContainers: [init], containers: [{ name: "c" }] });
  const s = status({ pod, runtime: runtimePod([sandbox()], [ctr(init)]) });
  assert.equal(s.phase, "Pending");
  assert.equal(condition(s, "Initialized")?.message, "containers with incomplete status: [setup]");
  assert.deepEqual(s.containerStatuses![0].state, { waiting: { reason: "PodInitializing" } });
  const pulling = status({
    pod: testPod(),
    runtime: runtimePod([sandbox()], []),
    waiting: new Map([["c", { reason: "ErrImagePull", message: "Failed to pull image" }]]),
  });
  assert.deepEqual(pulling.containerStatuses![0].state, {
    waiting: { reason: "ErrImagePull", message: "Failed to pull image" },
  });
});

Deno.test("podPhase() follows upstream for finished containers under each restart policy", () => {
  const done = (exitCode: number) => ({
    name: "c",
    ready: false,
    restartCount: 0,
    image: "",
    imageID: "",
    state: { terminated: { exitCode } },
  });
  assert.equal(podPhase(testPod({ restartPolicy: "Never" }), [], [done(0)]), "Succeeded");
  assert.equal(podPhase(testPod({ restartPolicy: "Never" }), [], [done(1)]), "Failed");
  assert.equal(podPhase(testPod({ restartPolicy: "OnFailure" }), [], [done(1)]), "Running");
  assert.equal(podPhase(testPod({ restartPolicy: "Always" }), [], [done(0)]), "Running");
  assert.equal(
    podPhase(testPod(), [], [{ ...done(0), state: { waiting: { reason: "ContainerCreating" } } }]),
    "Pending",
  );
});

Deno.test("computePodStatus() gives host-network pods the node's addresses", () => {
  const s = status({
    pod: testPod({ hostNetwork: true }),
    runtime: runtimePod([sandbox({ ip: undefined })], []),
  });
  assert.equal(s.podIP, "192.168.1.10");
  assert.deepEqual(s.hostIPs, [{ ip: "192.168.1.10" }]);
});

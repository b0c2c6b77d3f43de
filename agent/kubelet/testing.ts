/**
 * Builders for kubelet unit tests: pods and runtime views with only what a test cares about.
 *
 * @module
 */
import type { Container, Pod } from "../../kube/client/types.ts";
import { containerHash } from "./labels.ts";
import type { RuntimeContainer, RuntimePod, RuntimeSandbox } from "./runtime_pod.ts";

export function testPod(spec: Partial<NonNullable<Pod["spec"]>> = {}, status?: Pod["status"]): Pod {
  return {
    metadata: { name: "p", namespace: "ns", uid: "uid-1", labels: { app: "a" } },
    spec: { containers: [{ name: "c", image: "busybox:test" }], ...spec },
    status,
  };
}

export function sandbox(overrides: Partial<RuntimeSandbox> = {}): RuntimeSandbox {
  return {
    id: "sb1",
    state: "SANDBOX_READY",
    createdAt: 1000,
    attempt: 0,
    ip: "10.42.0.5",
    additionalIps: [],
    hostNetwork: false,
    ...overrides,
  };
}

/** A runtime container for `spec` (its hash matches unless overridden). */
export function ctr(spec: Container, overrides: Partial<RuntimeContainer> = {}): RuntimeContainer {
  return {
    id: `${spec.name}-1`,
    sandboxId: "sb1",
    name: spec.name,
    attempt: 0,
    state: "CONTAINER_RUNNING",
    createdAt: 2000,
    startedAt: 2000,
    finishedAt: 0,
    exitCode: 0,
    reason: "",
    message: "",
    image: spec.image ?? "",
    imageRef: "sha256:abc",
    hash: containerHash(spec),
    restartCount: 0,
    logPath: "",
    annotations: {},
    ...overrides,
  };
}

export function runtimePod(
  sandboxes: RuntimeSandbox[],
  containers: RuntimeContainer[],
): RuntimePod {
  return { uid: "uid-1", name: "p", namespace: "ns", sandboxes, containers };
}

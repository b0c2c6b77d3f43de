import assert from "node:assert/strict";
import {
  containerResources,
  milliCpuToQuota,
  milliCpuToShares,
  oomScoreAdj,
  qosClass,
} from "./resources.ts";
import { testPod } from "./testing.ts";

const GI = 1024 ** 3;

Deno.test("milliCpuToShares() and milliCpuToQuota() convert as upstream does", () => {
  assert.equal(milliCpuToShares(undefined), 2);
  assert.equal(milliCpuToShares(1), 2);
  assert.equal(milliCpuToShares(250), 256);
  assert.equal(milliCpuToShares(2000), 2048);
  assert.equal(milliCpuToQuota(500), 50_000);
  assert.equal(milliCpuToQuota(5), 1000, "at least 1 ms per period");
});

Deno.test("qosClass() tells Guaranteed, Burstable and BestEffort pods apart", () => {
  const with_ = (resources: unknown) =>
    testPod({ containers: [{ name: "c", resources: resources as never }] });
  assert.equal(qosClass(with_(undefined)), "BestEffort");
  assert.equal(qosClass(with_({ requests: { cpu: "100m" } })), "Burstable");
  assert.equal(
    qosClass(with_({ limits: { cpu: "1", memory: "1Gi" }, requests: { cpu: "1", memory: "1Gi" } })),
    "Guaranteed",
  );
  assert.equal(
    qosClass(
      with_({ limits: { cpu: "1", memory: "1Gi" }, requests: { cpu: "500m", memory: "1Gi" } }),
    ),
    "Burstable",
  );
});

Deno.test("containerResources() sets shares, quota, memory limit and the OOM score of the QoS", () => {
  const pod = testPod({
    containers: [{ name: "c", resources: { limits: { cpu: "500m", memory: "128Mi" } } }],
  });
  assert.deepEqual(containerResources(pod, pod.spec!.containers[0], 8 * GI), {
    cpuShares: 512,
    cpuPeriod: 100_000,
    cpuQuota: 50_000,
    memoryLimitInBytes: 128 * 1024 * 1024,
    // Limits alone request as much (the API server defaults them so): Guaranteed.
    oomScoreAdj: -997,
  });
  const burstable = testPod({
    containers: [{ name: "c", resources: { requests: { memory: "4Gi" } } }],
  });
  assert.equal(oomScoreAdj(burstable, burstable.spec!.containers[0], 8 * GI), 500);
  const best = testPod();
  assert.equal(oomScoreAdj(best, best.spec!.containers[0], 8 * GI), 1000);
});

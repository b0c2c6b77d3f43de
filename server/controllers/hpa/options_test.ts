import assert from "node:assert/strict";
import { hpaSettings } from "./options.ts";

Deno.test("hpaSettings() reads the HPA flags and names a bad one", () => {
  assert.deepEqual(
    hpaSettings([
      "horizontal-pod-autoscaler-sync-period=2s",
      "--horizontal-pod-autoscaler-tolerance=0.05",
      "horizontal-pod-autoscaler-downscale-stabilization=1m30s",
      "horizontal-pod-autoscaler-cpu-initialization-period=2m",
      "horizontal-pod-autoscaler-initial-readiness-delay=10s",
      "node-monitor-grace-period=40s",
    ]),
    {
      syncPeriodMs: 2000,
      tolerance: 0.05,
      downscaleStabilizationMs: 90_000,
      cpuInitializationPeriodMs: 120_000,
      initialReadinessDelayMs: 10_000,
    },
  );
  assert.throws(
    () => hpaSettings(["horizontal-pod-autoscaler-sync-period=soon"]),
    /--kube-controller-manager-arg=horizontal-pod-autoscaler-sync-period=soon/,
  );
  assert.throws(() => hpaSettings(["horizontal-pod-autoscaler-tolerance=-1"]), /at least 0/);
});

/**
 * The HPA settings of `--kube-controller-manager-arg` (`name=value`, upstream's flags):
 * `horizontal-pod-autoscaler-sync-period`, `-tolerance`, `-downscale-stabilization`,
 * `-cpu-initialization-period` and `-initial-readiness-delay`. Other names are left to the parts
 * of the controller manager that read them.
 *
 * @module
 */
import { parseGoDuration } from "../../apiserver/resources/batch/go_duration.ts";

/** What the HPA controller takes from the flags. */
export interface HpaSettings {
  syncPeriodMs?: number;
  tolerance?: number;
  downscaleStabilizationMs?: number;
  cpuInitializationPeriodMs?: number;
  initialReadinessDelayMs?: number;
}

const PREFIX = "horizontal-pod-autoscaler-";

function fail(key: string, value: string, why: string): never {
  throw new Error(`Cannot use --kube-controller-manager-arg=${key}=${value}: ${why}`);
}

function duration(key: string, value: string): number {
  let ms: number;
  try {
    ms = parseGoDuration(value);
  } catch (err) {
    fail(key, value, (err as Error).message);
  }
  if (!(ms > 0)) fail(key, value, "must be positive");
  return ms;
}

/** Reads the HPA flags among `args`; throws naming the flag when a value is invalid. */
export function hpaSettings(args: readonly string[]): HpaSettings {
  const out: HpaSettings = {};
  for (const arg of args) {
    const text = arg.replace(/^--?/, "");
    const eq = text.indexOf("=");
    if (eq < 0 || !text.startsWith(PREFIX)) continue;
    const key = text.slice(0, eq);
    const value = text.slice(eq + 1);
    switch (key.slice(PREFIX.length)) {
      case "sync-period":
        out.syncPeriodMs = duration(key, value);
        break;
      case "downscale-stabilization":
        out.downscaleStabilizationMs = duration(key, value);
        break;
      case "cpu-initialization-period":
        out.cpuInitializationPeriodMs = duration(key, value);
        break;
      case "initial-readiness-delay":
        out.initialReadinessDelayMs = duration(key, value);
        break;
      case "tolerance": {
        const n = Number(value);
        if (value.trim() === "" || !(n >= 0)) fail(key, value, "must be a number of at least 0");
        out.tolerance = n;
        break;
      }
    }
  }
  return out;
}

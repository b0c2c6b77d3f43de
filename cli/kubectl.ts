/**
 * `k3s kubectl …`: the `kubectl` on PATH, with `KUBECONFIG` defaulting to the admin kubeconfig
 * the server writes. Arguments pass through untouched and kubectl's exit code becomes ours.
 *
 * @module
 */
import { spawn } from "node:child_process";
import { constants } from "node:os";
import { CliError } from "./errors.ts";
import type { Env } from "./resolve.ts";

/** Where `k3s server` writes the admin kubeconfig unless told otherwise. */
export const adminKubeconfig = "/etc/rancher/k3s/k3s.yaml";

/** The environment kubectl runs with: ours, plus `KUBECONFIG` when it is not already set. */
export function kubectlEnv(env: Env): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value !== undefined) result[name] = value;
  }
  if (!result.KUBECONFIG) result.KUBECONFIG = adminKubeconfig;
  return result;
}

/** Runs kubectl with the terminal attached; resolves to its exit code (128+n for signal n). */
export function runKubectl(args: readonly string[], env: Env): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn("kubectl", [...args], { stdio: "inherit", env: kubectlEnv(env) });
    child.on("error", (error: NodeJS.ErrnoException) => {
      reject(
        error.code === "ENOENT"
          ? new CliError("not-found", "kubectl was not found on PATH")
          : new CliError("not-found", `cannot run kubectl: ${error.message}`),
      );
    });
    child.on("exit", (code, signal) => {
      const signalNumber = signal ? constants.signals[signal] : undefined;
      resolve(code ?? (signalNumber ? 128 + signalNumber : 1));
    });
  });
}

/**
 * Garbage of a live pod (upstream's container GC with `MaxPerPodContainer` of 1): of each
 * container name, the running or newest instance and one exited instance before it are kept
 * (for `kubectl logs --previous`); older exited instances go, and with them sandboxes that are
 * neither the newest nor hold a kept container.
 *
 * @module
 */
import type { RuntimePod } from "./runtime_pod.ts";

/** The container and sandbox IDs a pod no longer needs. */
export function podGarbage(runtime: RuntimePod): { containers: string[]; sandboxes: string[] } {
  const kept = new Set<string>();
  const containers: string[] = [];
  const byName = new Map<string, typeof runtime.containers>();
  for (const c of runtime.containers) {
    const list = byName.get(c.name) ?? [];
    list.push(c);
    byName.set(c.name, list);
  }
  for (const list of byName.values()) {
    // Newest first (RuntimeView sorts so); never remove a running one.
    list.forEach((c, i) => {
      if (i < 2 || c.state === "CONTAINER_RUNNING" || c.state === "CONTAINER_CREATED") {
        kept.add(c.id);
      } else containers.push(c.id);
    });
  }
  const newest = runtime.sandboxes[0]?.id;
  const holding = new Set(runtime.containers.filter((c) => kept.has(c.id)).map((c) => c.sandboxId));
  const sandboxes = runtime.sandboxes
    .filter((s) => s.id !== newest && s.state !== "SANDBOX_READY" && !holding.has(s.id))
    .map((s) => s.id);
  return { containers, sandboxes };
}

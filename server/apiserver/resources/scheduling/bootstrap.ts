/**
 * Objects the API server keeps at start: the built-in priority classes, and the create-if-missing
 * step the other bootstrap functions of the built-in groups share.
 *
 * @module
 */
import { StatusError } from "../../../../kube/errors.ts";
import { deepClone, type KubeObject } from "../../../../kube/meta.ts";
import type { Registry } from "../../registry.ts";
import type { WriteContext } from "../../resource.ts";
import { SYSTEM_PRIORITY_CLASSES } from "./priorityclass.ts";

/** The identity bootstrap writes are made as. */
export function systemWriter(namespace = ""): WriteContext {
  return {
    user: { name: "system:apiserver", groups: ["system:masters"] },
    namespace,
    now: new Date(),
    dryRun: false,
    warn: () => {},
  };
}

/**
 * Creates `obj` unless an object of that name exists; returns whether it created it. Safe on
 * every start and on several servers at once (losing a create race is not an error).
 */
export async function createIfMissing(
  registry: Registry,
  group: string,
  plural: string,
  obj: KubeObject,
): Promise<boolean> {
  const store = registry.store(group, plural);
  const ns = obj.metadata.namespace ?? "";
  if (await store.tryGet(ns, obj.metadata.name!)) return false;
  try {
    await store.create(ns, deepClone(obj), systemWriter(ns), {
      fieldManager: "k3s",
      apiVersion: obj.apiVersion!,
    });
    return true;
  } catch (err) {
    if (err instanceof StatusError && err.code === 409) return false;
    throw err;
  }
}

/** Creates `system-node-critical` and `system-cluster-critical` when missing. */
export async function ensureSystemPriorityClasses(registry: Registry): Promise<string[]> {
  const created: string[] = [];
  for (const pc of SYSTEM_PRIORITY_CLASSES) {
    if (await createIfMissing(registry, "scheduling.k8s.io", "priorityclasses", pc)) {
      created.push(pc.metadata.name!);
    }
  }
  return created;
}

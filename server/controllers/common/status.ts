/**
 * Writing a controller's status: only when it changed, through `/status`, re-reading once when
 * the cached copy lost a race (upstream's `updateReplicaSetStatus` pattern).
 *
 * @module
 */
import {
  isConflict,
  isNotFound,
  type KubeClient,
  type KubeObject,
  type Resource,
} from "../../../kube/client/mod.ts";
import { deepEqual } from "../../../kube/meta.ts";

/**
 * Writes `status` on `obj` when it differs from the current one; returns the written object,
 * or undefined when nothing was written (unchanged, or the object is gone or was replaced).
 * On a conflict it writes `status` over the fresh object — right for a status computed from
 * other objects only; with `recompute`, the conflict is thrown instead, so that a status built
 * on the previous one is computed again from fresh state.
 */
export async function writeStatus<T extends KubeObject>(
  client: KubeClient,
  res: Resource,
  obj: T,
  status: unknown,
  options: { recompute?: boolean } = {},
): Promise<T | undefined> {
  if (deepEqual(obj.status ?? {}, status ?? {})) return undefined;
  try {
    return await client.updateStatus(res, { ...obj, status }) as T;
  } catch (err) {
    if (isNotFound(err)) return undefined;
    if (!isConflict(err) || options.recompute) throw err;
    const fresh = await client.get(res, obj.metadata.name!, {
      namespace: obj.metadata.namespace,
    });
    if (fresh.metadata.uid !== obj.metadata.uid) return undefined;
    return await client.updateStatus(res, { ...fresh, status }) as T;
  }
}

/** The message of an error (the API's message for a StatusError). */
export function errText(err: unknown): string {
  return (err as Error)?.message ?? String(err);
}

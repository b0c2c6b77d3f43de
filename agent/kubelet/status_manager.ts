/**
 * Writes pod statuses to the API server only when they changed (upstream's status manager):
 * a JSON merge patch of `pods/<name>/status` that names the pod's UID (so it never lands on a
 * newer pod of the same name) and clears fields the new status no longer has.
 *
 * @module
 */
import type { KubeClient } from "../../kube/client/client.ts";
import { isNotFound } from "../../kube/client/errors.ts";
import type { Logger } from "../../kube/client/log.ts";
import { PODS } from "../../kube/client/resources.ts";
import type { Pod, PodStatus } from "../../kube/client/types.ts";
import { deepEqual } from "../../kube/meta.ts";

export class StatusManager {
  readonly #client: KubeClient;
  readonly #log: Logger;
  /** The last status written, by pod uid. */
  readonly #written = new Map<string, PodStatus>();

  constructor(client: KubeClient, log: Logger) {
    this.#client = client;
    this.#log = log;
  }

  /** The status last written for a pod (the informer may not have it yet). */
  get(uid: string): PodStatus | undefined {
    return this.#written.get(uid);
  }

  /** Writes `status` unless the pod already has it; resolves true when it wrote. */
  async set(pod: Pod, status: PodStatus): Promise<boolean> {
    const uid = pod.metadata.uid!;
    const known = this.#written.get(uid) ?? pod.status;
    if (known && deepEqual(known, status)) return false;
    const base = (pod.status ?? {}) as Record<string, unknown>;
    const body: Record<string, unknown> = { ...status };
    for (const key of Object.keys(base)) if (!(key in body)) body[key] = null;
    try {
      await this.#client.patch(
        PODS,
        pod.metadata.name!,
        { metadata: { uid }, status: body },
        "merge",
        { namespace: pod.metadata.namespace, subresource: "status" },
      );
      this.#written.set(uid, status);
      return true;
    } catch (error) {
      if (isNotFound(error)) {
        this.#written.delete(uid);
        return false;
      }
      this.#log.warn(
        `Cannot update the status of pod ${pod.metadata.namespace}/${pod.metadata.name}: ${
          (error as Error).message
        }`,
      );
      throw error;
    }
  }

  forget(uid: string): void {
    this.#written.delete(uid);
  }
}

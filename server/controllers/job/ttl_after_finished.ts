/**
 * {@link TtlAfterFinishedController}: deletes a finished Job (and, in the foreground, its pods)
 * `ttlSecondsAfterFinished` after its Complete or Failed condition, re-reading the Job before
 * deleting so a changed TTL is honoured (upstream's ttl-after-finished controller).
 *
 * @module
 */
import { isNotFound, JOBS, type Resource, type SharedInformer } from "../../../kube/client/mod.ts";
import { Controller, type ControllerConfig } from "../framework/mod.ts";
import type { Job } from "../common/types.ts";
import { timeOf } from "../common/util.ts";
import { isFinished } from "./job.ts";

const J = JOBS as Resource<Job>;

/** When a finished job with a TTL expires (ms), or undefined. */
export function expiresAt(job: Job): number | undefined {
  const ttl = job.spec?.ttlSecondsAfterFinished;
  if (ttl === undefined || ttl === null || job.metadata.deletionTimestamp || !isFinished(job)) {
    return undefined;
  }
  const c = (job.status?.conditions ?? []).find((c) =>
    (c.type === "Complete" || c.type === "Failed") && c.status === "True"
  );
  const finished = timeOf(c?.lastTransitionTime) ?? timeOf(job.status?.completionTime);
  return finished === undefined ? undefined : finished + ttl * 1000;
}

/** Cleans up finished Jobs. */
export class TtlAfterFinishedController extends Controller {
  readonly #jobs: SharedInformer<Job>;

  constructor(config: ControllerConfig) {
    super(config);
    this.#jobs = this.watch(J, { updateFilter: (_old, j) => expiresAt(j) !== undefined });
  }

  protected async reconcile(key: string): Promise<void> {
    const cached = this.#jobs.store.get(key);
    if (!cached || expiresAt(cached) === undefined) return;
    const wait = expiresAt(cached)! - this.clock.now();
    if (wait > 0) {
      this.queue.addAfter(key, wait);
      return;
    }
    try {
      const fresh = await this.client.get(J, cached.metadata.name!, {
        namespace: cached.metadata.namespace,
      });
      const at = expiresAt(fresh);
      if (at === undefined) return;
      if (at > this.clock.now()) {
        this.queue.addAfter(key, at - this.clock.now());
        return;
      }
      await this.client.delete(J, fresh.metadata.name!, {
        namespace: fresh.metadata.namespace,
        propagationPolicy: "Foreground",
        preconditions: { uid: fresh.metadata.uid, resourceVersion: fresh.metadata.resourceVersion },
      });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}

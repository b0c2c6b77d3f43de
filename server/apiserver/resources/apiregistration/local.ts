/**
 * One `Local` APIService per group-version this server serves (`v1.`, `v1.apps`, ...), kept in
 * step with the registry: created with upstream's priorities and Available=True, and removed
 * when a group-version stops being served (a custom resource's group going away). Only objects
 * this code manages (the `automanaged` label) are ever changed or removed.
 *
 * @module
 */
import { StatusError } from "../../../../kube/errors.ts";
import { deepEqual, formatTime, type KubeObject } from "../../../../kube/meta.ts";
import type { Registry } from "../../registry.ts";
import type { Store } from "../../store.ts";
import { obj, objs, str } from "../core/util.ts";
import { systemWriter } from "../scheduling/bootstrap.ts";

/** The label upstream's aggregator puts on the APIServices it manages. */
export const AUTOMANAGED_LABEL = "kube-aggregator.kubernetes.io/automanaged";

/** Upstream's group and version priorities of the built-in group-versions. */
export const API_SERVICE_PRIORITIES: Readonly<Record<string, readonly [number, number]>> = {
  "/v1": [18000, 1],
  "apiregistration.k8s.io/v1": [18000, 15],
  "apps/v1": [17800, 15],
  "events.k8s.io/v1": [17750, 15],
  "authentication.k8s.io/v1": [17700, 15],
  "authorization.k8s.io/v1": [17600, 15],
  "autoscaling/v2": [17500, 30],
  "autoscaling/v1": [17500, 15],
  "batch/v1": [17400, 15],
  "certificates.k8s.io/v1": [17300, 15],
  "networking.k8s.io/v1": [17200, 15],
  "policy/v1": [17100, 15],
  "rbac.authorization.k8s.io/v1": [17000, 15],
  "storage.k8s.io/v1": [16800, 15],
  "apiextensions.k8s.io/v1": [16700, 15],
  "admissionregistration.k8s.io/v1": [16700, 15],
  "scheduling.k8s.io/v1": [16600, 15],
  "coordination.k8s.io/v1": [16500, 15],
  "node.k8s.io/v1": [16300, 15],
  "discovery.k8s.io/v1": [16200, 15],
  "flowcontrol.apiserver.k8s.io/v1": [16100, 21],
};

/** What upstream gives the group-versions of custom resources. */
const CUSTOM_PRIORITY = [1000, 100] as const;

const AVAILABLE_MESSAGE = "Local APIServices are always available";

/** The APIService of a locally served group-version, without status. */
export function localApiService(group: string, version: string): KubeObject {
  const known = API_SERVICE_PRIORITIES[`${group}/${version}`];
  const [groupPriorityMinimum, versionPriority] = known ?? CUSTOM_PRIORITY;
  return {
    apiVersion: "apiregistration.k8s.io/v1",
    kind: "APIService",
    metadata: {
      name: `${version}.${group}`,
      labels: { [AUTOMANAGED_LABEL]: known ? "onstart" : "true" },
    },
    spec: { group, version, groupPriorityMinimum, versionPriority },
  };
}

function isAvailable(o: KubeObject): boolean {
  return objs(obj(o.status)?.conditions).some((c) =>
    c.type === "Available" && c.status === "True" && c.reason === "Local"
  );
}

/** What one sync did, by APIService name. */
export interface SyncResult {
  created: string[];
  updated: string[];
  deleted: string[];
}

const opts = { fieldManager: "k3s", apiVersion: "apiregistration.k8s.io/v1" };

async function markAvailable(store: Store, name: string): Promise<void> {
  await store.guaranteedUpdate(
    "",
    name,
    systemWriter(),
    { ...opts, subresource: "status" },
    (cur) => {
      const next = structuredClone(cur.obj);
      const now = formatTime(new Date());
      next.status = {
        conditions: [{
          type: "Available",
          status: "True",
          lastTransitionTime: now,
          reason: "Local",
          message: AVAILABLE_MESSAGE,
        }],
      };
      return next;
    },
  );
}

function ignoreGone(err: unknown): void {
  if (!(err instanceof StatusError && (err.code === 404 || err.code === 409))) throw err;
}

/** Brings the APIServices in line with what `registry` serves now. */
export async function syncLocalApiServices(registry: Registry): Promise<SyncResult> {
  const result: SyncResult = { created: [], updated: [], deleted: [] };
  const store = registry.store("apiregistration.k8s.io", "apiservices");
  const wanted = new Map<string, KubeObject>();
  for (const { group, versions } of registry.groups()) {
    for (const v of versions) {
      const svc = localApiService(group, v);
      wanted.set(svc.metadata.name!, svc);
    }
  }
  const existing = new Map<string, KubeObject>();
  for (const item of (await store.list("")).items) existing.set(item.obj.metadata.name!, item.obj);
  for (const [name, svc] of wanted) {
    const current = existing.get(name);
    try {
      if (!current) {
        await store.create("", structuredClone(svc), systemWriter(), opts);
        result.created.push(name);
      } else if (
        current.metadata.labels?.[AUTOMANAGED_LABEL] && !deepEqual(current.spec, svc.spec)
      ) {
        await store.guaranteedUpdate(
          "",
          name,
          systemWriter(),
          opts,
          (cur) => ({ ...structuredClone(cur.obj), spec: svc.spec }),
        );
        result.updated.push(name);
      }
      const local = !obj(obj(current?.spec)?.service);
      if (local && (!current || !isAvailable(current))) await markAvailable(store, name);
    } catch (err) {
      ignoreGone(err);
    }
  }
  for (const [name, current] of existing) {
    if (wanted.has(name) || !str(current.metadata.labels?.[AUTOMANAGED_LABEL])) continue;
    try {
      await store.delete("", name, systemWriter(), {});
      result.deleted.push(name);
    } catch (err) {
      ignoreGone(err);
    }
  }
  return result;
}

/**
 * Keeps the local APIServices in sync: once at `start()`, then whenever the registry's
 * generation moves (custom resources registered or removed), checked every `intervalMs`.
 */
export class LocalApiServices {
  #registry: Registry;
  #intervalMs: number;
  #timer: ReturnType<typeof setInterval> | undefined;
  #seen = -1;
  #running: Promise<void> = Promise.resolve();
  #onError: (err: unknown) => void;

  constructor(
    registry: Registry,
    opts: { intervalMs?: number; onError?: (err: unknown) => void } = {},
  ) {
    this.#registry = registry;
    this.#intervalMs = opts.intervalMs ?? 1000;
    this.#onError = opts.onError ??
      ((err) => console.error(`apiservices: ${(err as Error).message}`));
  }

  /** Syncs now (after any sync under way); resolves with what changed. */
  sync(): Promise<SyncResult> {
    const generation = this.#registry.generation;
    const run = this.#running.then(() => syncLocalApiServices(this.#registry));
    this.#running = run.then(() => {
      this.#seen = generation;
    }, () => {});
    return run;
  }

  /** Syncs once, then follows registry changes until `stop()`. */
  async start(): Promise<SyncResult> {
    const first = await this.sync();
    this.#timer = setInterval(() => {
      if (this.#registry.generation !== this.#seen) this.sync().catch(this.#onError);
    }, this.#intervalMs);
    return first;
  }

  /** Stops following the registry and waits for a sync under way. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }
}

/**
 * {@link ResourceQuotaController}: recomputes each ResourceQuota's `status.used` from the
 * objects in its namespace (upstream `pkg/controller/resourcequota`): at once when the quota
 * changes or an object it counts comes, goes or changes, and every `resyncMs` (5 min) in any
 * case. Admission charges creates as they happen; this is what gives usage back on delete and
 * corrects any drift. What an object costs comes from the admission plugin's evaluators, so the
 * two agree.
 *
 * @module
 */
import {
  BY_NAMESPACE,
  CONFIGMAPS,
  type KubeObject,
  namespaceIndex,
  PERSISTENT_VOLUME_CLAIMS,
  PODS,
  REPLICATION_CONTROLLERS,
  type Resource,
  resource,
  RESOURCE_QUOTAS,
  SECRETS,
  SERVICES,
  type SharedInformer,
} from "../../../kube/client/mod.ts";
import {
  evaluatorFor,
  quotaMatches,
  resourceOfName,
} from "../../apiserver/admission/quota_usage.ts";
import { add, mask, resourceList, toJSONList } from "../../apiserver/admission/resource_list.ts";
import { Quantity } from "../../../kube/quantity.ts";
import { writeStatus } from "../common/status.ts";
import { Controller, type ControllerConfig, positiveInt } from "../framework/mod.ts";
import type { ResourceQuota } from "./types.ts";

const QUOTAS = RESOURCE_QUOTAS as Resource<ResourceQuota>;

/** Options of {@linkcode ResourceQuotaController}. */
export interface ResourceQuotaConfig extends ControllerConfig {
  /** `--resource-quota-sync-period` (default 5 min). */
  resyncMs?: number;
}

type Obj = Record<string, unknown>;

/** Recomputes quota usage. */
export class ResourceQuotaController extends Controller {
  readonly #quotas: SharedInformer<ResourceQuota>;
  /** Informers of the resources quotas usually count, by `group/plural`. */
  readonly #counted = new Map<string, SharedInformer<KubeObject>>();
  /** Preferred versions of other groups, found on first use. */
  readonly #versions = new Map<string, string>();
  readonly #resync: number;

  constructor(config: ResourceQuotaConfig) {
    super(config);
    this.#resync = positiveInt(this.name, "resyncMs", config.resyncMs, 5 * 60_000);
    const indexers = { [BY_NAMESPACE]: namespaceIndex };
    this.#quotas = this.watch(QUOTAS, {
      indexers,
      updateFilter: (a, b) =>
        JSON.stringify(a.spec) !== JSON.stringify(b.spec) ||
        JSON.stringify(a.status) !== JSON.stringify(b.status),
    });
    const quotasOf = (o: KubeObject) =>
      this.#quotas.store.byIndex(BY_NAMESPACE, o.metadata.namespace ?? "")
        .map((q) => `${q.metadata.namespace}/${q.metadata.name}`);
    for (
      const res of [
        PODS,
        SERVICES,
        CONFIGMAPS,
        SECRETS,
        PERSISTENT_VOLUME_CLAIMS,
        REPLICATION_CONTROLLERS,
      ]
    ) {
      const inf = this.watch(res as Resource<KubeObject>, { indexers, keys: quotasOf });
      this.#counted.set(`${res.group}/${res.resource}`, inf);
    }
  }

  protected async reconcile(key: string, signal: AbortSignal): Promise<void> {
    const quota = this.#quotas.store.get(key);
    if (!quota) return;
    const namespace = quota.metadata.namespace!;
    const hardList = resourceList(quota.spec?.hard);
    const hard = [...hardList.keys()];
    const now = new Date(this.clock.now());
    let used = new Map<string, Quantity>(hard.map((n) => [n, Quantity.fromInt(0)]));
    const seen = new Set<string>();
    for (const name of hard) {
      const r = resourceOfName(name);
      if (!r || seen.has(`${r.group}/${r.plural}`)) continue;
      seen.add(`${r.group}/${r.plural}`);
      const ev = evaluatorFor(r.group, r.plural);
      for (const o of await this.#objects(r.group, r.plural, namespace, signal)) {
        if (!quotaMatches(ev, quota as unknown as Obj, hard, o as unknown as Obj)) continue;
        used = add(used, ev.usage(o as unknown as Obj, now));
      }
    }
    const status = {
      hard: toJSONList(hardList),
      used: toJSONList(mask(used, hard)),
    };
    await writeStatus(this.client, QUOTAS, quota, status);
    this.queue.addAfter(key, this.#resync);
  }

  /** The namespace's objects of a resource: from an informer, or listed for other kinds. */
  async #objects(
    group: string,
    plural: string,
    namespace: string,
    signal: AbortSignal,
  ): Promise<KubeObject[]> {
    const inf = this.#counted.get(`${group}/${plural}`);
    if (inf) return inf.store.byIndex(BY_NAMESPACE, namespace);
    let version = this.#versions.get(group);
    if (!version) {
      const g = await this.client.request<{ preferredVersion?: { version?: string } }>(
        "GET",
        `/apis/${group}`,
        undefined,
        { signal },
      );
      version = g.preferredVersion?.version ?? "v1";
      this.#versions.set(group, version);
    }
    const res = resource(group, version, plural, "", true);
    return (await this.client.listAll(res, { namespace })).items ?? [];
  }
}

/**
 * ResourceQuota admission (upstream `plugin/pkg/admission/resourcequota`): a write that would
 * take a namespace's usage past a quota's `hard` limits is refused with upstream's
 * `exceeded quota: <name>, requested: ..., used: ..., limited: ...`. Otherwise the usage is
 * charged into the quota's `status.used` BEFORE the object is stored, by a conditional
 * (resourceVersion-checked) write of the quota status that is retried on conflict and re-checks
 * the limit each time, so concurrent creates can never together exceed a quota, also across
 * API servers. Within one server, writes to one namespace's quotas take turns, which keeps
 * retries rare. A quota whose status does not cover its `spec.hard` yet (new, or edited) has
 * its usage computed from the stored objects first.
 *
 * Releasing usage when objects go away is a quota controller's work, not admission's.
 *
 * @module
 */
import { deepClone, type KubeObject } from "../../../kube/meta.ts";
import { Quantity } from "../../../kube/quantity.ts";
import type { AdmissionAttributes, AdmissionPlugin } from "../app.ts";
import type { Registry } from "../registry.ts";
import type { WriteContext } from "../resource.ts";
import type { Store } from "../store.ts";
import { admissionForbidden, namespaceOf, obj } from "./attributes.ts";
import {
  evaluatorFor,
  type QuotaEvaluator,
  quotaMatches,
  quotaScopes,
  resourceOfName,
} from "./quota_usage.ts";
import {
  add,
  equals,
  isZero,
  mask,
  prettyPrint,
  type ResourceList,
  resourceList,
  subtract,
  toJSONList,
} from "./resource_list.ts";

type Obj = Record<string, unknown>;

/** Resources quota never charges (upstream's default ignored resources). */
const IGNORED = new Set([
  "/events",
  "events.k8s.io/events",
  "authentication.k8s.io/tokenreviews",
  "authorization.k8s.io/subjectaccessreviews",
  "authorization.k8s.io/selfsubjectaccessreviews",
  "authorization.k8s.io/localsubjectaccessreviews",
  "authorization.k8s.io/selfsubjectrulesreviews",
]);

const QUOTA_WRITER: WriteContext["user"] = { name: "system:apiserver", groups: ["system:masters"] };

export interface ResourceQuotaOptions {
  now?: () => Date;
}

export function resourceQuota(
  registry: Registry,
  opts: ResourceQuotaOptions = {},
): AdmissionPlugin {
  const now = opts.now ?? (() => new Date());
  const turns = new Map<string, Promise<void>>();

  /** Runs `fn` after every earlier call for the same namespace has finished. */
  async function inTurn<T>(ns: string, fn: () => Promise<T>): Promise<T> {
    const before = turns.get(ns) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((r) => (release = r));
    const chained = before.then(() => mine);
    turns.set(ns, chained);
    await before;
    try {
      return await fn();
    } finally {
      release();
      if (turns.get(ns) === chained) turns.delete(ns);
    }
  }

  /** Usage of the stored objects in `ns` for the quota resource names `names`. */
  async function computeUsed(ns: string, quota: Obj, names: string[]): Promise<ResourceList> {
    const byResource = new Map<string, { group: string; plural: string; names: string[] }>();
    for (const name of names) {
      const r = resourceOfName(name);
      if (!r) continue;
      const key = `${r.group}/${r.plural}`;
      const entry = byResource.get(key) ?? { ...r, names: [] };
      entry.names.push(name);
      byResource.set(key, entry);
    }
    let used: ResourceList = new Map(names.map((n) => [n, zero()]));
    const at = now();
    for (const { group, plural, names: wanted } of byResource.values()) {
      const served = registry.all().find((s) => s.def.group === group && s.def.plural === plural);
      if (!served) continue;
      const ev = evaluatorFor(group, plural);
      const { items } = await served.store.list(ns);
      for (const item of items) {
        const o = item.obj as Obj;
        if (!quotaScopes(quota).every((s) => ev.matchesScope(s, o))) continue;
        used = add(used, mask(ev.usage(o, at), wanted));
      }
    }
    return used;
  }

  /**
   * The quota with a status that covers its hard limits: `status.hard` follows `spec.hard` and
   * usage missing for a limit is computed.
   */
  async function withStatus(
    ns: string,
    quota: Obj,
  ): Promise<{ hard: ResourceList; used: ResourceList; changed: boolean }> {
    const hard = resourceList(obj(quota.spec)?.hard);
    const status = obj(quota.status) ?? {};
    let used = resourceList(status.used);
    const statusHard = resourceList(status.hard);
    const missing = [...hard.keys()].filter((k) => !used.has(k));
    let changed = !equals(hard, statusHard);
    if (missing.length) {
      used = new Map([...used, ...await computeUsed(ns, quota, missing)]);
      changed = true;
    }
    return { hard, used: mask(used, hard.keys()), changed };
  }

  function exceeded(
    attrs: AdmissionAttributes,
    name: string,
    requested: ResourceList,
    used: ResourceList,
    hard: ResourceList,
  ) {
    const over: string[] = [];
    for (const [k, v] of requested) {
      const limit = hard.get(k);
      if (limit && (used.get(k) ?? zero()).add(v).cmp(limit) > 0) over.push(k);
    }
    if (!over.length) return null;
    return admissionForbidden(
      attrs,
      `exceeded quota: ${name}, requested: ${prettyPrint(mask(requested, over))}, used: ${
        prettyPrint(mask(used, over))
      }, limited: ${prettyPrint(mask(hard, over))}`,
    );
  }

  /** Charges `delta` to one quota with a conditional write; throws when it does not fit. */
  async function charge(
    attrs: AdmissionAttributes,
    store: Store,
    ns: string,
    name: string,
    delta: ResourceList,
    dryRun: boolean,
  ): Promise<ResourceList> {
    let charged: ResourceList = new Map();
    const ctx = quotaWriteContext(ns);
    const write = async (current: { obj: KubeObject }) => {
      const quota = current.obj as Obj;
      const { hard, used, changed } = await withStatus(ns, quota);
      const requested = mask(delta, hard.keys());
      const refused = exceeded(attrs, name, requested, used, hard);
      if (refused) throw refused;
      charged = requested;
      if (isZero(requested) && !changed) return current.obj;
      const next = deepClone(current.obj);
      next.status = { hard: toJSONList(hard), used: toJSONList(add(used, requested)) };
      return next;
    };
    if (dryRun) {
      await write(await store.get(ns, name));
      return new Map();
    }
    await store.guaranteedUpdate(ns, name, ctx, STATUS_WRITE, write);
    return charged;
  }

  async function release(store: Store, ns: string, name: string, amount: ResourceList) {
    await store.guaranteedUpdate(ns, name, quotaWriteContext(ns), STATUS_WRITE, (current) => {
      const next = deepClone(current.obj);
      const status = obj(next.status) ?? {};
      status.used = toJSONList(subtract(resourceList(status.used), amount));
      next.status = status;
      return next;
    }).catch(() => {/* a quota controller recalculates what this could not give back */});
  }

  return {
    name: "ResourceQuota",
    async validate(attrs) {
      const ns = namespaceOf(attrs);
      const { def } = attrs.served;
      if (!ns || attrs.ctx.info.subresource || !attrs.object || def.virtualCreate) return;
      if (IGNORED.has(`${def.group}/${def.plural}`)) return;
      const ev = evaluatorFor(def.group, def.plural);
      if (!ev.handles(attrs.operation)) return;
      const store = registry.store("", "resourcequotas");
      const quotas = (await store.list(ns)).items.map((i) => i.obj as Obj);
      if (!quotas.length) return;
      const object = attrs.object as Obj;
      const interesting = relevantQuotas(attrs, ev, quotas, object);
      if (!interesting.length) return;
      const at = now();
      let delta = ev.usage(object, at);
      const negative = [...delta].filter(([, v]) => v.sign() < 0).map(([k]) => k).sort();
      if (negative.length) {
        throw admissionForbidden(
          attrs,
          `quota usage is negative for resource(s): ${negative.join(",")}`,
        );
      }
      if (attrs.operation === "UPDATE" && attrs.old?.metadata.resourceVersion) {
        const before = ev.usage(attrs.old as Obj, at);
        delta = new Map(
          [...subtract(delta, before)].map(([k, v]) => [k, v.sign() < 0 ? zero() : v]),
        );
      }
      if (isZero(delta)) return;
      const dryRun = new URL(attrs.ctx.req.url).searchParams.getAll("dryRun").includes("All");
      await inTurn(ns, async () => {
        const done: [string, ResourceList][] = [];
        try {
          for (const name of interesting) {
            done.push([name, await charge(attrs, store, ns, name, delta, dryRun)]);
          }
        } catch (err) {
          for (const [name, amount] of done) {
            if (!isZero(amount)) await release(store, ns, name, amount);
          }
          throw err;
        }
      });
    },
  };
}

const STATUS_WRITE = {
  subresource: "status" as const,
  fieldManager: "kube-apiserver",
  apiVersion: "v1",
};

function quotaWriteContext(ns: string): WriteContext {
  return { user: QUOTA_WRITER, namespace: ns, now: new Date(), dryRun: false, warn: () => {} };
}

function zero(): Quantity {
  return Quantity.fromInt(0);
}

/** Names of the quotas that limit this object; throws when a quota's constraints refuse it. */
function relevantQuotas(
  attrs: AdmissionAttributes,
  ev: QuotaEvaluator,
  quotas: Obj[],
  object: Obj,
): string[] {
  const out: string[] = [];
  for (const quota of quotas) {
    const hard = Object.keys(obj(obj(quota.spec)?.hard) ?? {});
    if (!quotaMatches(ev, quota, hard, object)) continue;
    const name = String(obj(quota.metadata)?.name);
    const refused = ev.constraints(ev.matchingResources(hard), object);
    if (refused) throw admissionForbidden(attrs, `failed quota: ${name}: ${refused}`);
    out.push(name);
  }
  return out;
}

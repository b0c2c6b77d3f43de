/**
 * The CRD controller (upstream's naming, establishing, finalizer and handler-registration
 * controllers in one): driven by the CustomResourceDefinition store's watch, it reconciles each
 * CRD from its current state: accepted names and `NamesAccepted`, the served resources (one
 * {@link ResourceDef} per served version, re-registered when the CRD changes), `Established`,
 * and on deletion removes every custom resource, stops serving them and releases the
 * `customresourcecleanup.apiextensions.k8s.io` finalizer.
 *
 * @module
 */
import { StatusError } from "../../../../kube/errors.ts";
import type { KubeObject, ObjectMeta } from "../../../../kube/meta.ts";
import { systemWriteContext } from "../../authz/bootstrap_policy_reconcile.ts";
import { webhookConverter } from "../../crd/conversion.ts";
import { crdSpec, customResourceDefs } from "../../crd/resource_def.ts";
import { isObj, jsonEqual } from "../../crd/schema.ts";
import type { Registry } from "../../registry.ts";
import { DEFAULT_VERBS } from "../../resource.ts";
import type { Store, WriteOptions } from "../../store.ts";
import { APIEXTENSIONS_GROUP, CLEANUP_FINALIZER } from "./crd.ts";
import {
  calculateNames,
  conditionsOf,
  findCondition,
  setCondition,
  type TakenNames,
  takenNames,
} from "./naming.ts";
import { MATCH_ALL } from "../../watch_cache.ts";

export interface CrdControllerOptions {
  registry: Registry;
  /** Reports a failed reconcile (it is retried). */
  onError?: (name: string, err: Error) => void;
  /** First retry delay; doubles up to 30 s. */
  retryMs?: number;
  now?: () => Date;
}

const WRITE: WriteOptions = {
  fieldManager: "kube-apiserver",
  apiVersion: `${APIEXTENSIONS_GROUP}/v1`,
};

interface Registered {
  group: string;
  plural: string;
  versions: string[];
  fingerprint: string;
}

export class CrdController {
  #opts: Required<Omit<CrdControllerOptions, "onError">> & Pick<CrdControllerOptions, "onError">;
  #crds = new Map<string, KubeObject>();
  #registered = new Map<string, Registered>();
  #queue = new Set<string>();
  #retries = new Map<string, number>();
  #timers = new Set<ReturnType<typeof setTimeout>>();
  #running: Promise<void> | null = null;
  #stop: (() => void) | null = null;
  #stopped = false;

  constructor(opts: CrdControllerOptions) {
    this.#opts = { retryMs: 500, now: () => new Date(), ...opts };
  }

  get #store(): Store {
    return this.#opts.registry.store(APIEXTENSIONS_GROUP, "customresourcedefinitions");
  }

  /** Follows the CRD store and resolves once every existing CRD was reconciled once. */
  async start(): Promise<void> {
    this.#stop = await this.#store.watch("", { filter: MATCH_ALL }, (type, item) => {
      if (!item) return true;
      const name = item.obj.metadata.name!;
      if (type === "DELETED") this.#crds.delete(name);
      else this.#crds.set(name, item.obj);
      this.#enqueue(name);
      // A deleted or renamed CRD may free names another CRD of its group waits for.
      const group = crdSpec(item.obj).group;
      for (const [other, o] of this.#crds) {
        if (other !== name && crdSpec(o).group === group) this.#enqueue(other);
      }
      return true;
    });
    await this.idle();
  }

  stop(): void {
    this.#stopped = true;
    this.#stop?.();
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
  }

  /** Resolves when the queue is empty. */
  async idle(): Promise<void> {
    while (this.#running) await this.#running;
  }

  #enqueue(name: string): void {
    if (this.#stopped) return;
    this.#queue.add(name);
    this.#running ??= this.#drain().finally(() => (this.#running = null));
  }

  async #drain(): Promise<void> {
    await Promise.resolve();
    while (this.#queue.size && !this.#stopped) {
      const [name] = this.#queue;
      this.#queue.delete(name);
      try {
        const again = await this.reconcile(name);
        if (again) this.#retry(name);
        else this.#retries.delete(name);
      } catch (err) {
        this.#opts.onError?.(name, err as Error);
        this.#retry(name);
      }
    }
  }

  #retry(name: string): void {
    const n = this.#retries.get(name) ?? 0;
    this.#retries.set(name, n + 1);
    const delay = Math.min(this.#opts.retryMs * 2 ** n, 30_000);
    const t = setTimeout(() => {
      this.#timers.delete(t);
      this.#enqueue(name);
    }, delay);
    this.#timers.add(t);
  }

  /** Built-in resources of a group (so a CRD cannot take their names). */
  #builtinNames(group: string): TakenNames {
    const taken: TakenNames = { resources: new Set(), kinds: new Set() };
    for (const { def } of this.#opts.registry.all()) {
      if (def.group !== group) continue;
      const ours = [...this.#registered.values()].some((r) =>
        r.group === group && r.plural === def.plural
      );
      if (ours) continue;
      for (const r of [def.plural, def.singular, ...(def.shortNames ?? [])]) taken.resources.add(r);
      taken.kinds.add(def.kind).add(`${def.kind}List`);
    }
    return taken;
  }

  /** Converges one CRD; returns true when it should be looked at again later. */
  async reconcile(name: string): Promise<boolean> {
    const current = await this.#store.tryGet("", name);
    if (!current) {
      this.#unregister(name);
      return false;
    }
    const crd = current.obj;
    if ((crd.metadata as ObjectMeta).deletionTimestamp) return await this.#finalize(crd);
    const spec = crdSpec(crd);
    const others = [...this.#crds.values()].filter((o) => o.metadata.name !== name);
    const naming = calculateNames(
      crd,
      takenNames(spec.group, others, this.#builtinNames(spec.group)),
    );
    const now = this.#opts.now();
    let conditions = setCondition(conditionsOf(crd), naming.namesAccepted, now);
    const status = {
      ...(isObj(crd.status) ? crd.status : {}),
      acceptedNames: naming.acceptedNames,
    };
    let established = naming.established;
    if (naming.namesAccepted.status === "True" || established.status === "True") {
      this.#register({ ...crd, status: { ...status, conditions } });
      established = {
        type: "Established",
        status: "True",
        reason: "InitialNamesAccepted",
        message: "the initial names have been accepted",
      };
    }
    conditions = setCondition(conditions, established, now);
    await this.#writeStatus(name, { ...status, conditions });
    return false;
  }

  async #writeStatus(name: string, status: Record<string, unknown>): Promise<void> {
    const ctx = systemWriteContext(this.#opts.now());
    await this.#store.guaranteedUpdate(
      "",
      name,
      ctx,
      { ...WRITE, subresource: "status" },
      (cur) => {
        const next = structuredClone(cur.obj);
        const before = isObj(next.status) ? next.status : {};
        next.status = { ...before, ...status, storedVersions: before.storedVersions };
        if (jsonEqual(next.status, cur.obj.status)) return cur.obj;
        return next;
      },
    );
  }

  #register(crd: KubeObject): void {
    const name = crd.metadata.name!;
    const spec = crdSpec(crd);
    const terminating = findCondition(crd, "Terminating")?.status === "True";
    const status = isObj(crd.status) ? crd.status : {};
    const fingerprint = JSON.stringify([spec, status.acceptedNames, terminating]);
    const before = this.#registered.get(name);
    if (before?.fingerprint === fingerprint) return;
    const defs = customResourceDefs(crd, webhookConverter(spec, this.#opts.registry));
    if (terminating) {
      for (const d of defs) {
        d.verbs = DEFAULT_VERBS.filter((v) => v !== "create");
      }
    }
    const versions = defs.map((d) => d.versions[0]);
    const registry = this.#opts.registry;
    if (before && before.versions.some((v) => !versions.includes(v))) {
      registry.remove(before.group, before.plural);
    }
    for (const d of defs) registry.add(d);
    this.#registered.set(name, {
      group: spec.group,
      plural: spec.names.plural,
      versions,
      fingerprint,
    });
  }

  #unregister(name: string): void {
    const r = this.#registered.get(name);
    if (!r) return;
    this.#opts.registry.remove(r.group, r.plural);
    this.#registered.delete(name);
  }

  /** Deletes every custom resource of a CRD being deleted, then lets the CRD go. */
  async #finalize(crd: KubeObject): Promise<boolean> {
    const meta = crd.metadata as ObjectMeta;
    if (!meta.finalizers?.includes(CLEANUP_FINALIZER)) return false;
    const name = meta.name!;
    const now = this.#opts.now();
    const conditions = setCondition(conditionsOf(crd), {
      type: "Terminating",
      status: "True",
      reason: "InstanceDeletionInProgress",
      message: "CustomResource deletion is in progress",
    }, now);
    await this.#writeStatus(name, { conditions });
    const r = this.#registered.get(name);
    if (r) {
      this.#register({ ...crd, status: { ...(isObj(crd.status) ? crd.status : {}), conditions } });
      const store = this.#opts.registry.store(r.group, r.plural);
      const ctx = systemWriteContext(now);
      const { items } = await store.list("");
      for (const item of items) {
        const m = item.obj.metadata as ObjectMeta;
        try {
          await store.delete(
            m.namespace ?? "",
            m.name!,
            { ...ctx, namespace: m.namespace ?? "" },
            {},
          );
        } catch (err) {
          if (!(err instanceof StatusError && err.code === 404)) throw err;
        }
      }
      if ((await store.list("")).items.length) return true;
      this.#unregister(name);
    }
    const ctx = systemWriteContext(now);
    await this.#store.guaranteedUpdate("", name, ctx, WRITE, (cur) => {
      const next = structuredClone(cur.obj);
      const m = next.metadata as ObjectMeta;
      m.finalizers = (m.finalizers ?? []).filter((f) => f !== CLEANUP_FINALIZER);
      if (!m.finalizers.length) delete m.finalizers;
      return next;
    });
    return false;
  }
}

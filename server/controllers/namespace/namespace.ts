/**
 * {@link NamespaceController}: empties Terminating namespaces (upstream's namespaced resources
 * deleter). For a namespace being deleted it keeps `status.phase: Terminating`, deletes every
 * namespaced object in it — each resource discovery lists, custom ones included, with a
 * collection delete where served — and reports progress in the upstream status conditions
 * (`NamespaceDeletionDiscoveryFailure`, `NamespaceDeletionGroupVersionParsingFailure`,
 * `NamespaceDeletionContentFailure`, `NamespaceContentRemaining`,
 * `NamespaceFinalizersRemaining`). Once nothing is left it removes the `kubernetes` finalizer
 * through `namespaces/<name>/finalize`, and the namespace goes.
 *
 * @module
 */
import {
  isConflict,
  isNotFound,
  type KubeObject,
  NAMESPACES,
  type Resource,
  type SharedInformer,
} from "../../../kube/client/mod.ts";
import { deepClone, deepEqual, formatTime } from "../../../kube/meta.ts";
import { Controller, type ControllerConfig } from "../framework/mod.ts";
import { discover, type DiscoveredResource, hasVerbs } from "../common/discovery.ts";
import { errText } from "../common/status.ts";
import type { Condition, Namespace } from "../common/types.ts";

const FINALIZER = "kubernetes";
const NS = NAMESPACES as Resource<Namespace>;

const CONDITION_TYPES = [
  "NamespaceDeletionDiscoveryFailure",
  "NamespaceDeletionGroupVersionParsingFailure",
  "NamespaceDeletionContentFailure",
  "NamespaceContentRemaining",
  "NamespaceFinalizersRemaining",
] as const;

const OK: Record<string, [string, string]> = {
  NamespaceDeletionDiscoveryFailure: [
    "ResourcesDiscovered",
    "All resources successfully discovered",
  ],
  NamespaceDeletionGroupVersionParsingFailure: [
    "ParsedGroupVersions",
    "All legacy kube types successfully parsed",
  ],
  NamespaceDeletionContentFailure: [
    "ContentDeleted",
    "All content successfully deleted, may be waiting on finalization",
  ],
  NamespaceContentRemaining: ["ContentRemoved", "All content successfully removed"],
  NamespaceFinalizersRemaining: [
    "ContentHasNoFinalizers",
    "All content-preserving finalizers finished",
  ],
};

/** What one pass over a namespace's content found. */
interface Pass {
  /** Failure conditions of this pass, by type. */
  failures: Map<string, Condition>;
  /** Objects left, by `resource.group`. */
  remaining: Map<string, number>;
  /** Objects left, by finalizer. */
  finalizers: Map<string, number>;
  /** Seconds until pods still terminating should be gone. */
  estimate: number;
}

/** Deletes the content of Terminating namespaces, then finalizes them. */
export class NamespaceController extends Controller {
  readonly #namespaces: SharedInformer<Namespace>;

  constructor(config: ControllerConfig) {
    super(config);
    this.#namespaces = this.watch(NS, {
      updateFilter: (_old, ns) => !!ns.metadata.deletionTimestamp,
    });
  }

  protected async reconcile(key: string): Promise<void> {
    const cached = this.#namespaces.store.get(key);
    if (!cached?.metadata.deletionTimestamp) return;
    let ns: Namespace | undefined = cached;
    if (ns.status?.phase !== "Terminating") {
      ns = await this.#writeStatus(ns, { ...ns.status, phase: "Terminating" });
      if (!ns) return;
    }
    if (!ns.spec?.finalizers?.includes(FINALIZER)) {
      await this.#deleteNamespace(ns);
      return;
    }
    const pass = await this.#deleteContent(ns.metadata.name!);
    ns = await this.#writeStatus(ns, {
      ...ns.status,
      phase: "Terminating",
      conditions: conditions(ns.status?.conditions ?? [], pass, this.clock.now()),
    });
    if (!ns) return;
    let left = 0;
    for (const n of pass.remaining.values()) left += n;
    if (left > 0 || pass.failures.size > 0) {
      // Upstream's backoff for content still going away: half the estimate, plus a second.
      this.queue.addAfter(key, (Math.floor(pass.estimate / 2) + 1) * 1000);
      return;
    }
    await this.#finalize(ns);
  }

  async #deleteContent(namespace: string): Promise<Pass> {
    const pass: Pass = {
      failures: new Map(),
      remaining: new Map(),
      finalizers: new Map(),
      estimate: 0,
    };
    const found = await discover(this.client);
    if (found.failed.length) {
      const names = found.failed.map((f) => `${f.groupVersion}: ${errText(f.error)}`);
      pass.failures.set("NamespaceDeletionDiscoveryFailure", {
        type: "NamespaceDeletionDiscoveryFailure",
        status: "True",
        reason: "DiscoveryFailed",
        message: `Discovery failed for some groups, ${found.failed.length} failing: ${
          names.join(", ")
        }`,
      });
    }
    const deletable = found.resources.filter((r) =>
      r.resource.namespaced && hasVerbs(r, "list", "delete")
    );
    const errors: string[] = [];
    await Promise.all(deletable.map(async (r) => {
      try {
        await this.#deleteAll(r, namespace, pass);
      } catch (err) {
        errors.push(errText(err));
      }
    }));
    if (errors.length) {
      errors.sort();
      pass.failures.set("NamespaceDeletionContentFailure", {
        type: "NamespaceDeletionContentFailure",
        status: "True",
        reason: "ContentDeletionFailed",
        message: `Failed to delete all resource types, ${errors.length} remaining: ${
          errors.join(", ")
        }`,
      });
    }
    return pass;
  }

  /** Deletes one resource's objects in the namespace and counts what is left. */
  async #deleteAll(r: DiscoveredResource, namespace: string, pass: Pass): Promise<void> {
    const res = r.resource;
    if (hasVerbs(r, "deletecollection")) {
      await this.client.deleteCollection(res, { namespace, propagationPolicy: "Background" });
    } else {
      const list = await this.client.list(res, { namespace });
      for (const obj of list.items) {
        await this.client.delete(res, obj.metadata.name!, {
          namespace,
          propagationPolicy: "Background",
        }).catch((err) => {
          if (!isNotFound(err)) throw err;
        });
      }
    }
    const left = (await this.client.list(res, { namespace })).items;
    if (!left.length) return;
    pass.remaining.set(`${res.resource}.${res.group}`, left.length);
    for (const obj of left) {
      for (const f of obj.metadata.finalizers ?? []) {
        pass.finalizers.set(f, (pass.finalizers.get(f) ?? 0) + 1);
      }
      if (res.group === "" && res.resource === "pods") {
        pass.estimate = Math.max(pass.estimate, podGrace(obj));
      }
    }
  }

  /** Removes the `kubernetes` finalizer; the server deletes the namespace when none is left. */
  async #finalize(ns: Namespace): Promise<void> {
    let current: Namespace | undefined = ns;
    for (let attempt = 0; current; attempt++) {
      const next = deepClone(current);
      next.spec = {
        ...next.spec,
        finalizers: (next.spec?.finalizers ?? []).filter((f) => f !== FINALIZER),
      };
      try {
        const out = await this.client.request<Namespace>(
          "PUT",
          `/api/v1/namespaces/${encodeURIComponent(ns.metadata.name!)}/finalize`,
          { apiVersion: "v1", kind: "Namespace", ...next },
        );
        if (!out.spec?.finalizers?.length) await this.#deleteNamespace(out);
        return;
      } catch (err) {
        if (isNotFound(err)) return;
        if (!isConflict(err) || attempt >= 5) throw err;
      }
      current = await this.client.get(NS, ns.metadata.name!).catch((err) => {
        if (isNotFound(err)) return undefined;
        throw err;
      });
    }
  }

  /** Deletes a finalized namespace (upstream's controller does, in case nothing else will). */
  async #deleteNamespace(ns: Namespace): Promise<void> {
    try {
      await this.client.delete(NS, ns.metadata.name!, { preconditions: { uid: ns.metadata.uid } });
    } catch (err) {
      const code = (err as { code?: number }).code;
      if (!isNotFound(err) && code !== 409) throw err;
    }
  }

  async #writeStatus(ns: Namespace, status: Namespace["status"]): Promise<Namespace | undefined> {
    if (deepEqual(ns.status ?? {}, status ?? {})) return ns;
    try {
      return await this.client.updateStatus(NS, { ...ns, status });
    } catch (err) {
      if (isNotFound(err)) return undefined;
      if (!isConflict(err)) throw err;
      const fresh = await this.client.get(NS, ns.metadata.name!);
      return await this.client.updateStatus(NS, { ...fresh, status });
    }
  }
}

/** The upstream condition list: failures of this pass, the "ok" variant of every other type. */
function conditions(old: Condition[], pass: Pass, now: number): Condition[] {
  const fresh = new Map(pass.failures);
  const remaining = [...pass.remaining].filter(([, n]) => n > 0)
    .map(([gr, n]) => `${gr} has ${n} resource instances`).sort();
  if (remaining.length) {
    fresh.set("NamespaceContentRemaining", {
      type: "NamespaceContentRemaining",
      status: "True",
      reason: "SomeResourcesRemain",
      message: `Some resources are remaining: ${remaining.join(", ")}`,
    });
  }
  const byFinalizer = [...pass.finalizers].filter(([, n]) => n > 0)
    .map(([f, n]) => `${f} in ${n} resource instances`).sort();
  if (byFinalizer.length) {
    fresh.set("NamespaceFinalizersRemaining", {
      type: "NamespaceFinalizersRemaining",
      status: "True",
      reason: "SomeFinalizersRemain",
      message: `Some content in the namespace has finalizers remaining: ${byFinalizer.join(", ")}`,
    });
  }
  const out = old.map((c) => ({ ...c }));
  for (const type of CONDITION_TYPES) {
    const want = fresh.get(type) ??
      { type, status: "False", reason: OK[type][0], message: OK[type][1] };
    const have = out.find((c) => c.type === type);
    if (!have) out.push({ ...want, lastTransitionTime: formatTime(now) });
    else if (
      have.status !== want.status || have.reason !== want.reason || have.message !== want.message
    ) {
      if (have.status !== want.status) have.lastTransitionTime = formatTime(now);
      have.status = want.status;
      have.reason = want.reason;
      have.message = want.message;
    }
  }
  return out;
}

/** Seconds a terminating pod may still take. */
function podGrace(pod: KubeObject): number {
  const g = pod.metadata.deletionGracePeriodSeconds ??
    (pod.spec as { terminationGracePeriodSeconds?: number } | undefined)
      ?.terminationGracePeriodSeconds ??
    30;
  return Math.max(0, g);
}

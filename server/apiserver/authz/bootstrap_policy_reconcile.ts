/**
 * Reconciles the bootstrap policy at every start, as upstream's RBAC post-start hook: missing
 * objects are created; existing ones get missing labels, annotations, rules, aggregation
 * selectors and subjects added (nothing is removed); a binding whose roleRef differs is
 * recreated. Objects annotated `rbac.authorization.kubernetes.io/autoupdate: "false"` are left
 * alone. Safe to run on several servers at once.
 *
 * @module
 */
import { StatusError } from "../../../kube/errors.ts";
import { deepClone, deepEqual, type KubeObject } from "../../../kube/meta.ts";
import type { Registry } from "../registry.ts";
import type { WriteContext } from "../resource.ts";
import type { Store, WriteOptions } from "../store.ts";
import {
  AUTOUPDATE_ANNOTATION,
  type BootstrapPolicy,
  bootstrapPolicy,
} from "./bootstrap_policy.ts";
import { covers, type PolicyRule, RBAC_GROUP, type Subject } from "./rbac_rules.ts";

export type ReconcileOperation = "none" | "create" | "update" | "recreate";

export interface ReconcileResult {
  operation: ReconcileOperation;
  /** Annotated autoupdate=false: the wanted change was not made. */
  protected: boolean;
  /** The object as it should be stored. */
  object: KubeObject;
}

/** Writes of the reconciler and the aggregator: a privileged, internal identity. */
export function systemWriteContext(now = new Date()): WriteContext {
  return {
    user: { name: "system:apiserver", groups: ["system:masters", "system:authenticated"] },
    namespace: "",
    now,
    dryRun: false,
    warn: () => {},
  };
}

const WRITE_OPTIONS: WriteOptions = { fieldManager: "k3s", apiVersion: `${RBAC_GROUP}/v1` };

function isProtected(obj: KubeObject): boolean {
  return obj.metadata.annotations?.[AUTOUPDATE_ANNOTATION] === "false";
}

/** Adds the expected labels and annotations an object lacks (existing values win). */
function mergeMeta(out: KubeObject, expected: KubeObject): boolean {
  let changed = false;
  for (const field of ["labels", "annotations"] as const) {
    const want = expected.metadata[field] ?? {};
    const have = { ...(out.metadata[field] ?? {}) };
    for (const [k, v] of Object.entries(want)) {
      if (!(k in have)) {
        have[k] = v;
        changed = true;
      }
    }
    if (Object.keys(have).length) out.metadata[field] = have;
  }
  return changed;
}

function selectorsOf(obj: KubeObject): unknown[] {
  const rule = obj.aggregationRule as { clusterRoleSelectors?: unknown[] } | undefined;
  return Array.isArray(rule?.clusterRoleSelectors) ? rule.clusterRoleSelectors : [];
}

/** The reconciled form of a role or cluster role. */
export function reconcileRole(existing: KubeObject | null, expected: KubeObject): ReconcileResult {
  if (!existing) return { operation: "create", protected: false, object: deepClone(expected) };
  const out = deepClone(existing);
  let changed = mergeMeta(out, expected);
  const have = Array.isArray(existing.rules) ? existing.rules as PolicyRule[] : [];
  const want = Array.isArray(expected.rules) ? expected.rules as PolicyRule[] : [];
  const { missing } = covers(have, want);
  if (missing.length) {
    out.rules = [...have, ...missing];
    changed = true;
  }
  if (!expected.aggregationRule && existing.aggregationRule) {
    delete out.aggregationRule;
    changed = true;
  } else if (expected.aggregationRule) {
    const current = selectorsOf(existing);
    const absent = selectorsOf(expected).filter((s) => !current.some((c) => deepEqual(c, s)));
    if (absent.length) {
      out.aggregationRule = { clusterRoleSelectors: [...current, ...deepClone(absent)] };
      changed = true;
    }
  }
  return { operation: changed ? "update" : "none", protected: isProtected(existing), object: out };
}

function sameSubject(a: Subject, b: Subject): boolean {
  return a.kind === b.kind && (a.apiGroup ?? "") === (b.apiGroup ?? "") && a.name === b.name &&
    (a.namespace ?? "") === (b.namespace ?? "");
}

/** The reconciled form of a role binding or cluster role binding. */
export function reconcileBinding(
  existing: KubeObject | null,
  expected: KubeObject,
): ReconcileResult {
  if (!existing) return { operation: "create", protected: false, object: deepClone(expected) };
  if (!deepEqual(existing.roleRef, expected.roleRef)) {
    return { operation: "recreate", protected: isProtected(existing), object: deepClone(expected) };
  }
  const out = deepClone(existing);
  let changed = mergeMeta(out, expected);
  const have = Array.isArray(existing.subjects) ? existing.subjects as Subject[] : [];
  const want = Array.isArray(expected.subjects) ? expected.subjects as Subject[] : [];
  const missing = want.filter((w) => !have.some((h) => sameSubject(h, w)));
  if (missing.length) {
    out.subjects = [...have, ...deepClone(missing)];
    changed = true;
  }
  return { operation: changed ? "update" : "none", protected: isProtected(existing), object: out };
}

/** What one reconcile run did, by `kind/namespace/name`. */
export interface ReconcileReport {
  created: string[];
  updated: string[];
  recreated: string[];
  /** Protected objects that differ from the policy. */
  skipped: string[];
}

async function reconcileOne(
  store: Store,
  expected: KubeObject,
  compute: (existing: KubeObject | null, expected: KubeObject) => ReconcileResult,
  report: ReconcileReport,
): Promise<void> {
  const ns = expected.metadata.namespace ?? "";
  const name = expected.metadata.name!;
  const id = `${expected.kind}/${ns ? `${ns}/` : ""}${name}`;
  const ctx = { ...systemWriteContext(), namespace: ns };
  for (let attempt = 0; attempt < 5; attempt++) {
    const current = await store.tryGet(ns, name);
    const result = compute(current?.obj ?? null, expected);
    if (result.operation === "none") return;
    if (result.protected) {
      report.skipped.push(id);
      return;
    }
    try {
      if (result.operation === "create") {
        await store.create(ns, result.object, ctx, WRITE_OPTIONS);
        report.created.push(id);
      } else if (result.operation === "recreate") {
        await store.delete(ns, name, ctx, { preconditions: { uid: current!.obj.metadata.uid } });
        await store.create(ns, result.object, ctx, WRITE_OPTIONS);
        report.recreated.push(id);
      } else {
        await store.guaranteedUpdate(ns, name, ctx, WRITE_OPTIONS, (cur) => {
          const again = compute(cur.obj, expected);
          return again.protected ? cur.obj : again.object;
        });
        report.updated.push(id);
      }
      return;
    } catch (err) {
      // Another server won a race (created, deleted or changed it first): look again.
      if (!(err instanceof StatusError) || ![404, 409].includes(err.code)) throw err;
    }
  }
  throw new Error(`Cannot reconcile ${id}: it kept changing`);
}

/** Brings the stored RBAC objects in line with the bootstrap policy. */
export async function reconcileBootstrapPolicy(
  registry: Registry,
  policy: BootstrapPolicy = bootstrapPolicy(),
): Promise<ReconcileReport> {
  const report: ReconcileReport = { created: [], updated: [], recreated: [], skipped: [] };
  const stores = (plural: string) => registry.store(RBAC_GROUP, plural);
  const kinds = [
    [policy.clusterRoles, stores("clusterroles"), reconcileRole],
    [policy.clusterRoleBindings, stores("clusterrolebindings"), reconcileBinding],
    [policy.roles, stores("roles"), reconcileRole],
    [policy.roleBindings, stores("rolebindings"), reconcileBinding],
  ] as const;
  for (const [objects, store, compute] of kinds) {
    // Concurrently, so that the datastore commits the writes of a fresh cluster in a few
    // transactions; the report keeps the policy's order.
    const parts = await Promise.all(objects.map(async (o) => {
      const part: ReconcileReport = { created: [], updated: [], recreated: [], skipped: [] };
      await reconcileOne(store, o, compute, part);
      return part;
    }));
    for (const part of parts) {
      for (const key of ["created", "updated", "recreated", "skipped"] as const) {
        report[key].push(...part[key]);
      }
    }
  }
  return report;
}

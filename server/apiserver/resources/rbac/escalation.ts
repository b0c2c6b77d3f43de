/**
 * The strategy hooks that stop privilege escalation through the RBAC API: they run before
 * validation on create and update, as upstream's policy-based RBAC storage does, and fail with
 * 403 Forbidden.
 *
 * @module
 */
import { forbidden } from "../../../../kube/errors.ts";
import { deepEqual, isJsonObject, type KubeObject } from "../../../../kube/meta.ts";
import {
  bindingAuthorized,
  escalationAllowed,
  type EscalationDeps,
  FULL_AUTHORITY,
  missingPermissions,
  roleEscalationAuthorized,
} from "../../authz/rbac_escalation.ts";
import { type PolicyRule, RBAC_GROUP, type RoleRef } from "../../authz/rbac_rules.ts";
import type { WriteContext } from "../../resource.ts";

function deny(plural: string, name: string, message: string): Error {
  return forbidden(`${plural}.${RBAC_GROUP} "${name}" is forbidden: ${message}`, {
    name,
    group: RBAC_GROUP,
    kind: plural,
  });
}

/** Only fields the garbage collector changes (owner references, finalizers) differ. */
export function onlyGcFieldsChange(obj: KubeObject, old: KubeObject): boolean {
  const strip = (o: KubeObject) => {
    const { ownerReferences: _o, finalizers: _f, resourceVersion: _r, managedFields: _m, ...meta } =
      o.metadata;
    return { ...o, metadata: meta };
  };
  return deepEqual(strip(obj), strip(old));
}

/** Rules as written, keeping only well-formed entries (validation reports the rest). */
export function rulesIn(o: KubeObject): PolicyRule[] {
  if (!Array.isArray(o.rules)) return [];
  return o.rules.filter((r): r is PolicyRule =>
    isJsonObject(r) && Object.values(r).every((v) => v === undefined || Array.isArray(v))
  );
}

function hasAggregation(o: KubeObject | null): boolean {
  const rule = o?.aggregationRule;
  return isJsonObject(rule) && Array.isArray(rule.clusterRoleSelectors) &&
    rule.clusterRoleSelectors.length > 0;
}

/** Checks a role or cluster role write; `old` is null on create. */
export async function checkRoleWrite(
  deps: EscalationDeps,
  plural: "roles" | "clusterroles",
  obj: KubeObject,
  old: KubeObject | null,
  ctx: WriteContext,
): Promise<void> {
  const user = ctx.user;
  if (escalationAllowed(user)) return;
  const name = obj.metadata.name ?? "";
  const namespace = plural === "roles" ? ctx.namespace : "";
  if (await roleEscalationAuthorized(deps, user, plural, namespace, name)) return;
  if (old && onlyGcFieldsChange(obj, old)) return;
  const missing = missingPermissions(deps, user, namespace, rulesIn(obj));
  if (missing) throw deny(plural, name, missing);
  if (plural === "clusterroles" && (hasAggregation(obj) || hasAggregation(old))) {
    if (missingPermissions(deps, user, namespace, FULL_AUTHORITY)) {
      throw deny(plural, name, "must have cluster-admin privileges to use the aggregationRule");
    }
  }
}

/** Checks a role binding or cluster role binding write; `old` is null on create. */
export async function checkBindingWrite(
  deps: EscalationDeps,
  plural: "rolebindings" | "clusterrolebindings",
  obj: KubeObject,
  old: KubeObject | null,
  ctx: WriteContext,
): Promise<void> {
  const user = ctx.user;
  if (escalationAllowed(user)) return;
  if (old && onlyGcFieldsChange(obj, old)) return;
  const namespace = plural === "rolebindings" ? ctx.namespace : "";
  if (!isJsonObject(obj.roleRef)) return; // validation reports it
  const ref = obj.roleRef as unknown as RoleRef;
  const kinds = plural === "rolebindings" ? ["Role", "ClusterRole"] : ["ClusterRole"];
  if (!kinds.includes(ref.kind) || typeof ref.name !== "string") return; // validation reports it
  if (await bindingAuthorized(deps, user, ref, namespace)) return;
  // A missing role is reported as upstream's registry does: 404 `roles... "x" not found`.
  const rules = deps.index.roleRefRules(ref, namespace, true);
  const missing = missingPermissions(deps, user, namespace, rules);
  if (missing) throw deny(plural, obj.metadata.name ?? "", missing);
}

/**
 * `rolebindings` and `clusterrolebindings`: a role reference (immutable) and subjects, with
 * upstream's defaults, checked against privilege escalation before validation.
 *
 * @module
 */
import { deepEqual } from "../../../../kube/meta.ts";
import type { EscalationDeps } from "../../authz/rbac_escalation.ts";
import { RBAC_GROUP } from "../../authz/rbac_rules.ts";
import type { ResourceDef } from "../../resource.ts";
import { bindingColumns } from "./columns.ts";
import { checkBindingWrite } from "./escalation.ts";
import { defaultBinding, validateRoleRef, validateSubjects } from "./validation.ts";
import type { FieldError } from "../../../../kube/errors.ts";
import type { KubeObject } from "../../../../kube/meta.ts";

function roleRefUnchanged(o: KubeObject, old: KubeObject): FieldError[] {
  if (deepEqual(o.roleRef, old.roleRef)) return [];
  return [{
    type: "FieldValueInvalid",
    field: "roleRef",
    value: o.roleRef,
    detail: "cannot change roleRef",
  }];
}

export function roleBindingResource(deps: EscalationDeps): ResourceDef {
  return {
    group: RBAC_GROUP,
    versions: ["v1"],
    kind: "RoleBinding",
    plural: "rolebindings",
    singular: "rolebinding",
    namespaced: true,
    pathSegmentName: true,
    strategy: {
      prepareForCreate: async (o, ctx) => {
        defaultBinding(o);
        await checkBindingWrite(deps, "rolebindings", o, null, ctx);
      },
      prepareForUpdate: async (o, old, ctx) => {
        defaultBinding(o);
        await checkBindingWrite(deps, "rolebindings", o, old, ctx);
      },
      validate: (o) => [
        ...validateRoleRef(o.roleRef, ["Role", "ClusterRole"]),
        ...validateSubjects(o.subjects, true),
      ],
      validateUpdate: roleRefUnchanged,
    },
    columns: bindingColumns("roleBinding"),
  };
}

export function clusterRoleBindingResource(deps: EscalationDeps): ResourceDef {
  return {
    group: RBAC_GROUP,
    versions: ["v1"],
    kind: "ClusterRoleBinding",
    plural: "clusterrolebindings",
    singular: "clusterrolebinding",
    namespaced: false,
    pathSegmentName: true,
    strategy: {
      prepareForCreate: async (o, ctx) => {
        defaultBinding(o);
        await checkBindingWrite(deps, "clusterrolebindings", o, null, ctx);
      },
      prepareForUpdate: async (o, old, ctx) => {
        defaultBinding(o);
        await checkBindingWrite(deps, "clusterrolebindings", o, old, ctx);
      },
      validate: (o) => [
        ...validateRoleRef(o.roleRef, ["ClusterRole"]),
        ...validateSubjects(o.subjects, false),
      ],
      validateUpdate: roleRefUnchanged,
    },
    columns: bindingColumns("clusterRoleBinding"),
  };
}

/**
 * `roles` and `clusterroles`: policy rules (and for cluster roles an aggregation rule), checked
 * against privilege escalation before validation.
 *
 * @module
 */
import type { EscalationDeps } from "../../authz/rbac_escalation.ts";
import { RBAC_GROUP } from "../../authz/rbac_rules.ts";
import type { ResourceDef } from "../../resource.ts";
import { ROLE_COLUMNS } from "./columns.ts";
import { checkRoleWrite } from "./escalation.ts";
import { validateAggregationRule, validateRules } from "./validation.ts";

export function roleResource(deps: EscalationDeps): ResourceDef {
  return {
    group: RBAC_GROUP,
    versions: ["v1"],
    kind: "Role",
    plural: "roles",
    singular: "role",
    namespaced: true,
    pathSegmentName: true,
    strategy: {
      prepareForCreate: (o, ctx) => checkRoleWrite(deps, "roles", o, null, ctx),
      prepareForUpdate: (o, old, ctx) => checkRoleWrite(deps, "roles", o, old, ctx),
      validate: (o) => validateRules(o.rules, true),
    },
    columns: ROLE_COLUMNS,
  };
}

export function clusterRoleResource(deps: EscalationDeps): ResourceDef {
  return {
    group: RBAC_GROUP,
    versions: ["v1"],
    kind: "ClusterRole",
    plural: "clusterroles",
    singular: "clusterrole",
    namespaced: false,
    pathSegmentName: true,
    strategy: {
      prepareForCreate: (o, ctx) => checkRoleWrite(deps, "clusterroles", o, null, ctx),
      prepareForUpdate: (o, old, ctx) => checkRoleWrite(deps, "clusterroles", o, old, ctx),
      validate: (o) => [
        ...validateRules(o.rules, false),
        ...validateAggregationRule(o.aggregationRule),
      ],
    },
    columns: ROLE_COLUMNS,
  };
}

/**
 * `rbac.authorization.k8s.io/v1`: roles, cluster roles and their bindings. Writes are checked
 * against privilege escalation with the authorizer and the in-memory RBAC index.
 *
 * @module
 */
import type { EscalationDeps } from "../../authz/rbac_escalation.ts";
import type { ResourceDef } from "../../resource.ts";
import { clusterRoleBindingResource, roleBindingResource } from "./bindings.ts";
import { clusterRoleResource, roleResource } from "./roles.ts";

export type { EscalationDeps as RbacResourceDeps } from "../../authz/rbac_escalation.ts";

export function rbacResources(deps: EscalationDeps): ResourceDef[] {
  return [
    clusterRoleBindingResource(deps),
    clusterRoleResource(deps),
    roleBindingResource(deps),
    roleResource(deps),
  ];
}

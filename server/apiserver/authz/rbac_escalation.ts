/**
 * Privilege-escalation prevention, as upstream's RBAC registry: a user may write a role only with
 * rules they already hold in that namespace (or with the `escalate` verb on the role), and bind
 * a role only when they hold its rules (or with the `bind` verb on it). Members of
 * `system:masters` may do anything.
 *
 * @module
 */
import type { Authorizer } from "../app.ts";
import type { UserInfo } from "../resource.ts";
import { attributes, PRIVILEGED_GROUP } from "./chain.ts";
import type { RbacIndex } from "./rbac_index.ts";
import {
  compactRules,
  compactString,
  covers,
  type PolicyRule,
  quoteList,
  RBAC_GROUP,
  type RoleRef,
} from "./rbac_rules.ts";

/** What the checks consult: the authorizer (for `escalate` and `bind`) and the RBAC index. */
export interface EscalationDeps {
  authorizer: Authorizer;
  index: Pick<RbacIndex, "rulesFor" | "roleRefRules">;
}

/** The rules that grant everything (cluster-admin's). */
export const FULL_AUTHORITY: PolicyRule[] = [
  { verbs: ["*"], apiGroups: ["*"], resources: ["*"] },
  { verbs: ["*"], nonResourceURLs: ["*"] },
];

/** Members of system:masters never escalate. */
export function escalationAllowed(user: UserInfo): boolean {
  return user.groups.includes(PRIVILEGED_GROUP);
}

/** Whether the user may `escalate` on the role being written. */
export async function roleEscalationAuthorized(
  deps: EscalationDeps,
  user: UserInfo,
  resource: "roles" | "clusterroles",
  namespace: string,
  name: string,
): Promise<boolean> {
  const info = attributes({ verb: "escalate", group: RBAC_GROUP, resource, namespace, name });
  return (await deps.authorizer.authorize(user, info)).allowed;
}

/** Whether the user may `bind` the referenced role in `namespace` ("" for cluster bindings). */
export async function bindingAuthorized(
  deps: EscalationDeps,
  user: UserInfo,
  ref: RoleRef,
  namespace: string,
): Promise<boolean> {
  const resource = ref.kind === "ClusterRole" ? "clusterroles" : ref.kind === "Role" ? "roles" : "";
  if (!resource) return false;
  const info = attributes({
    verb: "bind",
    group: ref.apiGroup,
    resource,
    namespace,
    name: ref.name,
  });
  return (await deps.authorizer.authorize(user, info)).allowed;
}

/**
 * Null when the user's rules in `namespace` cover `rules`; otherwise upstream's message listing
 * what is missing.
 */
export function missingPermissions(
  deps: EscalationDeps,
  user: UserInfo,
  namespace: string,
  rules: PolicyRule[],
): string | null {
  const owned = deps.index.rulesFor(user, namespace);
  const { covered, missing } = covers(owned.rules, rules);
  if (covered) return null;
  const lines = [...new Set(compactRules(missing).map(compactString))].sort();
  let msg = `user "${user.name}" (groups=${
    quoteList(user.groups)
  }) is attempting to grant RBAC permissions not currently held:\n${lines.join("\n")}`;
  if (owned.errors.length) msg += `; resolution errors: [${owned.errors.join(" ")}]`;
  return msg;
}

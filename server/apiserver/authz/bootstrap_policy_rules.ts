/**
 * Small builders for the bootstrap policy's rules, so the policy reads as data. Lists are sorted
 * as upstream's rule builder sorts them, so stored objects compare equal across restarts.
 *
 * @module
 */
import type { PolicyRule } from "./rbac_rules.ts";

export const READ = ["get", "list", "watch"];
export const WRITE = ["create", "update", "patch", "delete", "deletecollection"];
export const READ_WRITE = [...READ, ...WRITE];

/** A resource rule: `verbs` on `resources` of `groups`, optionally only `names`. */
export function rule(
  verbs: string[],
  groups: string[],
  resources: string[],
  names?: string[],
): PolicyRule {
  const r: PolicyRule = {
    verbs: [...verbs].sort(),
    apiGroups: [...groups].sort(),
    resources: [...resources].sort(),
  };
  if (names?.length) r.resourceNames = [...names].sort();
  return r;
}

/** A core-group (`""`) resource rule. */
export function core(verbs: string[], resources: string[], names?: string[]): PolicyRule {
  return rule(verbs, [""], resources, names);
}

/** A non-resource rule. */
export function urls(verbs: string[], paths: string[]): PolicyRule {
  return { verbs: [...verbs].sort(), nonResourceURLs: [...paths].sort() };
}

/** Creating and updating events in both event groups (upstream's `eventsRule`). */
export function events(): PolicyRule {
  return rule(["create", "update", "patch"], ["", "events.k8s.io"], ["events"]);
}

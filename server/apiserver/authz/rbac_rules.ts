/**
 * RBAC policy rules: their wire shape, whether one rule allows a request (verbs, API groups,
 * `resource/subresource`, with `*` for any resource and `*` before `/sub` for any resource's
 * subresource `sub`, resource names, non-resource URLs with a
 * trailing `*`), and whether one set of rules covers another (the privilege-escalation check),
 * with upstream's compact description of missing rules.
 *
 * @module
 */
import type { RequestInfo } from "../request_info.ts";

/** `rbac.authorization.k8s.io/v1` `PolicyRule`. */
export interface PolicyRule {
  verbs: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

/** `rbac.authorization.k8s.io/v1` `Subject`. */
export interface Subject {
  kind: string;
  apiGroup?: string;
  name: string;
  namespace?: string;
}

/** `rbac.authorization.k8s.io/v1` `RoleRef`. */
export interface RoleRef {
  apiGroup: string;
  kind: string;
  name: string;
}

export const RBAC_GROUP = "rbac.authorization.k8s.io";

/** The attributes of a request that rules are matched against. */
export type RuleAttributes = Pick<
  RequestInfo,
  "isResourceRequest" | "verb" | "group" | "resource" | "subresource" | "name" | "path"
>;

function anyIs(list: readonly string[] | undefined, value: string): boolean {
  if (!list) return false;
  for (const v of list) if (v === "*" || v === value) return true;
  return false;
}

/** A rule's resources match `resource` or `resource/sub`, exactly or by wildcard. */
export function resourceMatches(rule: PolicyRule, combined: string, subresource: string): boolean {
  for (const r of rule.resources ?? []) {
    if (r === "*" || r === combined) return true;
    if (
      subresource && r.length === subresource.length + 2 && r.startsWith("*/") &&
      r.endsWith(subresource)
    ) return true;
  }
  return false;
}

/** No resourceNames means every name. */
export function resourceNameMatches(rule: PolicyRule, name: string): boolean {
  const names = rule.resourceNames;
  return !names || names.length === 0 || names.includes(name);
}

/** `*`, an exact path, or a prefix ending in `*`. */
export function nonResourceURLMatches(rule: PolicyRule, path: string): boolean {
  for (const u of rule.nonResourceURLs ?? []) {
    if (u === "*" || u === path) return true;
    if (u.endsWith("*") && path.startsWith(u.replace(/\*+$/, ""))) return true;
  }
  return false;
}

/** Whether `rule` allows the request, as upstream's `RuleAllows`. */
export function ruleAllows(attrs: RuleAttributes, rule: PolicyRule): boolean {
  if (!anyIs(rule.verbs, attrs.verb)) return false;
  if (!attrs.isResourceRequest) return nonResourceURLMatches(rule, attrs.path);
  const combined = attrs.subresource ? `${attrs.resource}/${attrs.subresource}` : attrs.resource;
  return anyIs(rule.apiGroups, attrs.group) &&
    resourceMatches(rule, combined, attrs.subresource) &&
    resourceNameMatches(rule, attrs.name);
}

/** Splits a rule into rules of one verb, one group, one resource and at most one name. */
export function breakdownRule(rule: PolicyRule): PolicyRule[] {
  const out: PolicyRule[] = [];
  for (const group of rule.apiGroups ?? []) {
    for (const resource of rule.resources ?? []) {
      for (const verb of rule.verbs ?? []) {
        const names = rule.resourceNames ?? [];
        if (names.length === 0) {
          out.push({ verbs: [verb], apiGroups: [group], resources: [resource] });
        }
        for (const name of names) {
          out.push({
            verbs: [verb],
            apiGroups: [group],
            resources: [resource],
            resourceNames: [name],
          });
        }
      }
    }
  }
  for (const url of rule.nonResourceURLs ?? []) {
    for (const verb of rule.verbs ?? []) out.push({ verbs: [verb], nonResourceURLs: [url] });
  }
  return out;
}

function hasAll(
  set: readonly string[] | undefined,
  wanted: readonly string[] | undefined,
): boolean {
  const have = new Set(set ?? []);
  return (wanted ?? []).every((w) => have.has(w));
}

function resourcesCover(owner: readonly string[] | undefined, wanted: readonly string[]): boolean {
  const have = owner ?? [];
  if (have.includes("*") || hasAll(have, wanted)) return true;
  return wanted.every((path) => {
    if (have.includes(path)) return true;
    const slash = path.indexOf("/");
    return slash >= 0 && have.includes(`*/${path.slice(slash + 1)}`);
  });
}

function urlsCover(owner: readonly string[] | undefined, wanted: readonly string[]): boolean {
  return wanted.every((path) =>
    (owner ?? []).some((o) =>
      o === path || (o.endsWith("*") && path.startsWith(o.replace(/\*+$/, "")))
    )
  );
}

/** Whether `owner` covers `sub`, a rule from {@link breakdownRule}. */
export function ruleCovers(owner: PolicyRule, sub: PolicyRule): boolean {
  const verbs = (owner.verbs ?? []).includes("*") || hasAll(owner.verbs, sub.verbs);
  const groups = (owner.apiGroups ?? []).includes("*") || hasAll(owner.apiGroups, sub.apiGroups);
  const resources = resourcesCover(owner.resources, sub.resources ?? []);
  const urls = urlsCover(owner.nonResourceURLs, sub.nonResourceURLs ?? []);
  const ownerNames = owner.resourceNames ?? [];
  const subNames = sub.resourceNames ?? [];
  const names = subNames.length === 0
    ? ownerNames.length === 0
    : ownerNames.length === 0 || hasAll(ownerNames, subNames);
  return verbs && groups && resources && urls && names;
}

/**
 * Whether `owner` rules grant everything `servant` rules do; `missing` lists the uncovered
 * pieces, one verb/group/resource/name each.
 */
export function covers(
  owner: readonly PolicyRule[],
  servant: readonly PolicyRule[],
): { covered: boolean; missing: PolicyRule[] } {
  const missing: PolicyRule[] = [];
  for (const rule of servant) {
    for (const sub of breakdownRule(rule)) {
      if (!owner.some((o) => ruleCovers(o, sub))) missing.push(sub);
    }
  }
  return { covered: missing.length === 0, missing };
}

/**
 * Merges rules of a single group and resource (and nothing else) that differ only by verb, as
 * upstream does before listing missing rules.
 */
export function compactRules(rules: readonly PolicyRule[]): PolicyRule[] {
  const out: PolicyRule[] = [];
  const simple = new Map<string, PolicyRule>();
  for (const r of rules) {
    const isSimple = !r.resourceNames?.length && !r.nonResourceURLs?.length &&
      r.apiGroups?.length === 1 && r.resources?.length === 1;
    if (!isSimple) {
      out.push(r);
      continue;
    }
    const key = `${r.apiGroups![0]}\0${r.resources![0]}`;
    const existing = simple.get(key);
    if (existing) existing.verbs.push(...r.verbs);
    else {simple.set(key, {
        verbs: [...r.verbs],
        apiGroups: [...r.apiGroups!],
        resources: [...r.resources!],
      });}
  }
  return [...out, ...simple.values()];
}

function goQuoted(list: readonly string[]): string {
  return `[${list.map((s) => JSON.stringify(s)).join(" ")}]`;
}

/** Upstream's `CompactString`: `{APIGroups:[""], Resources:["pods"], Verbs:["get"]}`. */
export function compactString(r: PolicyRule): string {
  const parts: string[] = [];
  if (r.apiGroups?.length) parts.push(`APIGroups:${goQuoted(r.apiGroups)}`);
  if (r.resources?.length) parts.push(`Resources:${goQuoted(r.resources)}`);
  if (r.nonResourceURLs?.length) parts.push(`NonResourceURLs:${goQuoted(r.nonResourceURLs)}`);
  if (r.resourceNames?.length) parts.push(`ResourceNames:${goQuoted(r.resourceNames)}`);
  if (r.verbs?.length) parts.push(`Verbs:${goQuoted(r.verbs)}`);
  return `{${parts.join(", ")}}`;
}

/** A Go `%q` of a string list, as upstream prints groups: `["a" "b"]`. */
export const quoteList: (list: readonly string[]) => string = goQuoted;

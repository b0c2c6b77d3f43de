/**
 * The audit policy (`audit.k8s.io/v1` `Policy`, `--audit-policy-file`): parsed and checked at
 * start, then asked per request which level, stages to leave out and whether to drop managed
 * fields. The first rule that matches decides; no match means level None. Matching follows
 * upstream's rule evaluator: users and groups of the authenticated user, verbs, resources
 * (`group` + `resources`: `pods`, `pods/log`, `pods/*`, `*`, a star for any resource with a
 * given subresource, and `resourceNames`),
 * namespaces (`""` for cluster-scoped), and non-resource URLs (exact or `prefix*`).
 *
 * @module
 */
import { parse as parseYaml } from "yaml";
import type { RequestInfo } from "../request_info.ts";
import type { UserInfo } from "../resource.ts";

export const LEVELS = ["None", "Metadata", "Request", "RequestResponse"] as const;
export type Level = typeof LEVELS[number];
export const STAGES = ["RequestReceived", "ResponseStarted", "ResponseComplete", "Panic"] as const;
export type Stage = typeof STAGES[number];

interface GroupResources {
  group: string;
  resources: string[];
  resourceNames: string[];
}

interface PolicyRule {
  level: Level;
  users: string[];
  userGroups: string[];
  verbs: string[];
  resources: GroupResources[];
  namespaces: string[];
  nonResourceURLs: string[];
  omitStages: Stage[];
  omitManagedFields?: boolean;
}

/** What the policy says about one request. */
export interface AuditDecision {
  level: Level;
  omitStages: ReadonlySet<Stage>;
  omitManagedFields: boolean;
}

export const LEVEL_NONE: AuditDecision = {
  level: "None",
  omitStages: new Set(),
  omitManagedFields: false,
};

/** At least `level`: `atLeast("Request", d)` is true for Request and RequestResponse. */
export function atLeast(level: Level, actual: Level): boolean {
  return LEVELS.indexOf(actual) >= LEVELS.indexOf(level);
}

type Json = Record<string, unknown>;

function strings(value: unknown, field: string, problems: string[]): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.some((v) => typeof v !== "string")) {
    problems.push(`${field}: must be a list of strings`);
    return [];
  }
  return value as string[];
}

function stages(value: unknown, field: string, problems: string[]): Stage[] {
  const list = strings(value, field, problems);
  for (const [i, s] of list.entries()) {
    if (!(STAGES as readonly string[]).includes(s)) {
      problems.push(
        `${field}[${i}]: Unsupported value: "${s}": supported values: ${STAGES.join(", ")}`,
      );
    }
  }
  return list as Stage[];
}

function optionalBool(value: unknown, field: string, problems: string[]): boolean | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "boolean") problems.push(`${field}: must be true or false`);
  return value === true;
}

function parseRule(raw: unknown, at: string, problems: string[]): PolicyRule | null {
  if (!raw || typeof raw !== "object" || Array.isArray(raw)) {
    problems.push(`${at}: must be an object`);
    return null;
  }
  const r = raw as Json;
  const level = r.level;
  if (typeof level !== "string" || !(LEVELS as readonly string[]).includes(level)) {
    problems.push(
      level === undefined || level === ""
        ? `${at}.level: Required value`
        : `${at}.level: Unsupported value: "${level}": supported values: ${LEVELS.join(", ")}`,
    );
  }
  const resources: GroupResources[] = [];
  if (r.resources !== undefined && r.resources !== null) {
    if (!Array.isArray(r.resources)) problems.push(`${at}.resources: must be a list`);
    else {
      for (const [i, g] of (r.resources as unknown[]).entries()) {
        const gat = `${at}.resources[${i}]`;
        if (!g || typeof g !== "object") {
          problems.push(`${gat}: must be an object`);
          continue;
        }
        const gr = g as Json;
        if (gr.group !== undefined && typeof gr.group !== "string") {
          problems.push(`${gat}.group: must be a string`);
        }
        const group = typeof gr.group === "string" ? gr.group : "";
        const names = strings(gr.resourceNames, `${gat}.resourceNames`, problems);
        const res = strings(gr.resources, `${gat}.resources`, problems);
        if (names.length && !res.length) {
          problems.push(`${gat}.resourceNames: Invalid value: resourceNames require resources`);
        }
        for (const [j, name] of res.entries()) {
          if (name.includes("/") && !/^([^/*]+|\*)\/([^/*]+|\*)$/.test(name)) {
            problems.push(`${gat}.resources[${j}]: Invalid value: "${name}"`);
          }
        }
        resources.push({ group, resources: res, resourceNames: names });
      }
    }
  }
  const rule: PolicyRule = {
    level: level as Level,
    users: strings(r.users, `${at}.users`, problems),
    userGroups: strings(r.userGroups, `${at}.userGroups`, problems),
    verbs: strings(r.verbs, `${at}.verbs`, problems),
    resources,
    namespaces: strings(r.namespaces, `${at}.namespaces`, problems),
    nonResourceURLs: strings(r.nonResourceURLs, `${at}.nonResourceURLs`, problems),
    omitStages: stages(r.omitStages, `${at}.omitStages`, problems),
    omitManagedFields: optionalBool(r.omitManagedFields, `${at}.omitManagedFields`, problems),
  };
  if (rule.nonResourceURLs.length && (rule.resources.length || rule.namespaces.length)) {
    problems.push(
      `${at}.nonResourceURLs: Invalid value: rules cannot apply to both regular resources and non-resource URLs`,
    );
  }
  for (const [i, url] of rule.nonResourceURLs.entries()) {
    if (url !== "*" && (!url.startsWith("/") || url.slice(0, -1).includes("*"))) {
      problems.push(
        `${at}.nonResourceURLs[${i}]: Invalid value: "${url}": must start with "/" and may have "*" only at the end`,
      );
    }
  }
  const known = new Set([
    "level",
    "users",
    "userGroups",
    "verbs",
    "resources",
    "namespaces",
    "nonResourceURLs",
    "omitStages",
    "omitManagedFields",
  ]);
  for (const key of Object.keys(r)) {
    if (!known.has(key)) problems.push(`${at}: unknown field "${key}"`);
  }
  return rule;
}

/** A parsed, checked audit policy. */
export class AuditPolicy {
  readonly #rules: PolicyRule[];
  readonly #omitStages: Stage[];
  readonly #omitManagedFields: boolean;

  private constructor(rules: PolicyRule[], omitStages: Stage[], omitManagedFields: boolean) {
    this.#rules = rules;
    this.#omitStages = omitStages;
    this.#omitManagedFields = omitManagedFields;
  }

  /** Parses a policy document; throws one error listing every problem. */
  static parse(text: string): AuditPolicy {
    let doc: unknown;
    try {
      doc = parseYaml(text);
    } catch (err) {
      throw new Error(`not valid YAML: ${(err as Error).message.split("\n")[0]}`);
    }
    if (!doc || typeof doc !== "object" || Array.isArray(doc)) {
      throw new Error("must be an audit.k8s.io/v1 Policy object");
    }
    const d = doc as Json;
    const problems: string[] = [];
    if (d.kind !== "Policy") problems.push(`kind: must be Policy, not ${JSON.stringify(d.kind)}`);
    if (d.apiVersion !== "audit.k8s.io/v1") {
      problems.push(`apiVersion: must be audit.k8s.io/v1, not ${JSON.stringify(d.apiVersion)}`);
    }
    const omitStages = stages(d.omitStages, "omitStages", problems);
    const omitManagedFields = optionalBool(d.omitManagedFields, "omitManagedFields", problems);
    const rules: PolicyRule[] = [];
    if (d.rules !== undefined && d.rules !== null && !Array.isArray(d.rules)) {
      problems.push("rules: must be a list");
    } else {
      for (const [i, raw] of ((d.rules as unknown[] | undefined) ?? []).entries()) {
        const rule = parseRule(raw, `rules[${i}]`, problems);
        if (rule) rules.push(rule);
      }
    }
    if (rules.length === 0 && !problems.length) {
      problems.push("rules: Required value: at least one rule");
    }
    if (problems.length) throw new Error(problems.join("; "));
    return new AuditPolicy(rules, omitStages, omitManagedFields ?? false);
  }

  /** The level and options for a request by `user` (the authenticated user) asking `info`. */
  decide(user: UserInfo, info: RequestInfo): AuditDecision {
    const rule = this.#rules.find((r) => ruleMatches(r, user, info));
    if (!rule || rule.level === "None") return LEVEL_NONE;
    return {
      level: rule.level,
      omitStages: new Set([...this.#omitStages, ...rule.omitStages]),
      omitManagedFields: rule.omitManagedFields ?? this.#omitManagedFields,
    };
  }
}

function ruleMatches(r: PolicyRule, user: UserInfo, info: RequestInfo): boolean {
  if (r.verbs.length && !r.verbs.includes(info.verb)) return false;
  if (r.users.length && !r.users.includes(user.name)) return false;
  if (r.userGroups.length && !r.userGroups.some((g) => user.groups.includes(g))) return false;
  if (info.isResourceRequest) {
    if (r.nonResourceURLs.length) return false;
    if (r.namespaces.length || r.resources.length) return matchesResource(r, info);
    return true;
  }
  if (r.resources.length || r.namespaces.length) return false;
  if (r.nonResourceURLs.length) return matchesNonResource(r.nonResourceURLs, info.path);
  return true;
}

function matchesResource(r: PolicyRule, info: RequestInfo): boolean {
  if (r.namespaces.length && !r.namespaces.includes(info.namespace)) return false;
  if (!r.resources.length) return true;
  const combined = info.subresource ? `${info.resource}/${info.subresource}` : info.resource;
  for (const gr of r.resources) {
    if (gr.group !== info.group) continue;
    if (!gr.resources.length) return true;
    if (gr.resourceNames.length && !gr.resourceNames.includes(info.name)) continue;
    for (const res of gr.resources) {
      if (res === "*" || res === combined) return true;
      if (info.subresource && res.startsWith("*/") && res.slice(2) === info.subresource) {
        return true;
      }
      if (res.endsWith("/*") && res.slice(0, -2) === info.resource) return true;
    }
  }
  return false;
}

function matchesNonResource(urls: string[], path: string): boolean {
  return urls.some((u) =>
    u === "*" || u === path || (u.endsWith("*") && path.startsWith(u.slice(0, -1)))
  );
}

/**
 * Classification of a request into a FlowSchema and its priority level, as API Priority and
 * Fairness does: schemas in matching-precedence order (then name), the first whose rules match
 * the user and the request wins; its distinguisher (`ByUser`, `ByNamespace`) names the flow.
 *
 * @module
 */
import type { KubeObject } from "../../../kube/meta.ts";
import type { RequestInfo } from "../request_info.ts";
import type { UserInfo } from "../resource.ts";
import { compareStrings } from "../../../kube/order.ts";

type Json = Record<string, unknown>;

export interface Classification {
  schema: string;
  level: string;
  /** The flow within the level: schema name and distinguisher. */
  flow: string;
}

interface Subject {
  kind: string;
  user?: { name: string };
  group?: { name: string };
  serviceAccount?: { namespace: string; name: string };
}

interface ResourceRule {
  verbs: string[];
  apiGroups: string[];
  resources: string[];
  clusterScope?: boolean;
  namespaces?: string[];
}

interface NonResourceRule {
  verbs: string[];
  nonResourceURLs: string[];
}

interface Rule {
  subjects: Subject[];
  resourceRules?: ResourceRule[];
  nonResourceRules?: NonResourceRule[];
}

interface Schema {
  name: string;
  level: string;
  precedence: number;
  distinguisher: string | null;
  rules: Rule[];
}

const SA_PREFIX = "system:serviceaccount:";

function matchesSubject(s: Subject, user: UserInfo): boolean {
  if (s.kind === "User") return s.user?.name === "*" || s.user?.name === user.name;
  if (s.kind === "Group") {
    return s.group?.name === "*" || user.groups.includes(s.group?.name ?? "");
  }
  if (s.kind === "ServiceAccount" && s.serviceAccount && user.name.startsWith(SA_PREFIX)) {
    const [ns, name] = user.name.slice(SA_PREFIX.length).split(":");
    return ns === s.serviceAccount.namespace &&
      (s.serviceAccount.name === "*" || s.serviceAccount.name === name);
  }
  return false;
}

const has = (list: string[] | undefined, value: string) =>
  !!list && (list.includes("*") || list.includes(value));

function matchesResource(r: ResourceRule, info: RequestInfo): boolean {
  if (!has(r.verbs, info.verb) || !has(r.apiGroups, info.group)) return false;
  const combined = info.subresource ? `${info.resource}/${info.subresource}` : info.resource;
  if (!has(r.resources, combined)) return false;
  if (!info.namespace) return r.clusterScope === true;
  return has(r.namespaces, info.namespace);
}

function matchesNonResource(r: NonResourceRule, info: RequestInfo): boolean {
  if (!has(r.verbs, info.verb)) return false;
  return r.nonResourceURLs.some((u) =>
    u === "*" || u === info.path || (u.endsWith("/*") && info.path.startsWith(u.slice(0, -1)))
  );
}

function matchesRule(rule: Rule, user: UserInfo, info: RequestInfo): boolean {
  if (!rule.subjects.some((s) => matchesSubject(s, user))) return false;
  if (info.isResourceRequest) {
    return (rule.resourceRules ?? []).some((r) => matchesResource(r, info));
  }
  return (rule.nonResourceRules ?? []).some((r) => matchesNonResource(r, info));
}

/** Reads FlowSchema objects into matchers, in matching order. */
export function compileSchemas(objects: readonly KubeObject[]): Schema[] {
  return objects.map((o) => {
    const spec = (o.spec ?? {}) as Json;
    return {
      name: o.metadata.name!,
      level: String((spec.priorityLevelConfiguration as Json | undefined)?.name ?? ""),
      precedence: Number(spec.matchingPrecedence ?? 1000),
      distinguisher: String((spec.distinguisherMethod as Json | undefined)?.type ?? "") || null,
      rules: (spec.rules ?? []) as Rule[],
    };
  }).sort((a, b) => a.precedence - b.precedence || compareStrings(a.name, b.name));
}

/** The first matching schema; the mandatory `catch-all` when none does. */
export function classify(schemas: Schema[], user: UserInfo, info: RequestInfo): Classification {
  const schema = schemas.find((s) => s.rules.some((r) => matchesRule(r, user, info)));
  if (!schema) return { schema: "catch-all", level: "catch-all", flow: `catch-all/${user.name}` };
  const key = schema.distinguisher === "ByUser"
    ? user.name
    : schema.distinguisher === "ByNamespace"
    ? info.namespace
    : "";
  return { schema: schema.name, level: schema.level, flow: `${schema.name}/${key}` };
}

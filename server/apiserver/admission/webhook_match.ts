/**
 * Which admission webhooks a request reaches (upstream `apiserver/pkg/admission/plugin/webhook`
 * predicates): `rules` (operations, API groups, versions, resources with subresources, scope)
 * under `matchPolicy`, `namespaceSelector` and `objectSelector`.
 *
 * @module
 */
import { type LabelSelector, labelSelectorAsSelector } from "../../../kube/labels.ts";
import type { AdmissionAttributes } from "../app.ts";
import { labelsOf, type Obj, obj, objs, str } from "./attributes.ts";

/** One webhook of a configuration, with upstream's defaults filled in. */
export interface Webhook {
  /** `<configuration>/<webhook>`, unique among configurations. */
  uid: string;
  name: string;
  clientConfig: { url?: string; service?: Obj; caBundle?: string };
  rules: Obj[];
  failurePolicy: "Fail" | "Ignore";
  matchPolicy: "Exact" | "Equivalent";
  namespaceSelector: LabelSelector;
  objectSelector: LabelSelector;
  timeoutSeconds: number;
  matchConditions: { name: string; expression: string }[];
  reinvocationPolicy: string;
}

/** The webhooks of a configuration object, defaulted as the v1 API does. */
export function webhooksOf(config: Obj): Webhook[] {
  const configName = str(obj(config.metadata)?.name);
  return objs(config.webhooks).map((w) => ({
    uid: `${configName}/${str(w.name)}`,
    name: str(w.name),
    clientConfig: (obj(w.clientConfig) ?? {}) as Webhook["clientConfig"],
    rules: objs(w.rules),
    failurePolicy: w.failurePolicy === "Ignore" ? "Ignore" : "Fail",
    matchPolicy: w.matchPolicy === "Exact" ? "Exact" : "Equivalent",
    namespaceSelector: (obj(w.namespaceSelector) ?? {}) as LabelSelector,
    objectSelector: (obj(w.objectSelector) ?? {}) as LabelSelector,
    timeoutSeconds: typeof w.timeoutSeconds === "number" ? w.timeoutSeconds : 10,
    matchConditions: objs(w.matchConditions).map((c) => ({
      name: str(c.name),
      expression: str(c.expression),
    })),
    reinvocationPolicy: str(w.reinvocationPolicy) || "Never",
  }));
}

const has = (list: unknown, value: string) =>
  Array.isArray(list) && (list.includes("*") || list.includes(value));

/** Whether one rule's `resources` entry covers `resource` and `sub`. */
function resourceMatches(pattern: string, resource: string, sub: string): boolean {
  const [res, subPattern] = pattern.split("/", 2) as [string, string | undefined];
  if (res !== "*" && res !== resource) return false;
  if (subPattern === undefined) return sub === "";
  return subPattern === "*" || subPattern === sub;
}

/** Whether a rule matches the request as seen at `version`. */
export function ruleMatches(
  rule: Obj,
  attrs: AdmissionAttributes,
  version = attrs.ctx.info.version,
): boolean {
  const { def } = attrs.served;
  if (!has(rule.operations, attrs.operation)) return false;
  if (!has(rule.apiGroups, def.group)) return false;
  if (!has(rule.apiVersions, version)) return false;
  const resources = Array.isArray(rule.resources) ? rule.resources.map(str) : [];
  if (!resources.some((p) => resourceMatches(p, def.plural, attrs.ctx.info.subresource))) {
    return false;
  }
  const scope = str(rule.scope) || "*";
  if (scope === "Cluster") return !def.namespaced;
  if (scope === "Namespaced") return def.namespaced;
  return true;
}

/**
 * The version the webhook sees the request at: the request's own when a rule matches it
 * exactly, else (matchPolicy Equivalent) another served version of the same resource a rule
 * names, else null.
 */
export function matchingVersion(hook: Webhook, attrs: AdmissionAttributes): string | null {
  const own = attrs.ctx.info.version;
  if (hook.rules.some((r) => ruleMatches(r, attrs, own))) return own;
  if (hook.matchPolicy === "Exact") return null;
  for (const v of attrs.served.def.versions) {
    if (v !== own && hook.rules.some((r) => ruleMatches(r, attrs, v))) return v;
  }
  return null;
}

/** objectSelector: the new or the old object's labels match. */
export function objectSelectorMatches(
  hook: Pick<Webhook, "objectSelector">,
  attrs: AdmissionAttributes,
): boolean {
  const selector = labelSelectorAsSelector(hook.objectSelector);
  if (selector.isEmpty()) return true;
  return (attrs.object !== null && selector.matches(labelsOf(attrs.object))) ||
    (attrs.old !== null && selector.matches(labelsOf(attrs.old)));
}

/**
 * namespaceSelector against the labels of the request's namespace (for a namespace, its own
 * labels); cluster-scoped objects other than namespaces always match.
 */
export function namespaceSelectorMatches(
  hook: Pick<Webhook, "namespaceSelector">,
  attrs: AdmissionAttributes,
  namespaceLabels: Record<string, string> | null,
): boolean {
  const selector = labelSelectorAsSelector(hook.namespaceSelector);
  if (selector.isEmpty()) return true;
  const { def } = attrs.served;
  if (def.group === "" && def.plural === "namespaces") {
    return selector.matches(labelsOf(attrs.object ?? attrs.old));
  }
  if (!def.namespaced) return true;
  return selector.matches(namespaceLabels ?? {});
}

/**
 * What an object costs against a ResourceQuota (upstream `pkg/quota/v1/evaluator/core` and
 * the generic object-count evaluator): which quota resource names an evaluator answers for,
 * which operations it charges, whether a quota's scopes select the object, the constraints a
 * pod must meet under cpu/memory quotas, and the usage itself.
 *
 * @module
 */
import { parseTime } from "../../../kube/meta.ts";
import { Quantity } from "../../../kube/quantity.ts";
import { podQosClass } from "../resources/core/pod_qos.ts";
import { obj, objs, str } from "./attributes.ts";
import { add, type ResourceList, resourceList } from "./resource_list.ts";

type Obj = Record<string, unknown>;

/** One `scopes[]` entry or `scopeSelector.matchExpressions[]` entry of a quota. */
export interface ScopeRequirement {
  scopeName: string;
  operator: string;
  values?: string[];
}

export interface QuotaEvaluator {
  group: string;
  plural: string;
  /** Whether this operation can change usage. */
  handles(operation: string): boolean;
  /** The quota resource names (of `names`) this evaluator charges. */
  matchingResources(names: string[]): string[];
  /** Whether the object falls under one scope requirement. */
  matchesScope(scope: ScopeRequirement, o: Obj): boolean;
  /** Why the object cannot be admitted under quotas on `required`, or null. */
  constraints(required: string[], o: Obj): string | null;
  usage(o: Obj, now: Date): ResourceList;
}

const one = () => Quantity.fromInt(1);

/** `count/pods`, `count/deployments.apps`. */
export function countName(group: string, plural: string): string {
  return group ? `count/${plural}.${group}` : `count/${plural}`;
}

/** Counting objects is all quota does for most resources; four core ones have old names too. */
const LEGACY_COUNT: Record<string, string> = {
  configmaps: "configmaps",
  resourcequotas: "resourcequotas",
  replicationcontrollers: "replicationcontrollers",
  secrets: "secrets",
};

function noScopes(): boolean {
  return false;
}

/** The generic evaluator: one object, charged at create. */
export function objectCountEvaluator(group: string, plural: string): QuotaEvaluator {
  const names = [countName(group, plural)];
  if (!group && LEGACY_COUNT[plural]) names.push(LEGACY_COUNT[plural]);
  return {
    group,
    plural,
    handles: (op) => op === "CREATE",
    matchingResources: (input) => input.filter((n) => names.includes(n)),
    matchesScope: noScopes,
    constraints: () => null,
    usage: () => new Map(names.map((n) => [n, one()])),
  };
}

const POD_RESOURCES = [
  "count/pods",
  "cpu",
  "memory",
  "ephemeral-storage",
  "requests.cpu",
  "requests.memory",
  "requests.ephemeral-storage",
  "limits.cpu",
  "limits.memory",
  "limits.ephemeral-storage",
  "pods",
];

/** Quotas on these make every container state them (a historical rule upstream keeps). */
const VALIDATION_SET = [
  "cpu",
  "memory",
  "requests.cpu",
  "requests.memory",
  "limits.cpu",
  "limits.memory",
];

const NATIVE_PREFIXES = ["kubernetes.io/", "requests."];

function isExtendedResource(name: string): boolean {
  return name.includes("/") && !NATIVE_PREFIXES.some((p) => name.startsWith(p)) &&
    !name.includes("kubernetes.io/");
}

/** Upstream's `podComputeUsageHelper`. */
function computeUsage(requests: ResourceList, limits: ResourceList): ResourceList {
  const out: ResourceList = new Map([["pods", one()]]);
  for (const r of ["cpu", "memory", "ephemeral-storage"]) {
    const req = requests.get(r);
    if (req) {
      out.set(r, req);
      out.set(`requests.${r}`, req);
    }
    const lim = limits.get(r);
    if (lim) out.set(`limits.${r}`, lim);
  }
  for (const [name, q] of requests) {
    if (name.startsWith("hugepages-")) {
      out.set(name, q);
      out.set(`requests.${name}`, q);
    }
    if (isExtendedResource(name)) out.set(`requests.${name}`, q);
  }
  return out;
}

function maxOf(a: ResourceList, b: ResourceList): ResourceList {
  const out = new Map(a);
  for (const [k, v] of b) if (!out.has(k) || v.cmp(out.get(k)!) > 0) out.set(k, v);
  return out;
}

/**
 * A pod's effective requests or limits: the containers' sum, at least any init container's
 * (sidecars, which keep running, add to the sum), plus the pod overhead.
 */
export function podResources(spec: Obj, key: "requests" | "limits"): ResourceList {
  const podLevel = obj(obj(spec.resources)?.[key]);
  let total: ResourceList = new Map();
  for (const c of objs(spec.containers)) total = add(total, resourceList(obj(c.resources)?.[key]));
  let sidecars: ResourceList = new Map();
  let initMax: ResourceList = new Map();
  for (const c of objs(spec.initContainers)) {
    const list = resourceList(obj(c.resources)?.[key]);
    if (c.restartPolicy === "Always") {
      sidecars = add(sidecars, list);
      initMax = maxOf(initMax, sidecars);
    } else initMax = maxOf(initMax, add(sidecars, list));
  }
  total = maxOf(add(total, sidecars), initMax);
  if (podLevel) total = new Map([...total, ...resourceList(podLevel)]);
  return add(total, resourceList(spec.overhead));
}

/** Terminal pods, and pods past their deletion grace period, no longer use compute quota. */
function chargesCompute(pod: Obj, now: Date): boolean {
  const phase = str(obj(pod.status)?.phase);
  if (phase === "Succeeded" || phase === "Failed") return false;
  const meta = obj(pod.metadata) ?? {};
  const deleted = parseTime(str(meta.deletionTimestamp));
  if (deleted) {
    const grace = typeof meta.deletionGracePeriodSeconds === "number"
      ? meta.deletionGracePeriodSeconds
      : 0;
    if (now.getTime() > deleted.getTime() + grace * 1000) return false;
  }
  return true;
}

function podMatchesScope(scope: ScopeRequirement, pod: Obj): boolean {
  const spec = obj(pod.spec) ?? {};
  const terminating = typeof spec.activeDeadlineSeconds === "number" &&
    spec.activeDeadlineSeconds >= 0;
  switch (scope.scopeName) {
    case "Terminating":
      return terminating;
    case "NotTerminating":
      return !terminating;
    case "BestEffort":
      return podQosClass(spec) === "BestEffort";
    case "NotBestEffort":
      return podQosClass(spec) !== "BestEffort";
    case "PriorityClass": {
      const name = str(spec.priorityClassName);
      const values = scope.values ?? [];
      switch (scope.operator) {
        case "Exists":
          return name !== "";
        case "DoesNotExist":
          return name === "";
        case "In":
          return name !== "" && values.includes(name);
        case "NotIn":
          return name === "" || !values.includes(name);
      }
      return false;
    }
    case "CrossNamespacePodAffinity":
      return usesCrossNamespaceAffinity(spec);
  }
  return false;
}

function usesCrossNamespaceAffinity(spec: Obj): boolean {
  const affinity = obj(spec.affinity) ?? {};
  for (const key of ["podAffinity", "podAntiAffinity"]) {
    const a = obj(affinity[key]) ?? {};
    const terms = [
      ...objs(a.requiredDuringSchedulingIgnoredDuringExecution),
      ...objs(a.preferredDuringSchedulingIgnoredDuringExecution).map((w) =>
        obj(w.podAffinityTerm) ?? {}
      ),
    ];
    if (
      terms.some((t) => (Array.isArray(t.namespaces) && t.namespaces.length) || t.namespaceSelector)
    ) {
      return true;
    }
  }
  return false;
}

export const podEvaluator: QuotaEvaluator = {
  group: "",
  plural: "pods",
  handles: (op) => op === "CREATE",
  matchingResources: (input) =>
    input.filter((n) =>
      POD_RESOURCES.includes(n) || n.startsWith("hugepages-") ||
      n.startsWith("requests.hugepages-") ||
      (n.startsWith("requests.") && isExtendedResource(n.slice("requests.".length)))
    ),
  matchesScope: podMatchesScope,
  constraints(required, pod) {
    const spec = obj(pod.spec) ?? {};
    const needed = required.filter((r) => VALIDATION_SET.includes(r));
    if (!needed.length) return null;
    const missing = new Map<string, Set<string>>();
    for (const c of [...objs(spec.containers), ...objs(spec.initContainers)]) {
      const res = obj(c.resources);
      const has = computeUsage(resourceList(res?.requests), resourceList(res?.limits));
      for (const r of needed) {
        if (has.has(r)) continue;
        const names = missing.get(r) ?? new Set();
        names.add(str(c.name));
        missing.set(r, names);
      }
    }
    if (!missing.size) return null;
    const parts = [...missing.keys()].sort().map((r) =>
      `${r} for: ${[...missing.get(r)!].sort().join(",")}`
    );
    return `must specify ${parts.join("; ")}`;
  },
  usage(pod, now) {
    const out: ResourceList = new Map([["count/pods", one()]]);
    if (!chargesCompute(pod, now)) return out;
    const spec = obj(pod.spec) ?? {};
    return add(out, computeUsage(podResources(spec, "requests"), podResources(spec, "limits")));
  },
};

const SERVICE_RESOURCES = [
  "count/services",
  "services",
  "services.nodeports",
  "services.loadbalancers",
];

export const serviceEvaluator: QuotaEvaluator = {
  group: "",
  plural: "services",
  handles: (op) => op === "CREATE" || op === "UPDATE",
  matchingResources: (input) => input.filter((n) => SERVICE_RESOURCES.includes(n)),
  matchesScope: noScopes,
  constraints: () => null,
  usage(svc) {
    const spec = obj(svc.spec) ?? {};
    const ports = objs(spec.ports);
    let nodePorts = 0;
    let balancers = 0;
    if (spec.type === "NodePort") nodePorts = ports.length;
    if (spec.type === "LoadBalancer") {
      balancers = 1;
      nodePorts = spec.allocateLoadBalancerNodePorts === false
        ? ports.filter((p) => typeof p.nodePort === "number" && p.nodePort !== 0).length
        : ports.length;
    }
    return new Map([
      ["count/services", one()],
      ["services", one()],
      ["services.loadbalancers", Quantity.fromInt(balancers)],
      ["services.nodeports", Quantity.fromInt(nodePorts)],
    ]);
  },
};

const CLAIM_RESOURCES = ["persistentvolumeclaims", "requests.storage"];
const STORAGE_CLASS_SUFFIX = ".storageclass.storage.k8s.io/";

function storageClassOf(pvc: Obj): string {
  const annotated = obj(obj(pvc.metadata)?.annotations)
    ?.["volume.beta.kubernetes.io/storage-class"];
  return str(annotated) || str(obj(pvc.spec)?.storageClassName);
}

export const claimEvaluator: QuotaEvaluator = {
  group: "",
  plural: "persistentvolumeclaims",
  handles: (op) => op === "CREATE" || op === "UPDATE",
  matchingResources: (input) =>
    input.filter((n) =>
      n === "count/persistentvolumeclaims" || CLAIM_RESOURCES.includes(n) ||
      CLAIM_RESOURCES.some((r) => n.endsWith(STORAGE_CLASS_SUFFIX + r))
    ),
  matchesScope: noScopes,
  constraints: () => null,
  usage(pvc) {
    const out: ResourceList = new Map([
      ["persistentvolumeclaims", one()],
      ["count/persistentvolumeclaims", one()],
    ]);
    const sc = storageClassOf(pvc);
    if (sc) out.set(`${sc}${STORAGE_CLASS_SUFFIX}persistentvolumeclaims`, one());
    let storage = resourceList(obj(obj(pvc.spec)?.resources)?.requests).get("storage");
    const allocated = resourceList(obj(pvc.status)?.allocatedResources).get("storage");
    if (storage && allocated && allocated.cmp(storage) > 0) storage = allocated;
    if (storage) {
      // Storage is counted in whole bytes.
      const bytes = Quantity.fromScaled(storage.scaledValue(0), 0);
      const charged = bytes.cmp(storage) === 0 ? storage : bytes;
      out.set("requests.storage", charged);
      if (sc) out.set(`${sc}${STORAGE_CLASS_SUFFIX}requests.storage`, charged);
    }
    return out;
  },
};

/** The evaluator for a resource (the generic counter unless a specific one exists). */
export function evaluatorFor(group: string, plural: string): QuotaEvaluator {
  if (!group && plural === "pods") return podEvaluator;
  if (!group && plural === "services") return serviceEvaluator;
  if (!group && plural === "persistentvolumeclaims") return claimEvaluator;
  return objectCountEvaluator(group, plural);
}

/** The resource a quota resource name counts, for computing usage from scratch. */
export function resourceOfName(name: string): { group: string; plural: string } | null {
  if (name.startsWith("count/")) {
    const rest = name.slice("count/".length);
    const dot = rest.indexOf(".");
    return dot < 0
      ? { group: "", plural: rest }
      : { group: rest.slice(dot + 1), plural: rest.slice(0, dot) };
  }
  if (LEGACY_COUNT[name]) return { group: "", plural: name };
  if (podEvaluator.matchingResources([name]).length) return { group: "", plural: "pods" };
  if (serviceEvaluator.matchingResources([name]).length) return { group: "", plural: "services" };
  if (claimEvaluator.matchingResources([name]).length) {
    return { group: "", plural: "persistentvolumeclaims" };
  }
  return null;
}

/** The scope requirements of a quota (`scopes` are `Exists` requirements). */
export function quotaScopes(quota: Obj): ScopeRequirement[] {
  const spec = obj(quota.spec) ?? {};
  const out: ScopeRequirement[] = [];
  for (const s of Array.isArray(spec.scopes) ? spec.scopes : []) {
    out.push({ scopeName: str(s), operator: "Exists" });
  }
  for (const e of objs(obj(spec.scopeSelector)?.matchExpressions)) {
    out.push({
      scopeName: str(e.scopeName),
      operator: str(e.operator),
      values: Array.isArray(e.values) ? e.values.map(str) : [],
    });
  }
  return out;
}

/** Upstream's `generic.Matches`: the quota limits something this evaluator charges, in scope. */
export function quotaMatches(ev: QuotaEvaluator, quota: Obj, hard: string[], o: Obj): boolean {
  if (!ev.matchingResources(hard).length) return false;
  return quotaScopes(quota).every((s) => ev.matchesScope(s, o));
}

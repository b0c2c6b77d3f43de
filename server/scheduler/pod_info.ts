/**
 * {@link PodInfo}: everything the scheduler reads from a pod, computed once per pod version —
 * requests, host ports, tolerations, compiled node affinity, pod (anti-)affinity terms and
 * topology spread constraints — so that per-node checks are cheap.
 *
 * @module
 */
import { labelSelectorAsSelector, newRequirement, type Selector } from "../../kube/labels.ts";
import { keyOf, type Pod, type PodAffinityTerm, type Toleration } from "../../kube/client/mod.ts";
import {
  compileNodeSelector,
  compileTerm,
  compileTerms,
  type NodeMatcher,
} from "./node_selector.ts";
import { nonZeroRequests, podRequests, type Resource } from "./resources.ts";

/** A pod (anti-)affinity term, compiled. */
export interface AffinityTerm {
  /** Namespaces named by the term (the pod's own when neither list nor selector is given). */
  namespaces: ReadonlySet<string>;
  /** Matches namespace labels; null when the term has no namespaceSelector. */
  namespaceSelector: Selector | null;
  selector: Selector;
  topologyKey: string;
  weight: number;
}

/** A topology spread constraint, compiled. */
export interface SpreadConstraint {
  maxSkew: number;
  topologyKey: string;
  hard: boolean;
  selector: Selector;
  minDomains: number;
  /** Count only nodes matching the pod's node affinity/selector (default Honor). */
  honorNodeAffinity: boolean;
  /** Count only nodes whose taints the pod tolerates (default Ignore). */
  honorTaints: boolean;
}

/** One host port a pod needs. */
export interface HostPort {
  ip: string;
  protocol: string;
  port: number;
}

/** A pod as the scheduler sees it. */
export interface PodInfo {
  key: string;
  pod: Pod;
  namespace: string;
  name: string;
  uid: string;
  priority: number;
  labels: Readonly<Record<string, string>>;
  requests: Resource;
  nonZero: { milliCPU: number; memory: number };
  hostPorts: HostPort[];
  tolerations: Toleration[];
  /** nodeSelector and required node affinity together; undefined when neither is set. */
  requiredNodeMatch?: NodeMatcher;
  preferredNodeTerms: { weight: number; match: NodeMatcher }[];
  requiredAffinity: AffinityTerm[];
  requiredAntiAffinity: AffinityTerm[];
  preferredAffinity: AffinityTerm[];
  preferredAntiAffinity: AffinityTerm[];
  spread: SpreadConstraint[];
  terminating: boolean;
  /** Names of the PersistentVolumeClaims its volumes use (ephemeral ones included). */
  claims: string[];
  /** For preemption: when the pod started (ms), or when it was created. */
  startTime: number;
}

const EMPTY: Readonly<Record<string, string>> = Object.freeze({});

function affinityTerm(
  pod: Pod,
  t: PodAffinityTerm,
  weight: number,
  labels: Readonly<Record<string, string>>,
): AffinityTerm {
  let selector = labelSelectorAsSelector(t.labelSelector ?? null);
  const extra = [
    ...(t.matchLabelKeys ?? []).filter((k) => Object.hasOwn(labels, k)).map((k) =>
      newRequirement(k, "in", [labels[k]])
    ),
    ...(t.mismatchLabelKeys ?? []).filter((k) => Object.hasOwn(labels, k)).map((k) =>
      newRequirement(k, "notin", [labels[k]])
    ),
  ];
  if (extra.length && !selector.matchesNothing()) selector = selector.add(...extra);
  const hasList = (t.namespaces?.length ?? 0) > 0;
  const namespaces = new Set(
    hasList ? t.namespaces : t.namespaceSelector ? [] : [pod.metadata.namespace ?? "default"],
  );
  return {
    namespaces,
    namespaceSelector: t.namespaceSelector ? labelSelectorAsSelector(t.namespaceSelector) : null,
    selector,
    topologyKey: t.topologyKey,
    weight,
  };
}

function hostPorts(pod: Pod): HostPort[] {
  const out: HostPort[] = [];
  const containers = [
    ...(pod.spec?.containers ?? []),
    ...(pod.spec?.initContainers ?? []).filter((c) => c.restartPolicy === "Always"),
  ];
  for (const c of containers) {
    for (const p of c.ports ?? []) {
      if (!p.hostPort || p.hostPort <= 0) continue;
      out.push({ ip: p.hostIP || "0.0.0.0", protocol: p.protocol || "TCP", port: p.hostPort });
    }
  }
  return out;
}

function time(text: unknown): number {
  const t = typeof text === "string" ? Date.parse(text) : NaN;
  return Number.isNaN(t) ? 0 : t;
}

/** Compiles a pod. Throws a 400 StatusError for an invalid label selector in a term. */
export function podInfo(pod: Pod): PodInfo {
  const spec = pod.spec;
  const labels = pod.metadata.labels ?? EMPTY;
  const na = spec?.affinity?.nodeAffinity;
  const required = na?.requiredDuringSchedulingIgnoredDuringExecution;
  const selectors: NodeMatcher[] = [];
  if (spec?.nodeSelector && Object.keys(spec.nodeSelector).length) {
    selectors.push(compileNodeSelector(spec.nodeSelector));
  }
  if (required) selectors.push(compileTerms(required.nodeSelectorTerms ?? []));
  const pa = spec?.affinity?.podAffinity;
  const paa = spec?.affinity?.podAntiAffinity;
  const term = (t: PodAffinityTerm, w = 1) => affinityTerm(pod, t, w, labels);
  return {
    key: keyOf(pod),
    pod,
    namespace: pod.metadata.namespace ?? "",
    name: pod.metadata.name ?? "",
    uid: pod.metadata.uid ?? "",
    priority: typeof spec?.priority === "number" ? spec.priority : 0,
    labels,
    requests: podRequests(pod),
    nonZero: nonZeroRequests(pod),
    hostPorts: hostPorts(pod),
    tolerations: spec?.tolerations ?? [],
    requiredNodeMatch: selectors.length === 0
      ? undefined
      : selectors.length === 1
      ? selectors[0]
      : (l, n) => selectors.every((m) => m(l, n)),
    preferredNodeTerms: (na?.preferredDuringSchedulingIgnoredDuringExecution ?? [])
      .filter((p) => p.weight > 0)
      .map((p) => ({ weight: p.weight, match: compileTerm(p.preference ?? {}) })),
    requiredAffinity: (pa?.requiredDuringSchedulingIgnoredDuringExecution ?? []).map((t) =>
      term(t)
    ),
    requiredAntiAffinity: (paa?.requiredDuringSchedulingIgnoredDuringExecution ?? []).map((t) =>
      term(t)
    ),
    preferredAffinity: (pa?.preferredDuringSchedulingIgnoredDuringExecution ?? []).map((w) =>
      term(w.podAffinityTerm, w.weight)
    ),
    preferredAntiAffinity: (paa?.preferredDuringSchedulingIgnoredDuringExecution ?? []).map((w) =>
      term(w.podAffinityTerm, w.weight)
    ),
    spread: (spec?.topologySpreadConstraints ?? []).map((c) => {
      let selector = labelSelectorAsSelector(c.labelSelector ?? null);
      const keys = (c.matchLabelKeys ?? []).filter((k) => Object.hasOwn(labels, k));
      if (keys.length && !selector.matchesNothing()) {
        selector = selector.add(...keys.map((k) => newRequirement(k, "in", [labels[k]])));
      }
      return {
        maxSkew: c.maxSkew,
        topologyKey: c.topologyKey,
        hard: c.whenUnsatisfiable !== "ScheduleAnyway",
        selector,
        minDomains: c.minDomains ?? 1,
        honorNodeAffinity: c.nodeAffinityPolicy !== "Ignore",
        honorTaints: c.nodeTaintsPolicy === "Honor",
      };
    }),
    terminating: !!pod.metadata.deletionTimestamp,
    claims: (spec?.volumes ?? []).flatMap((v) =>
      v.persistentVolumeClaim?.claimName
        ? [v.persistentVolumeClaim.claimName]
        : v.ephemeral
        ? [`${pod.metadata.name}-${v.name}`]
        : []
    ),
    startTime: time(pod.status?.startTime) || time(pod.metadata.creationTimestamp),
  };
}

/** True when `term` selects `other` (namespace and labels); `nsLabels` resolves namespace labels. */
export function termMatches(
  term: AffinityTerm,
  other: PodInfo,
  nsLabels: (ns: string) => Readonly<Record<string, string>> | undefined,
): boolean {
  if (!term.namespaces.has(other.namespace)) {
    if (!term.namespaceSelector) return false;
    if (!term.namespaceSelector.matches(nsLabels(other.namespace) ?? EMPTY)) return false;
  }
  return term.selector.matches(other.labels);
}

/** True when the pod has any pod affinity or anti-affinity term. */
export function hasPodAffinity(p: PodInfo): boolean {
  return p.requiredAffinity.length + p.requiredAntiAffinity.length +
      p.preferredAffinity.length + p.preferredAntiAffinity.length > 0;
}

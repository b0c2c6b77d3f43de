/**
 * Node selection terms: `nodeSelector` maps and `NodeSelectorTerm`s (`In`, `NotIn`, `Exists`,
 * `DoesNotExist`, `Gt`, `Lt` on labels; `metadata.name` in `matchFields`), compiled once per pod.
 *
 * @module
 */
import type { NodeSelectorRequirement, NodeSelectorTerm } from "../../kube/client/mod.ts";

/** A compiled test of a node's labels and name. */
export type NodeMatcher = (labels: Readonly<Record<string, string>>, name: string) => boolean;

function requirement(r: NodeSelectorRequirement, field: boolean): NodeMatcher {
  const values = r.values ?? [];
  const get = field
    ? (_l: Readonly<Record<string, string>>, name: string) =>
      r.key === "metadata.name" ? name : undefined
    : (l: Readonly<Record<string, string>>) => (Object.hasOwn(l, r.key) ? l[r.key] : undefined);
  switch (r.operator) {
    case "In":
      return (l, n) => {
        const v = get(l, n);
        return v !== undefined && values.includes(v);
      };
    case "NotIn":
      return (l, n) => {
        const v = get(l, n);
        return v === undefined || !values.includes(v);
      };
    case "Exists":
      return (l, n) => get(l, n) !== undefined;
    case "DoesNotExist":
      return (l, n) => get(l, n) === undefined;
    case "Gt":
    case "Lt": {
      const bound = Number(values[0]);
      if (values.length !== 1 || !Number.isInteger(bound)) return () => false;
      return (l, n) => {
        const v = get(l, n);
        if (v === undefined || !/^-?\d+$/.test(v)) return false;
        return r.operator === "Gt" ? Number(v) > bound : Number(v) < bound;
      };
    }
    default:
      return () => false;
  }
}

/** One term: all its requirements hold. An empty term matches nothing. */
export function compileTerm(term: NodeSelectorTerm): NodeMatcher {
  const reqs = [
    ...(term.matchExpressions ?? []).map((r) => requirement(r, false)),
    ...(term.matchFields ?? []).map((r) => requirement(r, true)),
  ];
  if (reqs.length === 0) return () => false;
  return (l, n) => reqs.every((m) => m(l, n));
}

/** Any of the terms holds (required node affinity). No terms match nothing. */
export function compileTerms(terms: readonly NodeSelectorTerm[]): NodeMatcher {
  const compiled = terms.map(compileTerm);
  return (l, n) => compiled.some((m) => m(l, n));
}

/** Every key of a `nodeSelector` map is a label with that value. */
export function compileNodeSelector(selector: Readonly<Record<string, string>>): NodeMatcher {
  const entries = Object.entries(selector);
  return (l) => entries.every(([k, v]) => Object.hasOwn(l, k) && l[k] === v);
}

/**
 * Accepted names and the `NamesAccepted`/`Established` conditions of a CRD, as upstream's naming
 * controller computes them: a requested name already accepted by another CRD of the same group
 * (or served by a built-in resource) is refused with the reason, and the names accepted before
 * are kept.
 *
 * @module
 */
import { formatTime, type KubeObject } from "../../../../kube/meta.ts";
import type { CrdNames } from "../../crd/resource_def.ts";
import { crdSpec } from "../../crd/resource_def.ts";
import { isObj } from "../../crd/schema.ts";

export interface Condition {
  type: string;
  status: "True" | "False" | "Unknown";
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

/** Names taken in one group: resources (plural, singular, short names) and kinds. */
export interface TakenNames {
  resources: Set<string>;
  kinds: Set<string>;
}

export function acceptedNamesOf(crd: KubeObject): CrdNames {
  const status = isObj(crd.status) ? crd.status : {};
  const names = isObj(status.acceptedNames) ? status.acceptedNames : {};
  return { plural: "", kind: "", ...names } as CrdNames;
}

export function conditionsOf(crd: KubeObject): Condition[] {
  const status = isObj(crd.status) ? crd.status : {};
  return Array.isArray(status.conditions)
    ? status.conditions.filter(isObj) as unknown as Condition[]
    : [];
}

export function findCondition(crd: KubeObject, type: string): Condition | undefined {
  return conditionsOf(crd).find((c) => c.type === type);
}

/** The names other CRDs of the group accepted (and built-in resources of the group serve). */
export function takenNames(group: string, others: KubeObject[], builtin?: TakenNames): TakenNames {
  const taken: TakenNames = {
    resources: new Set(builtin?.resources),
    kinds: new Set(builtin?.kinds),
  };
  for (const o of others) {
    if (crdSpec(o).group !== group) continue;
    const n = acceptedNamesOf(o);
    for (const r of [n.plural, n.singular, ...(n.shortNames ?? [])]) if (r) taken.resources.add(r);
    for (const k of [n.kind, n.listKind]) if (k) taken.kinds.add(k);
  }
  return taken;
}

function freshOrOurs(
  requested: string | undefined,
  accepted: string | undefined,
  used: Set<string>,
): string | null {
  if ((requested ?? "") === (accepted ?? "")) return null;
  if (!requested || !used.has(requested)) return null;
  return `"${requested}" is already in use`;
}

export interface NamingResult {
  acceptedNames: CrdNames;
  namesAccepted: Condition;
  established: Condition;
}

/** Upstream's `calculateNamesAndConditions`. */
export function calculateNames(crd: KubeObject, taken: TakenNames): NamingResult {
  const requested = crdSpec(crd).names;
  const accepted = acceptedNamesOf(crd);
  const names: CrdNames = { ...accepted };
  const cond: Condition = { type: "NamesAccepted", status: "Unknown" };
  const refuse = (reason: string, message: string) => {
    cond.status = "False";
    cond.reason = reason;
    cond.message = message;
  };
  let err = freshOrOurs(requested.plural, accepted.plural, taken.resources);
  if (err) refuse("PluralConflict", err);
  else names.plural = requested.plural;
  err = freshOrOurs(requested.singular, accepted.singular, taken.resources);
  if (err) refuse("SingularConflict", err);
  else if (requested.singular !== undefined) names.singular = requested.singular;
  const wantShort = requested.shortNames ?? [];
  const haveShort = accepted.shortNames ?? [];
  if (JSON.stringify(wantShort) !== JSON.stringify(haveShort)) {
    const errs = wantShort.filter((s) => !haveShort.includes(s))
      .map((s) => freshOrOurs(s, "", taken.resources)).filter((e): e is string => e !== null);
    if (errs.length) {
      refuse("ShortNamesConflict", errs.length === 1 ? errs[0] : `[${errs.join(", ")}]`);
    } else if (wantShort.length) names.shortNames = [...wantShort];
    else delete names.shortNames;
  }
  err = freshOrOurs(requested.kind, accepted.kind, taken.kinds);
  if (err) refuse("KindConflict", err);
  else names.kind = requested.kind;
  err = freshOrOurs(requested.listKind, accepted.listKind, taken.kinds);
  if (err) refuse("ListKindConflict", err);
  else if (requested.listKind !== undefined) names.listKind = requested.listKind;
  if (requested.categories?.length) names.categories = [...requested.categories];
  else delete names.categories;
  if (cond.status === "Unknown") {
    cond.status = "True";
    cond.reason = "NoConflicts";
    cond.message = "no conflicts found";
  }
  let established: Condition = findCondition(crd, "Established") ??
    {
      type: "Established",
      status: "False",
      reason: "NotAccepted",
      message: "not all names are accepted",
    };
  if (established.status !== "True" && cond.status === "True") {
    established = {
      type: "Established",
      status: "False",
      reason: "Installing",
      message: "the initial names have been accepted",
    };
  }
  return { acceptedNames: names, namesAccepted: cond, established };
}

/** `conditions` with `c` set, keeping lastTransitionTime when the status did not change. */
export function setCondition(conditions: Condition[], c: Condition, now: Date): Condition[] {
  const out = conditions.map((x) => ({ ...x }));
  const i = out.findIndex((x) => x.type === c.type);
  const next: Condition = { ...c };
  if (i >= 0) {
    next.lastTransitionTime = out[i].status === c.status && out[i].lastTransitionTime
      ? out[i].lastTransitionTime
      : formatTime(now);
    out[i] = next;
  } else {
    next.lastTransitionTime = formatTime(now);
    out.push(next);
  }
  return out;
}

/**
 * Small shared rules: conditions (set without touching an unchanged one), `IntOrString`
 * scaling for surge and unavailability budgets, selectors of either wire shape, and the keys
 * an owned object's change enqueues.
 *
 * @module
 */
import { formatTime, type KubeObject } from "../../../kube/meta.ts";
import {
  type LabelSelector,
  labelSelectorAsSelector,
  Selector,
  selectorFromSet,
} from "../../../kube/labels.ts";
import { BY_NAMESPACE, type Cache } from "../../../kube/client/mod.ts";
import { controllerRef } from "./owner.ts";
import type { Condition, IntOrPercent } from "./types.ts";

/** The condition of `type`, if present. */
export function getCondition(
  conditions: readonly Condition[] | undefined,
  type: string,
): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

/** A new condition stamped `now` (both transition and update times for deployments). */
export function newCondition(
  type: string,
  status: string,
  reason: string,
  message: string,
  now: number,
  withUpdateTime = false,
): Condition {
  const t = formatTime(now);
  const c: Condition = { type, status, lastTransitionTime: t, reason, message };
  if (withUpdateTime) c.lastUpdateTime = t;
  return c;
}

/**
 * Sets `c` in `conditions` (upstream's SetDeploymentCondition): an existing condition with the
 * same status and reason stays as it is; one with the same status keeps its transition time.
 */
export function setCondition(conditions: Condition[], c: Condition): Condition[] {
  const current = getCondition(conditions, c.type);
  if (current && current.status === c.status && current.reason === c.reason) return conditions;
  if (current && current.status === c.status) c.lastTransitionTime = current.lastTransitionTime;
  return [...conditions.filter((x) => x.type !== c.type), c];
}

/** `conditions` without the one of `type`. */
export function removeCondition(conditions: Condition[], type: string): Condition[] {
  return conditions.filter((c) => c.type !== type);
}

/**
 * `intstr.GetScaledValueFromIntOrPercent`: an integer as it is, or a percentage of `total`
 * rounded up or down.
 */
export function scaledValue(value: IntOrPercent | undefined, total: number, roundUp: boolean) {
  if (value === undefined || value === null) return 0;
  if (typeof value === "number") return value;
  const m = /^(\d+)%$/.exec(value);
  if (!m) {
    const n = Number(value);
    if (Number.isInteger(n)) return n;
    throw new Error(`Cannot use ${JSON.stringify(value)}: not an integer or a percentage`);
  }
  const v = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(v) : Math.floor(v);
}

/** A selector from a `LabelSelector` or a ReplicationController's plain map. */
export function selectorOf(
  selector: LabelSelector | Record<string, string> | null | undefined,
  plainMap = false,
): Selector {
  if (plainMap) {
    const set = selector as Record<string, string> | null | undefined;
    return set && Object.keys(set).length ? selectorFromSet(set) : Selector.nothing();
  }
  return labelSelectorAsSelector(selector as LabelSelector | null | undefined);
}

/**
 * Keys to enqueue when an object that may be owned changes: its controller's key when that is
 * of `kind`, otherwise (an orphan) every object in `owners` of its namespace whose selector
 * matches it, so that one of them may adopt it. `owners` needs the `BY_NAMESPACE` index.
 */
export function ownerKeys<O extends KubeObject>(
  obj: KubeObject,
  kind: string,
  owners: Cache<O>,
  selectorFor: (owner: O) => Selector,
): string[] {
  const ns = obj.metadata.namespace ?? "";
  const ref = controllerRef(obj);
  if (ref) return ref.kind === kind ? [ns ? `${ns}/${ref.name}` : ref.name] : [];
  const keys: string[] = [];
  for (const owner of owners.byIndex(BY_NAMESPACE, ns)) {
    let sel: Selector;
    try {
      sel = selectorFor(owner);
    } catch {
      continue;
    }
    if (!sel.isEmpty() && sel.matches(obj.metadata.labels)) {
      keys.push(ns ? `${ns}/${owner.metadata.name}` : owner.metadata.name!);
    }
  }
  return keys;
}

/** Milliseconds since the epoch of an RFC 3339 time, or undefined. */
export function timeOf(text: string | null | undefined): number | undefined {
  if (!text) return undefined;
  const t = Date.parse(text);
  return Number.isFinite(t) ? t : undefined;
}

/**
 * `metadata.managedFields` for Update operations: each manager keeps one entry per operation and
 * subresource, owning the fields it set or changed. Lists are treated as atomic here; server-side
 * apply refines ownership of keyed lists.
 *
 * @module
 */
import type { KubeObject, ManagedFieldsEntry } from "../../kube/meta.ts";
import { deepClone, deepEqual, formatTime } from "../../kube/meta.ts";

type FieldSet = Record<string, unknown>;

const SYSTEM_META = new Set([
  "name",
  "namespace",
  "uid",
  "resourceVersion",
  "generation",
  "creationTimestamp",
  "deletionTimestamp",
  "deletionGracePeriodSeconds",
  "managedFields",
  "selfLink",
  "generateName",
]);

/** The fields set in `value` and not equal in `old` (all of them when `old` is undefined). */
function changedFields(value: unknown, old: unknown, top: boolean, meta: boolean): FieldSet | null {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return deepEqual(value, old) ? null : {};
  }
  const oldObj = (typeof old === "object" && old !== null && !Array.isArray(old))
    ? old as Record<string, unknown>
    : undefined;
  const out: FieldSet = {};
  let any = false;
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (v === undefined) continue;
    if (top && (k === "apiVersion" || k === "kind")) continue;
    if (meta && SYSTEM_META.has(k)) continue;
    const sub = changedFields(v, oldObj?.[k], false, top && k === "metadata");
    if (sub) {
      out[`f:${k}`] = sub;
      any = true;
    }
  }
  if (!any) return oldObj && deepEqual(value, old) ? null : (top ? {} : (oldObj ? null : {}));
  if (!top && !oldObj) out["."] = {};
  return out;
}

function removeFields(set: FieldSet, owned: FieldSet): boolean {
  for (const [k, v] of Object.entries(owned)) {
    if (!(k in set)) continue;
    const mine = set[k] as FieldSet;
    if (Object.keys(v as FieldSet).length === 0 || Object.keys(mine).length === 0) {
      delete set[k];
    } else if (removeFields(mine, v as FieldSet)) delete set[k];
  }
  return Object.keys(set).length === 0;
}

function mergeFields(into: FieldSet, add: FieldSet): FieldSet {
  for (const [k, v] of Object.entries(add)) {
    into[k] = k in into ? mergeFields(into[k] as FieldSet, v as FieldSet) : v;
  }
  return into;
}

/** Updates `obj.metadata.managedFields` for a write by `opts.fieldManager` (an Update). */
export function recordManagedFields(
  obj: KubeObject,
  old: KubeObject | undefined,
  opts: { fieldManager: string; apiVersion: string; subresource?: string },
  now: Date,
): void {
  const meta = obj.metadata;
  const previous = old ? (old.metadata.managedFields ?? []) : [];
  const changed = changedFields(obj, old, true, false);
  const entries: ManagedFieldsEntry[] = previous.map((e) => deepClone(e));
  if (changed && Object.keys(changed).length > 0) {
    for (const e of entries) {
      if (e.fieldsV1 && removeFields(e.fieldsV1 as FieldSet, changed)) e.fieldsV1 = undefined;
    }
    const sub = opts.subresource || undefined;
    let mine = entries.find((e) =>
      e.manager === opts.fieldManager && e.operation === "Update" && e.subresource === sub
    );
    if (!mine) {
      mine = { manager: opts.fieldManager, operation: "Update", apiVersion: opts.apiVersion };
      if (sub) mine.subresource = sub;
      entries.push(mine);
    }
    mine.apiVersion = opts.apiVersion;
    mine.time = formatTime(now);
    mine.fieldsType = "FieldsV1";
    mine.fieldsV1 = mergeFields((mine.fieldsV1 ?? {}) as FieldSet, changed);
  }
  const kept = entries.filter((e) => e.fieldsV1 && Object.keys(e.fieldsV1).length > 0);
  if (kept.length) meta.managedFields = kept;
  else delete meta.managedFields;
}

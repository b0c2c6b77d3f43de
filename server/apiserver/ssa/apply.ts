/**
 * The Apply operation: merges an applied configuration into the live object, removes what the
 * applier owned before and left out (unless another manager owns it too), and settles ownership,
 * refusing with 409 to change a field another manager owns unless forced.
 *
 * @module
 */
import { StatusError } from "../../../kube/errors.ts";
import type { ManagedFieldsEntry } from "../../../kube/meta.ts";
import { deepEqual, formatTime, isJsonObject } from "../../../kube/meta.ts";
import { canonicalJson, FieldSet, formatPath, type Json, type Path } from "./fieldpath.ts";
import {
  decodeOrEmpty,
  describeManager,
  encodeManagedFields,
  managerId,
  type Managers,
  type ManagerSet,
  STRIPPED_FIELDS,
} from "./managers.ts";
import type { Shape } from "./schema.ts";
import { merge, prune } from "./merge.ts";
import {
  compare,
  ensureNamedFieldsAreMembers,
  SchemaError,
  toFieldSet,
  validate,
} from "./typed.ts";
import { excludeFields, withoutManagedFields } from "./update.ts";

type Obj = Record<string, Json>;

/** kubectl's client-side apply annotation. */
export const LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";

/** The manager `kubectl apply --server-side` uses; it may take over client-side apply fields. */
const KUBECTL = "kubectl";

export interface ApplyInput {
  /** The stored object; undefined when the apply creates it. */
  live: Obj | undefined;
  /** The applied configuration, as decoded from the request. */
  config: Obj;
  manager: string;
  force: boolean;
  /** The apiVersion and kind of the request's resource. */
  apiVersion: string;
  kind: string;
  /** "" for the main resource, "status" for the status subresource. */
  subresource: string;
  now: Date;
  shape: Shape;
  /** Fields the applier cannot own here (status on the main resource, and so on). */
  ignore?: FieldSet;
}

export interface ApplyResult {
  /** The merged object, with `metadata.managedFields` set. */
  object: Obj;
  managedFields: ManagedFieldsEntry[] | undefined;
  /** Whether the object (not counting managed fields) differs from the live one. */
  changed: boolean;
}

function groupVersionKind(obj: Obj): string {
  const av = typeof obj.apiVersion === "string" ? obj.apiVersion : "";
  const slash = av.indexOf("/");
  const gv = slash < 0 ? `/${av}` : av;
  return `${gv}, Kind=${typeof obj.kind === "string" ? obj.kind : ""}`;
}

function describeObject(obj: Obj, apiVersion: string, kind: string): string {
  const meta = isJsonObject(obj.metadata) ? obj.metadata : {};
  const gv = apiVersion.includes("/") ? apiVersion : `/${apiVersion}`;
  return `${meta.namespace ?? ""}/${meta.name ?? ""}; ${gv}, Kind=${kind}`;
}

/** Errors upstream reports as plain (non-Status) errors: 500 without a reason. */
function unknownError(message: string): StatusError {
  return new StatusError(500, "", message);
}

/** Merges `input.config` into `input.live`; throws 400, 409 or 500 as upstream. */
export function applyConfig(input: ApplyInput): ApplyResult {
  const { config, shape } = input;
  if (config.apiVersion !== input.apiVersion || config.kind !== input.kind) {
    throw new StatusError(400, "BadRequest", `invalid object type: ${groupVersionKind(config)}`);
  }
  const cmeta = isJsonObject(config.metadata) ? config.metadata : {};
  if (cmeta.managedFields !== undefined && cmeta.managedFields !== null) {
    throw new StatusError(400, "BadRequest", "metadata.managedFields must be nil");
  }
  const what = describeObject(config, input.apiVersion, input.kind);
  let newSet: FieldSet;
  try {
    validate(config, shape);
    newSet = toFieldSet(config, shape);
  } catch (err) {
    if (err instanceof SchemaError) {
      throw unknownError(`failed to create typed patch object (${what}): ${err.message}`);
    }
    throw err;
  }
  if (input.ignore) newSet = newSet.recursiveDifference(input.ignore);

  const liveMeta = input.live && isJsonObject(input.live.metadata) ? input.live.metadata : {};
  const managers = decodeOrEmpty(liveMeta.managedFields);
  const base: Obj = input.live ? withoutManagedFields(input.live) : {};
  const mine: ManagerSet = {
    manager: input.manager,
    operation: "Apply",
    apiVersion: input.apiVersion,
    subresource: input.subresource,
    set: newSet,
  };
  const id = managerId(mine);
  const last = managers.get(id);
  if (last?.time) mine.time = last.time;
  managers.set(id, mine);

  let result: Obj;
  let comparison;
  try {
    result = merge(base, config, shape) as Obj;
    if (last && !last.set.isEmpty()) result = pruneGivenUp(result, shape, last.set, managers);
    comparison = excludeFields(compare(base, result, shape), input.ignore);
  } catch (err) {
    if (err instanceof SchemaError) {
      throw unknownError(`failed to merge config (${what}): ${err.message}`);
    }
    throw err;
  }

  const changedFields = comparison.modified.union(comparison.added);
  const conflicts = new Map<string, FieldSet>();
  for (const [other, m] of managers) {
    if (other === id) continue;
    const c = m.set.intersection(changedFields);
    if (!c.isEmpty()) conflicts.set(other, c);
  }
  if (conflicts.size && !input.force) {
    const allowed = input.manager === KUBECTL ? allowedFromLastApplied(input, base) : null;
    const remaining = allowed ? withoutAllowed(conflicts, allowed) : conflicts;
    if (remaining.size) throw conflictError(remaining, managers);
  }
  for (const [other, c] of conflicts) {
    const m = managers.get(other)!;
    m.set = m.set.difference(c);
  }
  for (const [other, m] of managers) {
    if (other !== id) m.set = m.set.difference(comparison.removed);
  }
  mine.set = mine.set.difference(STRIPPED_FIELDS);

  const changed = !deepEqual(base, result);
  if (changed) mine.time = formatTime(input.now);
  if (input.manager === KUBECTL && input.live && hasLastApplied(liveMeta)) {
    setLastApplied(result, config);
  }
  for (const [k, m] of managers) if (m.set.isEmpty()) managers.delete(k);
  const managedFields = encodeManagedFields(managers);
  const meta = isJsonObject(result.metadata) ? { ...result.metadata } : {};
  if (managedFields) meta.managedFields = managedFields;
  else delete meta.managedFields;
  return { object: { ...result, metadata: meta }, managedFields, changed };
}

/** Removes what the applier owned last time and no longer applies, unless someone owns it. */
function pruneGivenUp(merged: Obj, shape: Shape, last: FieldSet, managers: Managers): Obj {
  let owned = new FieldSet();
  for (const m of managers.values()) owned = owned.union(m.set);
  return prune(
    merged,
    shape,
    ensureNamedFieldsAreMembers(last, shape),
    ensureNamedFieldsAreMembers(owned, shape),
  ) as Obj;
}

function hasLastApplied(meta: Record<string, unknown>): boolean {
  const ann = meta.annotations;
  return isJsonObject(ann) && typeof ann[LAST_APPLIED] === "string" && ann[LAST_APPLIED] !== "";
}

/** Keeps kubectl's client-side annotation in step with what `kubectl` applied server-side. */
function setLastApplied(result: Obj, config: Obj): void {
  const cfg = { ...config };
  if (isJsonObject(config.metadata)) {
    const meta = { ...config.metadata };
    if (isJsonObject(meta.annotations)) {
      const { [LAST_APPLIED]: _, ...rest } = meta.annotations;
      if (Object.keys(rest).length) meta.annotations = rest;
      else delete meta.annotations;
    }
    cfg.metadata = meta;
  }
  const meta = isJsonObject(result.metadata) ? { ...result.metadata } : {};
  const ann = isJsonObject(meta.annotations) ? { ...meta.annotations } : {};
  ann[LAST_APPLIED] = canonicalJson(cfg) + "\n";
  meta.annotations = ann;
  result.metadata = meta;
}

/**
 * The fields kubectl's last client-side apply set and that still hold the values it set: a
 * `kubectl` applier may take these over from client-side apply without a conflict.
 */
function allowedFromLastApplied(input: ApplyInput, live: Obj): FieldSet | null {
  const meta = isJsonObject(live.metadata) ? live.metadata : {};
  if (!hasLastApplied(meta)) return null;
  let last: unknown;
  try {
    last = JSON.parse((meta.annotations as Record<string, string>)[LAST_APPLIED]);
  } catch {
    return null;
  }
  if (!isJsonObject(last) || last.apiVersion !== input.apiVersion) return null;
  try {
    const cmp = compare(last, live, input.shape);
    return toFieldSet(last, input.shape).difference(cmp.modified).difference(cmp.added)
      .difference(cmp.removed);
  } catch {
    return null;
  }
}

function withoutAllowed(conflicts: Map<string, FieldSet>, allowed: FieldSet) {
  const out = new Map<string, FieldSet>();
  for (const [id, set] of conflicts) {
    const rest = FieldSet.of(...set.paths().filter((p) => !allowed.has(p)));
    if (!rest.isEmpty()) out.set(id, rest);
  }
  return out;
}

/** Upstream's apply conflict: 409 with one `FieldManagerConflict` cause per field. */
export function conflictError(conflicts: Map<string, FieldSet>, managers: Managers): StatusError {
  const list: { who: string; path: Path }[] = [];
  for (const id of [...conflicts.keys()].sort()) {
    const who = describeManager(managers.get(id)!);
    for (const p of conflicts.get(id)!.paths()) list.push({ who, path: p });
  }
  const causes = list.map((c) => ({
    reason: "FieldManagerConflict",
    message: `conflict with ${c.who}`,
    field: formatPath(c.path),
  }));
  let message: string;
  if (list.length === 1) {
    message = `Apply failed with 1 conflict: conflict with ${list[0].who}: ${
      formatPath(list[0].path)
    }`;
  } else {
    const lines: string[] = [];
    let current = "";
    for (const c of list) {
      if (c.who !== current) lines.push(`conflicts with ${(current = c.who)}:`);
      lines.push(`- ${formatPath(c.path)}`);
    }
    message = `Apply failed with ${list.length} conflicts: ${lines.join("\n")}`;
  }
  return new StatusError(409, "Conflict", message, { causes });
}

/**
 * `metadata.managedFields` read into field sets per manager and written back: one entry per
 * manager identity (manager, operation, subresource, and for updates the apiVersion), sorted as
 * upstream sorts them, empty entries dropped, update entries capped.
 *
 * @module
 */
import type { ManagedFieldsEntry } from "../../../kube/meta.ts";
import { isJsonObject, parseTime } from "../../../kube/meta.ts";
import { compareStrings } from "../../../kube/order.ts";
import { FieldSet, path } from "./fieldpath.ts";

/** The fields one manager owns. */
export interface ManagerSet {
  manager: string;
  operation: "Apply" | "Update";
  apiVersion: string;
  /** "" for the main resource. */
  subresource: string;
  time?: string;
  set: FieldSet;
}

/** Manager sets by identity ({@link managerId}). */
export type Managers = Map<string, ManagerSet>;

/** A `managedFields` list that cannot be read as field sets. */
export class ManagedFieldsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ManagedFieldsError";
  }
}

/** Upstream's cap on update entries; older ones merge into `ancient-changes`. */
export const MAX_UPDATE_MANAGERS = 10;

/**
 * The identity of a manager, as upstream builds it: the entry without fields and time, and for
 * appliers without the apiVersion (an applier keeps its identity across versions).
 */
export function managerId(
  m: Pick<ManagerSet, "manager" | "operation" | "apiVersion" | "subresource">,
): string {
  const id: Record<string, string> = {};
  if (m.manager) id.manager = m.manager;
  id.operation = m.operation;
  if (m.operation === "Update" && m.apiVersion) id.apiVersion = m.apiVersion;
  if (m.subresource) id.subresource = m.subresource;
  return JSON.stringify(id);
}

/** How a manager is named in conflict messages: `"x" using apps/v1`. */
export function describeManager(m: ManagerSet): string {
  let s = JSON.stringify(m.manager);
  if (m.subresource) s += ` with subresource ${JSON.stringify(m.subresource)}`;
  if (m.operation === "Update") s += ` using ${m.apiVersion}`;
  return s;
}

/** Reads `managedFields`; throws {@link ManagedFieldsError} where upstream's decoder fails. */
export function decodeManagedFields(entries: unknown): Managers {
  const out: Managers = new Map();
  if (entries === undefined || entries === null) return out;
  if (!Array.isArray(entries)) throw new ManagedFieldsError("managedFields must be a list");
  entries.forEach((raw, i) => {
    const e = (isJsonObject(raw) ? raw : {}) as ManagedFieldsEntry;
    if (e.operation !== "Apply" && e.operation !== "Update") {
      throw new ManagedFieldsError("operation must be `Apply` or `Update`");
    }
    if (!e.apiVersion) throw new ManagedFieldsError("apiVersion must not be empty");
    if (!e.fieldsType) {
      throw new ManagedFieldsError(`missing fieldsType in managed fields entry ${i}`);
    }
    if (e.fieldsType !== "FieldsV1") {
      throw new ManagedFieldsError(
        `invalid fieldsType "${e.fieldsType}" in managed fields entry ${i}`,
      );
    }
    let set: FieldSet;
    try {
      set = e.fieldsV1 === undefined || e.fieldsV1 === null
        ? new FieldSet()
        : FieldSet.fromJSON(e.fieldsV1);
    } catch (err) {
      throw new ManagedFieldsError(`error decoding set: ${(err as Error).message}`);
    }
    const m: ManagerSet = {
      manager: e.manager ?? "",
      operation: e.operation,
      apiVersion: e.apiVersion,
      subresource: e.subresource ?? "",
      set,
    };
    if (e.time) m.time = e.time;
    out.set(managerId(m), m);
  });
  return out;
}

/** Like {@link decodeManagedFields}, but no managers at all when the list cannot be read. */
export function decodeOrEmpty(entries: unknown): Managers {
  try {
    return decodeManagedFields(entries);
  } catch {
    return new Map();
  }
}

function seconds(time: string | undefined): number {
  const d = time ? parseTime(time) : undefined;
  return d ? Math.floor(d.getTime() / 1000) : 0;
}

/** Writes managers back as `managedFields`, or undefined when none owns anything. */
export function encodeManagedFields(managers: Managers): ManagedFieldsEntry[] | undefined {
  const sets = [...managers.values()].filter((m) => !m.set.isEmpty());
  if (sets.length === 0) return undefined;
  sets.sort((p, q) =>
    compareStrings(p.operation, q.operation) || seconds(p.time) - seconds(q.time) ||
    compareStrings(p.manager, q.manager) || compareStrings(p.apiVersion, q.apiVersion) ||
    compareStrings(p.subresource, q.subresource)
  );
  return sets.map((m) => {
    const e: ManagedFieldsEntry = { manager: m.manager, operation: m.operation };
    e.apiVersion = m.apiVersion;
    if (m.time) e.time = m.time;
    e.fieldsType = "FieldsV1";
    e.fieldsV1 = m.set.toJSON();
    if (m.subresource) e.subresource = m.subresource;
    return e;
  });
}

/** True for `[]` or `[{}]`: the request asks to stop tracking managed fields. */
export function isResetManagedFields(v: unknown): boolean {
  if (!Array.isArray(v)) return false;
  if (v.length === 0) return true;
  if (v.length !== 1 || !isJsonObject(v[0])) return false;
  return Object.values(v[0]).every((x) => x === undefined || x === null || x === "");
}

/** Fields no manager ever owns: type meta and the metadata the server sets. */
export const STRIPPED_FIELDS: FieldSet = FieldSet.of(
  path("apiVersion"),
  path("kind"),
  path("metadata"),
  ...[
    "name",
    "namespace",
    "creationTimestamp",
    "selfLink",
    "uid",
    "clusterName",
    "generation",
    "managedFields",
    "resourceVersion",
  ].map((f) => path("metadata", f)),
);

/**
 * Merges the oldest update entries into `ancient-changes` (one per apiVersion) until at most
 * `max` update entries are left, as upstream does after each update.
 */
export function capUpdateManagers(managers: Managers, max = MAX_UPDATE_MANAGERS): void {
  const updaters = [...managers.entries()].filter(([, m]) => m.operation === "Update");
  if (updaters.length <= max) return;
  updaters.sort(([ia, a], [ib, b]) => seconds(a.time) - seconds(b.time) || compareStrings(ia, ib));
  const firstOfVersion = new Map<string, string>();
  let count = updaters.length;
  for (const [id, m] of updaters) {
    if (count <= max) break;
    const bucket: ManagerSet = {
      manager: "ancient-changes",
      operation: "Update",
      apiVersion: m.apiVersion,
      subresource: "",
      set: new FieldSet(),
    };
    const bucketId = managerId(bucket);
    const first = firstOfVersion.get(m.apiVersion);
    if (first === undefined) {
      firstOfVersion.set(m.apiVersion, id);
      continue;
    }
    if (!managers.has(bucketId)) {
      const seed = managers.get(first)!;
      managers.delete(first);
      managers.set(bucketId, { ...bucket, set: seed.set });
    }
    const b = managers.get(bucketId)!;
    managers.set(bucketId, { ...b, set: b.set.union(m.set), time: m.time });
    managers.delete(id);
    count--;
  }
}

function jsonTypeName(v: unknown): string {
  if (Array.isArray(v)) return "array";
  if (v === null) return "null";
  if (typeof v === "boolean") return "bool";
  return typeof v === "object" ? "object" : typeof v;
}

const ENTRY_STRINGS = ["manager", "operation", "apiVersion", "fieldsType", "subresource", "time"];

/**
 * Why `metadata.managedFields` of a request object cannot be decoded into upstream's Go types
 * (`json: cannot unmarshal ...`), or null when it can. Entries that decode but make no sense are
 * not errors here: upstream ignores them and keeps the stored managed fields.
 */
export function managedFieldsDecodeError(obj: unknown): string | null {
  const meta = isJsonObject(obj) ? obj.metadata : undefined;
  if (!isJsonObject(meta)) return null;
  const list = meta.managedFields;
  if (list === undefined || list === null) return null;
  const bad = (v: unknown, field: string, type: string) =>
    `json: cannot unmarshal ${jsonTypeName(v)} into Go struct field ${field} of type ${type}`;
  if (!Array.isArray(list)) {
    return bad(list, "ObjectMeta.metadata.managedFields", "[]v1.ManagedFieldsEntry");
  }
  for (const e of list) {
    if (e === null) continue;
    if (!isJsonObject(e)) {
      return bad(e, "ObjectMeta.metadata.managedFields", "v1.ManagedFieldsEntry");
    }
    for (const f of ENTRY_STRINGS) {
      const v = e[f];
      if (v === undefined || v === null) continue;
      if (typeof v !== "string") {
        return bad(v, `ManagedFieldsEntry.metadata.managedFields.${f}`, "string");
      }
      if (f === "time" && !parseTime(v)) {
        return `parsing time ${JSON.stringify(v)} as "2006-01-02T15:04:05Z07:00": cannot parse`;
      }
    }
  }
  return null;
}

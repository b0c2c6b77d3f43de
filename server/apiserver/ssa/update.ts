/**
 * Managed fields for Update operations (create, update, non-apply patch, status writes): the
 * manager takes the fields the request added or changed, away from every other manager; fields
 * the request removed are dropped from every manager.
 *
 * @module
 */
import type { ManagedFieldsEntry } from "../../../kube/meta.ts";
import { formatTime, isJsonObject } from "../../../kube/meta.ts";
import type { FieldSet, Json } from "./fieldpath.ts";
import {
  capUpdateManagers,
  decodeManagedFields,
  decodeOrEmpty,
  encodeManagedFields,
  isResetManagedFields,
  managerId,
  type Managers,
  STRIPPED_FIELDS,
} from "./managers.ts";
import type { Shape } from "./schema.ts";
import { compare, type Comparison } from "./typed.ts";

type Obj = Record<string, Json>;

/** What an Update operation is recorded from. */
export interface UpdateInput {
  /** The stored object; undefined when the request creates it. */
  live: Obj | undefined;
  /** The object about to be stored, with the request's `metadata.managedFields`. */
  next: Obj;
  manager: string;
  /** The apiVersion the client used. */
  apiVersion: string;
  /** "" for the main resource, "status" for the status subresource. */
  subresource: string;
  now: Date;
  shape: Shape;
  /** Fields whose changes are never recorded (the other half of a status subresource). */
  ignore?: FieldSet;
}

/** The object without `metadata.managedFields` (a shallow copy). */
export function withoutManagedFields(obj: Obj): Obj {
  if (!isJsonObject(obj.metadata) || !("managedFields" in obj.metadata)) return obj;
  const { managedFields: _, ...meta } = obj.metadata;
  return { ...obj, metadata: meta };
}

// Fields that are structs (not pointers) in upstream's Go types, present even in an empty
// object: a new object does not claim them as a whole, only what it sets inside them.
const ALWAYS_PRESENT = new Set([
  "metadata",
  "spec",
  "status",
  "template",
  "jobTemplate",
  "strategy",
  "updateStrategy",
  "resources",
]);

// Lists without `omitempty`, present as null in an empty object.
const NULL_PRESENT = new Set(["containers"]);

/** The empty object a created object is compared with (upstream compares with `New()`). */
export function emptyLike(obj: Obj): Obj {
  const out: Obj = {};
  for (const [k, v] of Object.entries(obj)) {
    if (ALWAYS_PRESENT.has(k) && isJsonObject(v)) out[k] = emptyLike(v);
    else if (NULL_PRESENT.has(k) && Array.isArray(v)) out[k] = null;
  }
  return out;
}

/** The managers an update starts from: the request's, when it sets valid ones, else the live. */
function startingManagers(input: UpdateInput): Managers {
  const live = input.live?.metadata;
  const liveManagers = decodeOrEmpty(isJsonObject(live) ? live.managedFields : undefined);
  if (input.subresource) return liveManagers;
  const meta = input.next.metadata;
  const requested = isJsonObject(meta) ? meta.managedFields : undefined;
  if (isResetManagedFields(requested)) return new Map();
  try {
    const m = decodeManagedFields(requested);
    return m.size ? m : liveManagers;
  } catch {
    return liveManagers;
  }
}

/** Drops `ignore`d fields (and everything below them) from a comparison. */
export function excludeFields(cmp: Comparison, ignore: FieldSet | undefined): Comparison {
  if (!ignore) return cmp;
  return {
    added: cmp.added.recursiveDifference(ignore),
    modified: cmp.modified.recursiveDifference(ignore),
    removed: cmp.removed.recursiveDifference(ignore),
  };
}

/**
 * The `managedFields` to store after an Update operation, or undefined when no manager owns
 * anything. When the objects do not fit their schema the live entries are kept, as upstream does.
 */
export function updateManagedFields(input: UpdateInput): ManagedFieldsEntry[] | undefined {
  const managers = startingManagers(input);
  const after = withoutManagedFields(input.next);
  const before = input.live ? withoutManagedFields(input.live) : emptyLike(after);
  let cmp: Comparison;
  try {
    cmp = excludeFields(compare(before, after, input.shape), input.ignore);
  } catch {
    const live = input.live?.metadata;
    return isJsonObject(live) ? live.managedFields as ManagedFieldsEntry[] | undefined : undefined;
  }
  const changed = cmp.modified.union(cmp.added);
  for (const m of managers.values()) m.set = m.set.difference(changed).difference(cmp.removed);
  const taken = changed.difference(STRIPPED_FIELDS);
  if (!taken.isEmpty()) {
    const mine = {
      manager: input.manager || "unknown",
      operation: "Update" as const,
      apiVersion: input.apiVersion,
      subresource: input.subresource,
    };
    const id = managerId(mine);
    const previous = managers.get(id);
    managers.set(id, {
      ...mine,
      time: formatTime(input.now),
      set: previous ? taken.union(previous.set) : taken,
    });
  }
  for (const [id, m] of managers) if (m.set.isEmpty()) managers.delete(id);
  capUpdateManagers(managers);
  return encodeManagedFields(managers);
}

/**
 * `metadata.managedFields` on every write the generic store makes. Update operations (create,
 * update, non-apply patch, status writes) are recorded here with server-side apply's field sets
 * (`ssa/`): the manager takes the fields it added or changed from every other manager. An apply
 * has already settled ownership while merging; its result comes in `opts.applied`.
 *
 * @module
 */
import type { KubeObject, ManagedFieldsEntry } from "../../kube/meta.ts";
import { deepClone } from "../../kube/meta.ts";
import type { Json } from "./ssa/fieldpath.ts";
import { type Shape, shapeForKind } from "./ssa/schema.ts";
import { updateManagedFields } from "./ssa/update.ts";

/** The managed fields an apply computed for the object it is writing. */
export interface AppliedFields {
  managedFields?: ManagedFieldsEntry[];
}

/** What a write is recorded as (the store's `WriteOptions` fit). */
export interface RecordOptions {
  fieldManager: string;
  /** The apiVersion the client spoke. */
  apiVersion: string;
  subresource?: string;
  /** The subresource entries are recorded under, when not the store's (`scale`). */
  entrySubresource?: string;
  /** Set by server-side apply. */
  applied?: AppliedFields;
  /** The object's schema, when known better than from its kind (custom resources). */
  shape?: Shape;
}

/** Sets `obj.metadata.managedFields` for a write by `opts.fieldManager`; `old` is the stored object. */
export function recordManagedFields(
  obj: KubeObject,
  old: KubeObject | undefined,
  opts: RecordOptions,
  now: Date,
): void {
  const meta = obj.metadata;
  const entries = opts.applied ? deepClone(opts.applied.managedFields) : updateManagedFields({
    live: old as Record<string, Json> | undefined,
    next: obj as Record<string, Json>,
    manager: opts.fieldManager,
    apiVersion: opts.apiVersion,
    subresource: opts.entrySubresource ?? opts.subresource ?? "",
    now,
    shape: opts.shape ?? shapeForKind(String(obj.apiVersion ?? ""), String(obj.kind ?? "")),
  });
  if (entries?.length) meta.managedFields = entries;
  else delete meta.managedFields;
}

/**
 * Marks an object between `prepareForCreate` and `validate` of one create, for resources whose
 * create rules differ from their update rules (the store calls `validate` for both). The mark
 * is a symbol-keyed, non-enumerable property: it is never copied, stored or serialized.
 *
 * @module
 */
import type { KubeObject } from "../../../../kube/meta.ts";

const CREATING = Symbol("creating");

/** Marks `o` as being created; call from `prepareForCreate`. */
export function markCreating(o: KubeObject): void {
  Object.defineProperty(o, CREATING, { value: true });
}

/** True inside `validate` when the object is being created rather than updated. */
export function isCreating(o: KubeObject): boolean {
  return (o as unknown as Record<symbol, unknown>)[CREATING] === true;
}

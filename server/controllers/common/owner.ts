/**
 * Owner references as controllers use them: the controlling reference of an object, a new one
 * for an owner, and {@link claim}, upstream's ControllerRefManager rules in one function —
 * adopt orphans that match the selector, release owned objects that no longer match, ignore
 * objects controlled by someone else.
 *
 * Adoption and release are strategic merge patches on `metadata.ownerReferences` (merged by
 * `uid`) carrying the object's `uid` as a precondition, so a stale cache never adopts a
 * recreated object.
 *
 * @module
 */
import {
  isNotFound,
  keyOf,
  type KubeClient,
  type KubeObject,
  type Resource,
} from "../../../kube/client/mod.ts";
import type { OwnerReference } from "../../../kube/meta.ts";
import type { Selector } from "../../../kube/labels.ts";

/** The reference with `controller: true`, if any. */
export function controllerRef(obj: KubeObject): OwnerReference | undefined {
  return obj.metadata.ownerReferences?.find((r) => r.controller === true);
}

/** True when `obj` is controlled by the object with uid `uid`. */
export function isControlledBy(obj: KubeObject, uid: string | undefined): boolean {
  return uid !== undefined && controllerRef(obj)?.uid === uid;
}

/** `metav1.NewControllerRef`: a controlling, deletion-blocking reference to `owner`. */
export function newControllerRef(
  owner: KubeObject,
  apiVersion: string,
  kind: string,
): OwnerReference {
  return {
    apiVersion,
    kind,
    name: owner.metadata.name!,
    uid: owner.metadata.uid!,
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** Who claims: the owner, its kind and its selector. */
export interface ClaimOwner {
  owner: KubeObject;
  apiVersion: string;
  kind: string;
  selector: Selector;
}

/** How claim() writes: the client and the resource of the claimed objects. */
export interface ClaimWriter {
  client: KubeClient;
  resource: Resource;
  /** Finalizers added to adopted objects (the Job's tracking finalizer). */
  finalizers?: string[];
  /**
   * Called before the first adoption: false (or a throw) stops adoption, e.g. when a fresh
   * read shows the owner being deleted.
   */
  canAdopt?: () => Promise<boolean>;
}

/**
 * The objects `owner` controls after adopting and releasing: candidates it already controls and
 * that still match (or that are being deleted), plus orphans it adopted. Objects another
 * controller owns are left alone. A failed adoption or release of a vanished object is skipped.
 */
export async function claim<T extends KubeObject>(
  candidates: readonly T[],
  who: ClaimOwner,
  writer: ClaimWriter,
): Promise<T[]> {
  const uid = who.owner.metadata.uid!;
  const ownerDeleting = !!who.owner.metadata.deletionTimestamp;
  const claimed: T[] = [];
  let adoptable: boolean | undefined;
  const errors: Error[] = [];
  for (const obj of candidates) {
    const ref = controllerRef(obj);
    const matches = who.selector.matches(obj.metadata.labels);
    if (ref) {
      if (ref.uid !== uid) continue;
      if (matches || obj.metadata.deletionTimestamp) {
        claimed.push(obj);
        continue;
      }
      if (ownerDeleting) continue;
      try {
        await release(obj, uid, writer);
      } catch (err) {
        errors.push(err as Error);
      }
      continue;
    }
    if (!matches || ownerDeleting || obj.metadata.deletionTimestamp) continue;
    adoptable ??= writer.canAdopt ? await writer.canAdopt() : true;
    if (!adoptable) continue;
    try {
      claimed.push(await adopt(obj, who, writer));
    } catch (err) {
      if (!isNotFound(err)) errors.push(err as Error);
    }
  }
  if (errors.length) {
    throw new Error(`Cannot claim objects for ${keyOf(who.owner)}: ${errors[0].message}`);
  }
  return claimed;
}

async function adopt<T extends KubeObject>(
  obj: T,
  who: ClaimOwner,
  writer: ClaimWriter,
): Promise<T> {
  const meta: Record<string, unknown> = {
    ownerReferences: [newControllerRef(who.owner, who.apiVersion, who.kind)],
    uid: obj.metadata.uid,
  };
  const missing = (writer.finalizers ?? []).filter((f) => !obj.metadata.finalizers?.includes(f));
  if (missing.length) meta.finalizers = missing;
  return await writer.client.patch(
    writer.resource,
    obj.metadata.name!,
    { metadata: meta },
    "strategic",
    { namespace: obj.metadata.namespace },
  ) as T;
}

async function release(obj: KubeObject, ownerUid: string, writer: ClaimWriter): Promise<void> {
  try {
    await writer.client.patch(
      writer.resource,
      obj.metadata.name!,
      removeOwnerPatch(obj, [ownerUid]),
      "strategic",
      { namespace: obj.metadata.namespace },
    );
  } catch (err) {
    // Gone, or recreated (the uid precondition failed): nothing of ours to release.
    if (isNotFound(err) || (err as { code?: number }).code === 422) return;
    throw err;
  }
}

/** A strategic merge patch removing the references to `ownerUids` from `obj`. */
export function removeOwnerPatch(obj: KubeObject, ownerUids: readonly string[]): unknown {
  return {
    metadata: {
      ownerReferences: ownerUids.map((uid) => ({ $patch: "delete", uid })),
      uid: obj.metadata.uid,
    },
  };
}

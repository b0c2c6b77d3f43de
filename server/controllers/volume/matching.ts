/**
 * The pure half of the persistent volume binder: which class a claim or volume belongs to,
 * whether a volume is (pre-)bound to a claim, the best available volume for a claim (upstream's
 * `FindMatchingVolume` in the controller's path: no node) and why a volume a claim asks for by
 * name does not satisfy it.
 *
 * @module
 */
import type {
  ObjectReference,
  PersistentVolume,
  PersistentVolumeClaim,
} from "../../../kube/client/mod.ts";
import { type LabelSelector, labelSelectorAsSelector } from "../../../kube/labels.ts";
import { type Quantity, quantityFromJSON } from "../../../kube/quantity.ts";

/** The beta class annotation, which wins over `spec.storageClassName` on either object. */
export const BETA_STORAGE_CLASS = "volume.beta.kubernetes.io/storage-class";

/** The class a claim asks for (`""`: none). */
export function claimClass(claim: PersistentVolumeClaim): string {
  return claim.metadata.annotations?.[BETA_STORAGE_CLASS] ?? claim.spec?.storageClassName ?? "";
}

/** The class a volume belongs to (`""`: none). */
export function volumeClass(pv: PersistentVolume): string {
  return pv.metadata.annotations?.[BETA_STORAGE_CLASS] ?? pv.spec?.storageClassName ?? "";
}

/** `namespace/name` of the claim a volume's `claimRef` names, if any. */
export function claimRefKey(pv: PersistentVolume): string | undefined {
  const ref = pv.spec?.claimRef;
  return ref?.name ? `${ref.namespace ?? ""}/${ref.name}` : undefined;
}

/** The volume is pre-bound or bound to the claim: same name and namespace, and uid if it has one. */
export function isVolumeBoundToClaim(pv: PersistentVolume, claim: PersistentVolumeClaim): boolean {
  const ref: ObjectReference | null | undefined = pv.spec?.claimRef;
  if (!ref) return false;
  if (ref.name !== claim.metadata.name || ref.namespace !== claim.metadata.namespace) return false;
  return !ref.uid || ref.uid === claim.metadata.uid;
}

function storageOf(q: unknown): Quantity | undefined {
  if (q === undefined || q === null) return undefined;
  try {
    return quantityFromJSON(q);
  } catch {
    return undefined;
  }
}

const ZERO = quantityFromJSON("0");

function requested(claim: PersistentVolumeClaim): Quantity {
  return storageOf(claim.spec?.resources?.requests?.storage) ?? ZERO;
}

function capacity(pv: PersistentVolume): Quantity {
  return storageOf(pv.spec?.capacity?.storage) ?? ZERO;
}

/** Block or Filesystem; unset means Filesystem on both sides. */
export function volumeModeMismatch(pv: PersistentVolume, claim: PersistentVolumeClaim): boolean {
  return (claim.spec?.volumeMode ?? "Filesystem") !== (pv.spec?.volumeMode ?? "Filesystem");
}

function accessModesContained(pv: PersistentVolume, claim: PersistentVolumeClaim): boolean {
  const have = new Set(pv.spec?.accessModes ?? []);
  return (claim.spec?.accessModes ?? []).every((m) => have.has(m));
}

/**
 * The volume for an unbound claim: one pre-bound to it (by `claimRef`) if there is one that is
 * big enough, else the smallest Available, unclaimed volume of the claim's class that is big
 * enough, has the claim's access modes and volume mode and matches its selector. With
 * `delayBinding` (WaitForFirstConsumer) only a pre-bound volume is returned: the scheduler
 * picks the others.
 */
export function findMatchingVolume(
  claim: PersistentVolumeClaim,
  volumes: Iterable<PersistentVolume>,
  delayBinding: boolean,
): PersistentVolume | undefined {
  const want = requested(claim);
  const cls = claimClass(claim);
  const rawSelector = claim.spec?.selector as LabelSelector | null | undefined;
  const selector = rawSelector ? labelSelectorAsSelector(rawSelector) : undefined;
  let best: PersistentVolume | undefined;
  let bestSize: Quantity | undefined;
  for (const pv of volumes) {
    if (pv.spec?.claimRef && !isVolumeBoundToClaim(pv, claim)) continue;
    const size = capacity(pv);
    if (size.cmp(want) < 0) continue;
    if (volumeModeMismatch(pv, claim)) continue;
    if (pv.metadata.deletionTimestamp) continue;
    if (!accessModesContained(pv, claim)) continue;
    if (isVolumeBoundToClaim(pv, claim)) return pv;
    if (delayBinding) continue;
    if (pv.status?.phase !== "Available") continue;
    if (selector && !selector.matches(pv.metadata.labels ?? {})) continue;
    if (volumeClass(pv) !== cls) continue;
    if (!bestSize || bestSize.cmp(size) > 0) {
      best = pv;
      bestSize = size;
    }
  }
  return best;
}

/**
 * Why a volume named by a claim's `spec.volumeName` cannot back it (upstream's
 * `checkVolumeSatisfyClaim`), or undefined when it can. The selector is not checked: naming a
 * volume overrides it.
 */
export function unsatisfiedBy(
  pv: PersistentVolume,
  claim: PersistentVolumeClaim,
): string | undefined {
  if (capacity(pv).cmp(requested(claim)) < 0) return "requested PV is too small";
  if (volumeClass(pv) !== claimClass(claim)) return "storageClassName does not match";
  if (volumeModeMismatch(pv, claim)) return "incompatible volumeMode";
  if (!accessModesContained(pv, claim)) return "incompatible accessMode";
  return undefined;
}

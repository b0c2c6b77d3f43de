/**
 * Volume controllers of `k3s server`: {@link PersistentVolumeController}, upstream's
 * `persistentvolume-binder`, which binds PersistentVolumeClaims to PersistentVolumes, hands
 * dynamically provisioned claims to their external provisioner and tracks both objects' phases.
 * Its pure matching rules are in `matching.ts`.
 *
 * @module
 */
export {
  BETA_STORAGE_CLASS,
  claimClass,
  findMatchingVolume,
  isVolumeBoundToClaim,
  unsatisfiedBy,
  volumeClass,
} from "./matching.ts";
export {
  BIND_COMPLETED,
  BOUND_BY_CONTROLLER,
  PersistentVolumeController,
  PV_CONTROLLER_COMPONENT,
  STORAGE_PROVISIONER,
} from "./persistent_volume.ts";

/**
 * {@link PersistentVolumeController}: kube-controller-manager's `persistentvolume-binder`
 * (upstream `pkg/controller/volume/persistentvolume`). It binds unbound claims to the smallest
 * matching Available volume, completes bindings that a user, the scheduler or a provisioner
 * started on one side, hands claims of a dynamic class to their external provisioner (the
 * `storage-provisioner` annotations), and moves volumes and claims through their phases:
 * Available, Bound, Released (claim deleted), Lost (volume gone), Failed (reclaim impossible).
 *
 * Claims are keyed `namespace/name`, volumes by name (never a `/`), in one queue. Every write
 * carries the cached resourceVersion; a conflict requeues the key, which re-reads fresh state.
 *
 * @module
 */
import {
  EventRecorder,
  isNotFound,
  keyOf,
  objectReference,
  PERSISTENT_VOLUME_CLAIMS,
  PERSISTENT_VOLUMES,
  type PersistentVolume,
  type PersistentVolumeClaim,
  type SharedInformer,
  STORAGE_CLASSES,
  type StorageClass,
} from "../../../kube/client/mod.ts";
import { deepEqual, formatTime } from "../../../kube/meta.ts";
import { Controller, type ControllerConfig } from "../framework/mod.ts";
import {
  claimClass,
  claimRefKey,
  findMatchingVolume,
  isVolumeBoundToClaim,
  unsatisfiedBy,
  volumeClass,
  volumeModeMismatch,
} from "./matching.ts";

const PVS = PERSISTENT_VOLUMES;
const PVCS = PERSISTENT_VOLUME_CLAIMS;

export const BIND_COMPLETED = "pv.kubernetes.io/bind-completed";
export const BOUND_BY_CONTROLLER = "pv.kubernetes.io/bound-by-controller";
export const PROVISIONED_BY = "pv.kubernetes.io/provisioned-by";
export const STORAGE_PROVISIONER = "volume.kubernetes.io/storage-provisioner";
export const BETA_STORAGE_PROVISIONER = "volume.beta.kubernetes.io/storage-provisioner";
export const SELECTED_NODE = "volume.kubernetes.io/selected-node";

/** Event source of upstream's controller. */
export const PV_CONTROLLER_COMPONENT = "persistentvolume-controller";

const BY_CLAIM = "claimRef";
const BY_CLASS = "unboundClass";
const BY_VOLUME = "volumeName";

type Phase = "Pending" | "Available" | "Bound" | "Released" | "Failed" | "Lost";

/** The persistent volume binder. */
export class PersistentVolumeController extends Controller {
  readonly #volumes: SharedInformer<PersistentVolume>;
  readonly #claims: SharedInformer<PersistentVolumeClaim>;
  readonly #classes: SharedInformer<StorageClass>;

  constructor(config: ControllerConfig) {
    super({
      ...config,
      recorder: config.recorder ??
        new EventRecorder({
          client: config.client,
          component: PV_CONTROLLER_COMPONENT,
          clock: config.clock,
          log: config.log,
        }),
    });
    this.#volumes = this.watch(PVS, {
      indexers: { [BY_CLAIM]: (pv) => [claimRefKey(pv) ?? ""].filter(Boolean) },
      keys: (pv) => this.#volumeKeys(pv),
    });
    this.#claims = this.watch(PVCS, {
      indexers: {
        [BY_CLASS]: (c) => c.spec?.volumeName ? [] : [claimClass(c)],
        [BY_VOLUME]: (c) => c.spec?.volumeName ? [c.spec.volumeName] : [],
      },
      keys: (c) => [
        keyOf(c),
        ...(c.spec?.volumeName ? [c.spec.volumeName] : []),
        ...this.#volumes.store.byIndex(BY_CLAIM, keyOf(c)).map(keyOf),
      ],
    });
    this.#classes = this.watch(STORAGE_CLASSES, {
      keys: (sc) => this.#claimKeys(BY_CLASS, sc.metadata.name ?? ""),
    });
  }

  /** A volume's change concerns itself, the claim it names, and unbound claims it may fit. */
  #volumeKeys(pv: PersistentVolume): string[] {
    const keys = [keyOf(pv)];
    const ref = claimRefKey(pv);
    if (ref) keys.push(ref);
    else keys.push(...this.#claimKeys(BY_CLASS, volumeClass(pv)));
    keys.push(...this.#claimKeys(BY_VOLUME, keyOf(pv)));
    return keys;
  }

  /** Keys of indexed claims; none while the constructor runs (a synced informer replays adds). */
  #claimKeys(index: string, value: string): string[] {
    const claims = this.#claims as SharedInformer<PersistentVolumeClaim> | undefined;
    return claims ? claims.store.byIndex(index, value).map(keyOf) : [];
  }

  protected async reconcile(key: string): Promise<void> {
    if (key.includes("/")) {
      const claim = this.#claims.store.get(key);
      if (!claim) return;
      if (claim.metadata.annotations?.[BIND_COMPLETED]) await this.#syncBoundClaim(claim);
      else await this.#syncUnboundClaim(claim);
    } else {
      const pv = this.#volumes.store.get(key);
      if (pv) await this.#syncVolume(pv);
    }
  }

  async #syncUnboundClaim(claim: PersistentVolumeClaim): Promise<void> {
    const volumeName = claim.spec?.volumeName;
    if (!volumeName) {
      const className = claimClass(claim);
      const sc = className ? this.#classes.store.get(className) : undefined;
      const delayBinding = sc?.volumeBindingMode === "WaitForFirstConsumer";
      const pv = findMatchingVolume(claim, this.#volumes.store.values(), delayBinding);
      if (pv) return await this.#bind(pv, claim);
      if (delayBinding && !claim.metadata.annotations?.[SELECTED_NODE]) {
        this.#event(
          claim,
          "Normal",
          "WaitForFirstConsumer",
          "waiting for first consumer to be created before binding",
        );
      } else if (className) {
        claim = await this.#provision(claim, className, sc);
      } else {
        this.#event(
          claim,
          "Normal",
          "FailedBinding",
          "no persistent volumes available for this claim and no storage class is set",
        );
      }
      await this.#claimStatus(claim, "Pending");
      return;
    }
    const pv = this.#volumes.store.get(volumeName);
    if (!pv) {
      await this.#claimStatus(claim, "Pending");
      return;
    }
    if (!pv.spec?.claimRef) {
      const why = unsatisfiedBy(pv, claim);
      if (!why) return await this.#bind(pv, claim);
      this.#event(
        claim,
        "Warning",
        "VolumeMismatch",
        `Cannot bind to requested volume "${volumeName}": ${why}`,
      );
      await this.#claimStatus(claim, "Pending");
      return;
    }
    if (isVolumeBoundToClaim(pv, claim)) return await this.#bind(pv, claim);
    // The volume is claimed by someone else: wait for it.
    await this.#claimStatus(claim, "Pending");
  }

  async #syncBoundClaim(claim: PersistentVolumeClaim): Promise<void> {
    const volumeName = claim.spec?.volumeName;
    if (!volumeName) {
      return await this.#lose(
        claim,
        "ClaimLost",
        "Bound claim has lost reference to PersistentVolume. Data on the volume is lost!",
      );
    }
    const pv = this.#volumes.store.get(volumeName);
    if (!pv) {
      return await this.#lose(
        claim,
        "ClaimLost",
        "Bound claim has lost its PersistentVolume. Data on the volume is lost!",
      );
    }
    const ref = pv.spec?.claimRef;
    if (!ref || ref.uid === claim.metadata.uid) return await this.#bind(pv, claim);
    await this.#lose(
      claim,
      "ClaimMisbound",
      "Two claims are bound to the same volume, this one is bound incorrectly",
    );
  }

  async #syncVolume(pv: PersistentVolume): Promise<void> {
    const ref = pv.spec?.claimRef;
    // Unclaimed, or reserved for a claim by name only (the claim's sync binds it).
    if (!ref || !ref.uid) {
      await this.#volumePhase(pv, "Available");
      return;
    }
    const phase = pv.status?.phase;
    const settled = phase === "Released" || phase === "Failed";
    const key = claimRefKey(pv)!;
    let claim = this.#claims.store.get(key);
    // A volume made by a provisioner or the scheduler may name a claim this cache has not seen
    // yet: ask the API before releasing it.
    if ((!claim && !settled) || (claim && claim.metadata.uid !== ref.uid)) {
      claim = await this.#getClaim(ref.namespace ?? "", ref.name ?? "");
    }
    if (claim && claim.metadata.uid !== ref.uid) claim = undefined;
    if (!claim) {
      if (!settled) pv = await this.#volumePhase(pv, "Released");
      await this.#reclaim(pv);
      return;
    }
    const volumeName = claim.spec?.volumeName;
    if (!volumeName) {
      if (volumeModeMismatch(pv, claim)) {
        this.recorder.event(
          objectReference(PVS, pv),
          "Warning",
          "VolumeMismatch",
          `Cannot bind PersistentVolume to requested PersistentVolumeClaim "${claim.metadata.name}" due to incompatible volumeMode.`,
        );
        return;
      }
      this.queue.add(key);
      return;
    }
    if (volumeName === pv.metadata.name) {
      await this.#volumePhase(pv, "Bound");
      return;
    }
    // The claim went to another volume.
    if (
      pv.metadata.annotations?.[PROVISIONED_BY] &&
      pv.spec?.persistentVolumeReclaimPolicy === "Delete"
    ) {
      if (!settled) pv = await this.#volumePhase(pv, "Released");
      await this.#reclaim(pv);
      return;
    }
    await this.#unbind(pv);
  }

  async #getClaim(namespace: string, name: string): Promise<PersistentVolumeClaim | undefined> {
    try {
      return await this.client.get(PVCS, name, { namespace });
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /** Ties both sides together: the volume's claimRef, then its phase, then the claim. */
  async #bind(pv: PersistentVolume, claim: PersistentVolumeClaim): Promise<void> {
    const ref = pv.spec?.claimRef;
    const annotations = { ...pv.metadata.annotations };
    let dirty = false;
    let spec = pv.spec;
    if (
      !ref || ref.name !== claim.metadata.name || ref.namespace !== claim.metadata.namespace ||
      ref.uid !== claim.metadata.uid
    ) {
      spec = {
        ...spec,
        claimRef: {
          kind: "PersistentVolumeClaim",
          apiVersion: "v1",
          namespace: claim.metadata.namespace,
          name: claim.metadata.name,
          uid: claim.metadata.uid,
          resourceVersion: claim.metadata.resourceVersion,
        },
      };
      dirty = true;
    }
    if (!isVolumeBoundToClaim(pv, claim) && !(BOUND_BY_CONTROLLER in annotations)) {
      annotations[BOUND_BY_CONTROLLER] = "yes";
      dirty = true;
    }
    let volume = pv;
    if (dirty) {
      volume = await this.client.update(PVS, {
        ...pv,
        metadata: { ...pv.metadata, annotations },
        spec,
      });
    }
    volume = await this.#volumePhase(volume, "Bound");

    const claimAnnotations = { ...claim.metadata.annotations };
    let claimDirty = false;
    let claimSpec = claim.spec;
    if (claim.spec?.volumeName !== volume.metadata.name) {
      claimSpec = { ...claimSpec, volumeName: volume.metadata.name };
      if (!(BOUND_BY_CONTROLLER in claimAnnotations)) claimAnnotations[BOUND_BY_CONTROLLER] = "yes";
      claimDirty = true;
    }
    if (!(BIND_COMPLETED in claimAnnotations)) {
      claimAnnotations[BIND_COMPLETED] = "yes";
      claimDirty = true;
    }
    let bound = claim;
    if (claimDirty) {
      bound = await this.client.update(PVCS, {
        ...claim,
        metadata: { ...claim.metadata, annotations: claimAnnotations },
        spec: claimSpec,
      });
    }
    await this.#claimStatus(bound, "Bound", volume);
  }

  /** Frees a volume whose claim went elsewhere: all of a controller's binding, a user's uid. */
  async #unbind(pv: PersistentVolume): Promise<void> {
    const annotations = { ...pv.metadata.annotations };
    let spec = { ...pv.spec };
    if (BOUND_BY_CONTROLLER in annotations) {
      delete annotations[BOUND_BY_CONTROLLER];
      delete spec.claimRef;
    } else {
      const { uid: _uid, ...ref } = spec.claimRef ?? {};
      spec = { ...spec, claimRef: ref };
    }
    const updated = await this.client.update(PVS, {
      ...pv,
      metadata: {
        ...pv.metadata,
        annotations: Object.keys(annotations).length ? annotations : undefined,
      },
      spec,
    });
    await this.#volumePhase(updated, "Available");
  }

  /** The reclaim policy of a released volume. */
  async #reclaim(pv: PersistentVolume): Promise<void> {
    switch (pv.spec?.persistentVolumeReclaimPolicy ?? "Retain") {
      case "Retain":
        return;
      case "Recycle":
        if (pv.status?.phase === "Failed") return;
        await this.#volumePhase(pv, "Failed", "No recycler plugin found for the volume!");
        this.#volumeEvent(pv, "VolumeFailedRecycle", "No recycler plugin found for the volume!");
        return;
      case "Delete": {
        const provisioner = pv.metadata.annotations?.[PROVISIONED_BY];
        // An external provisioner deletes its own volumes (and the PV object).
        if (provisioner && !provisioner.startsWith("kubernetes.io/")) return;
        if (pv.status?.phase === "Failed") return;
        const message =
          `error getting deleter volume plugin for volume "${pv.metadata.name}": no deletable volume plugin matched`;
        await this.#volumePhase(pv, "Failed", message);
        this.#volumeEvent(pv, "VolumeFailedDelete", message);
      }
    }
  }

  /**
   * A claim of a class with a dynamic provisioner: the provisioner annotations an external
   * provisioner (local-path, a CSI driver) waits for. In-tree provisioner names have no plugin
   * here, as upstream without cloud providers.
   */
  async #provision(
    claim: PersistentVolumeClaim,
    className: string,
    sc: StorageClass | undefined,
  ): Promise<PersistentVolumeClaim> {
    if (!sc) {
      this.#event(
        claim,
        "Warning",
        "ProvisioningFailed",
        `storageclass.storage.k8s.io "${className}" not found`,
      );
      return claim;
    }
    const provisioner = sc.provisioner;
    if (provisioner.startsWith("kubernetes.io/")) {
      this.#event(
        claim,
        "Warning",
        "ProvisioningFailed",
        `no volume plugin matched name: ${provisioner}`,
      );
      return claim;
    }
    const annotations = claim.metadata.annotations ?? {};
    let updated = claim;
    if (
      annotations[STORAGE_PROVISIONER] !== provisioner ||
      annotations[BETA_STORAGE_PROVISIONER] !== provisioner
    ) {
      updated = await this.client.update(PVCS, {
        ...claim,
        metadata: {
          ...claim.metadata,
          annotations: {
            ...annotations,
            [STORAGE_PROVISIONER]: provisioner,
            [BETA_STORAGE_PROVISIONER]: provisioner,
          },
        },
      });
    }
    this.#event(
      updated,
      "Normal",
      "ExternalProvisioning",
      `Waiting for a volume to be created either by the external provisioner '${provisioner}' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered.`,
    );
    return updated;
  }

  async #lose(claim: PersistentVolumeClaim, reason: string, message: string): Promise<void> {
    if (claim.status?.phase === "Lost") return;
    await this.#claimStatus(claim, "Lost");
    this.#event(claim, "Warning", reason, message);
  }

  /** The claim's phase, with the volume's capacity and access modes when Bound. */
  async #claimStatus(
    claim: PersistentVolumeClaim,
    phase: Phase,
    volume?: PersistentVolume,
  ): Promise<void> {
    const status: NonNullable<PersistentVolumeClaim["status"]> = { ...claim.status, phase };
    delete status.capacity;
    delete status.accessModes;
    if (volume) {
      if (volume.spec?.capacity) status.capacity = volume.spec.capacity;
      if (volume.spec?.accessModes) status.accessModes = volume.spec.accessModes;
    }
    if (deepEqual(claim.status ?? {}, status)) return;
    await this.client.updateStatus(PVCS, { ...claim, status });
  }

  /** The volume's phase (and message); returns the volume as now stored. */
  async #volumePhase(
    pv: PersistentVolume,
    phase: Phase,
    message?: string,
  ): Promise<PersistentVolume> {
    const current = pv.status ?? {};
    if (current.phase === phase && current.message === message) return pv;
    const status: NonNullable<PersistentVolume["status"]> = { ...current, phase };
    if (message) status.message = message;
    else delete status.message;
    if (current.phase !== phase) status.lastPhaseTransitionTime = formatTime(this.clock.now());
    return await this.client.updateStatus(PVS, { ...pv, status });
  }

  #event(
    claim: PersistentVolumeClaim,
    type: "Normal" | "Warning",
    reason: string,
    message: string,
  ): void {
    this.recorder.event(objectReference(PVCS, claim), type, reason, message);
  }

  #volumeEvent(pv: PersistentVolume, reason: string, message: string): void {
    this.recorder.event(objectReference(PVS, pv), "Warning", reason, message);
  }
}

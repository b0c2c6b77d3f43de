/**
 * `persistentvolumes`: cluster-scoped, Pending on create, reclaim policy Retain by default,
 * exactly one volume source, and an immutable source after creation.
 *
 * @module
 */
import type { FieldError } from "../../../../kube/errors.ts";
import { deepEqual, formatTime, type KubeObject } from "../../../../kube/meta.ts";
import type { ResourceDef } from "../../resource.ts";
import { accessModesString, AGE_COLUMN, column, field, storageClassOf, wide } from "./columns.ts";
import { canonicalizeResourceList } from "./quantity.ts";
import { validateResourceList } from "./quota.ts";
import {
  arr,
  checkEnum,
  child,
  forbiddenField,
  invalidField,
  notSupported,
  obj,
  required,
  setDefault,
  str,
} from "./util.ts";

/** Access modes a PV or PVC may ask for. */
export const ACCESS_MODES = ["ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"];
const RECLAIM_POLICIES = ["Delete", "Recycle", "Retain"];
const VOLUME_MODES = ["Block", "Filesystem"];
const PV_SOURCES = [
  "gcePersistentDisk",
  "awsElasticBlockStore",
  "hostPath",
  "glusterfs",
  "nfs",
  "rbd",
  "iscsi",
  "cinder",
  "cephfs",
  "fc",
  "flocker",
  "flexVolume",
  "azureFile",
  "vsphereVolume",
  "quobyte",
  "azureDisk",
  "photonPersistentDisk",
  "portworxVolume",
  "scaleIO",
  "local",
  "storageos",
  "csi",
];

/** Access-mode errors shared by PVs and PVCs. */
export function validateAccessModes(modes: unknown, path: string): FieldError[] {
  const list = arr(modes);
  if (list.length === 0) return [required(path)];
  const errs = list.filter((m) => !ACCESS_MODES.includes(str(m))).map((m) =>
    notSupported(path, m, ACCESS_MODES)
  );
  if (list.includes("ReadWriteOncePod") && list.length > 1) {
    errs.push(forbiddenField(path, "may not use ReadWriteOncePod with other access modes"));
  }
  return errs;
}

function prepare(o: KubeObject): void {
  const spec = child(o, "spec");
  setDefault(spec, "persistentVolumeReclaimPolicy", "Retain");
  setDefault(spec, "volumeMode", "Filesystem");
  canonicalizeResourceList(spec.capacity);
}

function validate(o: KubeObject): FieldError[] {
  const spec = field(o, "spec");
  const errs: FieldError[] = [];
  const capacity = obj(spec.capacity);
  if (!capacity || Object.keys(capacity).length === 0) errs.push(required("spec.capacity"));
  else if (!("storage" in capacity) || Object.keys(capacity).length > 1) {
    errs.push(notSupported("spec.capacity", Object.keys(capacity).join(","), ["storage"]));
  }
  errs.push(...validateResourceList(capacity, "spec.capacity"));
  errs.push(...validateAccessModes(spec.accessModes, "spec.accessModes"));
  errs.push(
    ...checkEnum(
      spec.persistentVolumeReclaimPolicy,
      RECLAIM_POLICIES,
      "spec.persistentVolumeReclaimPolicy",
    ),
  );
  errs.push(...checkEnum(spec.volumeMode, VOLUME_MODES, "spec.volumeMode", false));
  const sources = PV_SOURCES.filter((k) => spec[k] !== undefined && spec[k] !== null);
  if (sources.length === 0) errs.push(required("spec", "must specify a volume type"));
  for (const extra of sources.slice(1)) {
    errs.push(forbiddenField(`spec.${extra}`, "may not specify more than 1 volume type"));
  }
  if (spec.local !== undefined && !obj(spec.nodeAffinity)) {
    errs.push(required("spec.nodeAffinity", "Local volume requires node affinity"));
  }
  return errs;
}

function sourceOf(spec: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(PV_SOURCES.filter((k) => k in spec).map((k) => [k, spec[k]]));
}

function validateUpdate(o: KubeObject, old: KubeObject): FieldError[] {
  const spec = field(o, "spec");
  const oldSpec = field(old, "spec");
  const errs: FieldError[] = [];
  if (!deepEqual(sourceOf(spec), sourceOf(oldSpec))) {
    errs.push(
      forbiddenField(
        "spec.persistentvolumesource",
        "spec.persistentvolumesource is immutable after creation",
      ),
    );
  }
  if (spec.volumeMode !== oldSpec.volumeMode) {
    errs.push(invalidField("spec.volumeMode", spec.volumeMode ?? "", "field is immutable"));
  }
  return errs;
}

export function persistentVolumeResource(): ResourceDef {
  return {
    group: "",
    versions: ["v1"],
    kind: "PersistentVolume",
    plural: "persistentvolumes",
    singular: "persistentvolume",
    namespaced: false,
    shortNames: ["pv"],
    status: true,
    strategy: {
      prepareForCreate(o, ctx) {
        o.status = { phase: "Pending", lastPhaseTransitionTime: formatTime(ctx.now) };
        prepare(o);
      },
      prepareForUpdate: prepare,
      validate,
      validateUpdate,
    },
    columns: [
      column("Capacity", (o) => str(field(field(o, "spec"), "capacity").storage) || "0", {
        description: "A description of the persistent volume's resources and capacity.",
      }),
      column("Access Modes", (o) => accessModesString(field(o, "spec").accessModes), {
        description: "AccessModes contains all ways the volume can be mounted.",
      }),
      column("Reclaim Policy", (o) => str(field(o, "spec").persistentVolumeReclaimPolicy), {
        description: "What happens to a persistent volume when released from its claim.",
      }),
      column(
        "Status",
        (o) => (o.metadata.deletionTimestamp ? "Terminating" : str(field(o, "status").phase)),
        {
          description:
            "Phase indicates if a volume is available, bound to a claim, or released by a claim.",
        },
      ),
      column("Claim", (o) => {
        const ref = obj(field(o, "spec").claimRef);
        return ref ? `${str(ref.namespace)}/${str(ref.name)}` : "";
      }, {
        description:
          "ClaimRef is part of a bi-directional binding between PersistentVolume and PersistentVolumeClaim.",
      }),
      column("StorageClass", storageClassOf, {
        description:
          "StorageClassName is the name of StorageClass to which this persistent volume belongs.",
      }),
      column(
        "VolumeAttributesClass",
        (o) => str(field(o, "spec").volumeAttributesClassName) || "<unset>",
        {
          description:
            "VolumeAttributesClassName is the name of VolumeAttributesClass to which this persistent volume belongs.",
        },
      ),
      column("Reason", (o) => str(field(o, "status").reason), {
        description: "Reason is a brief CamelCase string that describes any failure.",
      }),
      AGE_COLUMN,
      wide(
        "VolumeMode",
        (o) => str(field(o, "spec").volumeMode) || "<unset>",
        "volumeMode defines if a volume is intended to be used with a formatted filesystem or to remain in raw block state.",
      ),
    ],
  };
}

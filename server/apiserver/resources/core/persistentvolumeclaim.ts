/**
 * `persistentvolumeclaims`: Pending on create, storage request required, and a spec frozen after
 * creation except for growing `resources.requests` and binding `volumeName` once.
 *
 * @module
 */
import type { FieldError } from "../../../../kube/errors.ts";
import { deepClone, deepEqual, type KubeObject } from "../../../../kube/meta.ts";
import type { ResourceDef } from "../../resource.ts";
import { accessModesString, AGE_COLUMN, column, field, storageClassOf, wide } from "./columns.ts";
import { validateAccessModes } from "./persistentvolume.ts";
import { canonicalizeResourceList, toQuantity } from "./quantity.ts";
import { validateResourceList } from "./quota.ts";
import {
  checkEnum,
  child,
  forbiddenField,
  invalidField,
  obj,
  required,
  setDefault,
  str,
} from "./util.ts";

function prepare(o: KubeObject): void {
  const spec = child(o, "spec");
  setDefault(spec, "volumeMode", "Filesystem");
  const res = obj(spec.resources);
  canonicalizeResourceList(res?.requests);
  canonicalizeResourceList(res?.limits);
}

function validate(o: KubeObject): FieldError[] {
  const spec = field(o, "spec");
  const errs = validateAccessModes(spec.accessModes, "spec.accessModes");
  const requests = obj(obj(spec.resources)?.requests) ?? {};
  errs.push(...validateResourceList(requests, "spec.resources.requests"));
  if (!("storage" in requests)) errs.push(required("spec.resources[storage]"));
  else {
    const q = toQuantity(requests.storage);
    if (q && q.sign() <= 0) {
      errs.push(invalidField("spec.resources[storage]", q.toString(), "must be greater than zero"));
    }
  }
  errs.push(...checkEnum(spec.volumeMode, ["Block", "Filesystem"], "spec.volumeMode", false));
  return errs;
}

function validateUpdate(o: KubeObject, old: KubeObject): FieldError[] {
  const spec = field(o, "spec");
  const oldSpec = field(old, "spec");
  const errs: FieldError[] = [];
  const comparable = deepClone(spec);
  const oldReq = obj(obj(oldSpec.resources)?.requests) ?? {};
  const newReq = obj(obj(spec.resources)?.requests) ?? {};
  child(comparable, "resources").requests = oldReq;
  if (!str(oldSpec.volumeName)) comparable.volumeName = oldSpec.volumeName;
  if ("volumeAttributesClassName" in spec || "volumeAttributesClassName" in oldSpec) {
    comparable.volumeAttributesClassName = oldSpec.volumeAttributesClassName;
  }
  if (!deepEqual(comparable, oldSpec)) {
    errs.push(
      forbiddenField(
        "spec",
        "spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims",
      ),
    );
  }
  const before = toQuantity(oldReq.storage);
  const after = toQuantity(newReq.storage);
  if (before && after && after.cmp(before) < 0) {
    errs.push(
      forbiddenField(
        "spec.resources.requests.storage",
        "field can not be less than previous value",
      ),
    );
  }
  return errs;
}

export function persistentVolumeClaimResource(): ResourceDef {
  return {
    group: "",
    versions: ["v1"],
    kind: "PersistentVolumeClaim",
    plural: "persistentvolumeclaims",
    singular: "persistentvolumeclaim",
    namespaced: true,
    shortNames: ["pvc"],
    status: true,
    strategy: {
      prepareForCreate(o) {
        o.status = { phase: "Pending" };
        prepare(o);
      },
      prepareForUpdate: prepare,
      validate,
      validateUpdate,
    },
    columns: [
      column(
        "Status",
        (o) => (o.metadata.deletionTimestamp ? "Terminating" : str(field(o, "status").phase)),
        {
          description: "Phase represents the current phase of PersistentVolumeClaim.",
        },
      ),
      column("Volume", (o) => str(field(o, "spec").volumeName), {
        description:
          "VolumeName is the binding reference to the PersistentVolume backing this claim.",
      }),
      column(
        "Capacity",
        (
          o,
        ) => (str(field(o, "spec").volumeName)
          ? str(field(field(o, "status"), "capacity").storage)
          : ""),
        {
          description: "Capacity represents the actual resources of the underlying volume.",
        },
      ),
      column(
        "Access Modes",
        (
          o,
        ) => (str(field(o, "spec").volumeName)
          ? accessModesString(field(o, "status").accessModes)
          : ""),
        {
          description: "AccessModes contains the desired access modes the volume should have.",
        },
      ),
      column("StorageClass", storageClassOf, {
        description: "StorageClassName is the name of the StorageClass required by the claim.",
      }),
      column(
        "VolumeAttributesClass",
        (o) => str(field(o, "spec").volumeAttributesClassName) || "<unset>",
        {
          description:
            "VolumeAttributesClassName may be used to set the VolumeAttributesClass used by this claim.",
        },
      ),
      AGE_COLUMN,
      wide(
        "VolumeMode",
        (o) => str(field(o, "spec").volumeMode) || "<unset>",
        "volumeMode defines what type of volume is required by the claim.",
      ),
    ],
  };
}

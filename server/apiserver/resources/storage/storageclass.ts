/**
 * `storage.k8s.io/v1` StorageClasses: how volumes of a class are provisioned. Upstream's defaults
 * (reclaim policy Delete, binding mode Immediate), validation, and the fields no update may change
 * (provisioner, parameters, reclaim policy, binding mode). The default class shows as
 * `name (default)` in `kubectl get`.
 *
 * @module
 */
import type { FieldError } from "../../../../kube/errors.ts";
import { isQualifiedName, validateLabelKey } from "../../../../kube/labels.ts";
import { deepEqual, type KubeObject } from "../../../../kube/meta.ts";
import type { Column, ResourceDef } from "../../resource.ts";
import { AGE_COLUMN, immutable } from "../apps/workload.ts";
import {
  checkEnum,
  forbiddenField,
  invalidField,
  notSupported,
  obj,
  objs,
  required,
  str,
} from "../core/util.ts";

/** The annotation that makes a class the default for claims that name none. */
export const DEFAULT_CLASS_ANNOTATION = "storageclass.kubernetes.io/is-default-class";
const BETA_DEFAULT_CLASS_ANNOTATION = "storageclass.beta.kubernetes.io/is-default-class";

const RECLAIM_POLICIES = ["Delete", "Retain"];
const BINDING_MODES = ["Immediate", "WaitForFirstConsumer"];
const MAX_PARAMETERS = 512;
const MAX_PARAMETERS_SIZE = 256 * 1024;

/** Whether a class is annotated as the default one (upstream's `IsDefaultAnnotation`). */
export function isDefaultClass(o: KubeObject): boolean {
  const a = o.metadata.annotations ?? {};
  return a[DEFAULT_CLASS_ANNOTATION] === "true" || a[BETA_DEFAULT_CLASS_ANNOTATION] === "true";
}

/** Upstream's `SetDefaults_StorageClass`. */
export function defaultStorageClass(o: KubeObject): void {
  if (o.reclaimPolicy === undefined || o.reclaimPolicy === null) o.reclaimPolicy = "Delete";
  if (o.volumeBindingMode === undefined || o.volumeBindingMode === null) {
    o.volumeBindingMode = "Immediate";
  }
}

/** A provisioner or CSI driver name: required, a qualified name once lower-cased. */
export function validateProvisioner(value: unknown, field: string): FieldError[] {
  if (typeof value !== "string" || value === "") return [required(field)];
  return isQualifiedName(value.toLowerCase()).map((m) => invalidField(field, value, m));
}

function validateParameters(params: unknown): FieldError[] {
  const map = obj(params);
  if (!map) return [];
  const errs: FieldError[] = [];
  const keys = Object.keys(map);
  if (keys.length > MAX_PARAMETERS) {
    errs.push({
      type: "FieldValueTooLong",
      field: "parameters",
      detail:
        `Provisioner Parameters exceeded max allowed: must have at most ${MAX_PARAMETERS} bytes`,
    });
  }
  let size = 0;
  for (const key of keys) {
    size += key.length + str(map[key]).length;
    if (key === "") errs.push(invalidField("parameters", key, "field can not be empty."));
  }
  if (size > MAX_PARAMETERS_SIZE) {
    errs.push({
      type: "FieldValueTooLong",
      field: "parameters",
      detail: `must have at most ${MAX_PARAMETERS_SIZE} bytes`,
    });
  }
  return errs;
}

function validateAllowedTopologies(value: unknown): FieldError[] {
  const errs: FieldError[] = [];
  objs(value).forEach((term, i) => {
    const path = `allowedTopologies[${i}]`;
    const exprs = objs(term.matchLabelExpressions);
    if (exprs.length === 0) {
      errs.push(
        required(`${path}.matchLabelExpressions`, "must have at least one label expression"),
      );
    }
    const seen = new Set<string>();
    exprs.forEach((e, j) => {
      const p = `${path}.matchLabelExpressions[${j}]`;
      const key = str(e.key);
      errs.push(...validateLabelKey(key, `${p}.key`));
      if (seen.has(key)) errs.push({ type: "FieldValueDuplicate", field: `${p}.key`, value: key });
      seen.add(key);
      if (!Array.isArray(e.values) || e.values.length === 0) {
        errs.push(required(`${p}.values`, "must specify as least one value"));
      }
    });
  });
  return errs;
}

/** Errors for a storage class (upstream's `ValidateStorageClass`). */
export function validateStorageClass(o: KubeObject): FieldError[] {
  const errs = [
    ...validateProvisioner(o.provisioner, "provisioner"),
    ...validateParameters(o.parameters),
  ];
  if (typeof o.reclaimPolicy === "string" && o.reclaimPolicy !== "") {
    if (!RECLAIM_POLICIES.includes(o.reclaimPolicy)) {
      errs.push(notSupported("reclaimPolicy", o.reclaimPolicy, RECLAIM_POLICIES));
    }
  }
  errs.push(...checkEnum(o.volumeBindingMode, BINDING_MODES, "volumeBindingMode"));
  errs.push(...validateAllowedTopologies(o.allowedTopologies));
  return errs;
}

/** Errors for an update: what the provisioner was set up with cannot change. */
export function validateStorageClassUpdate(o: KubeObject, old: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  if (!deepEqual(o.parameters ?? {}, old.parameters ?? {})) {
    errs.push(forbiddenField("parameters", "updates to parameters are forbidden."));
  }
  if (o.provisioner !== old.provisioner) {
    errs.push(forbiddenField("provisioner", "updates to provisioner are forbidden."));
  }
  if (o.reclaimPolicy !== old.reclaimPolicy) {
    errs.push(forbiddenField("reclaimPolicy", "updates to reclaimPolicy are forbidden."));
  }
  errs.push(...immutable("volumeBindingMode", o.volumeBindingMode, old.volumeBindingMode));
  return errs;
}

const columns: Column[] = [
  {
    name: "Name",
    type: "string",
    format: "name",
    description:
      "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names",
    cell: (o) => `${o.metadata.name ?? ""}${isDefaultClass(o) ? " (default)" : ""}`,
  },
  {
    name: "Provisioner",
    type: "string",
    description: "provisioner indicates the type of the provisioner.",
    cell: (o) => str(o.provisioner),
  },
  {
    name: "ReclaimPolicy",
    type: "string",
    description:
      "reclaimPolicy controls the reclaimPolicy for dynamically provisioned PersistentVolumes of this storage class. Defaults to Delete.",
    cell: (o) => str(o.reclaimPolicy) || "Delete",
  },
  {
    name: "VolumeBindingMode",
    type: "string",
    description:
      "volumeBindingMode indicates how PersistentVolumeClaims should be provisioned and bound.  When unset, VolumeBindingImmediate is used. This field is only honored by servers that enable the VolumeScheduling feature.",
    cell: (o) => str(o.volumeBindingMode) || "Immediate",
  },
  {
    name: "AllowVolumeExpansion",
    type: "string",
    description: "allowVolumeExpansion shows whether the storage class allow volume expand.",
    cell: (o) => o.allowVolumeExpansion === true,
  },
  AGE_COLUMN,
];

export const storageClasses: ResourceDef = {
  group: "storage.k8s.io",
  versions: ["v1"],
  kind: "StorageClass",
  plural: "storageclasses",
  singular: "storageclass",
  namespaced: false,
  shortNames: ["sc"],
  strategy: {
    prepareForCreate: defaultStorageClass,
    prepareForUpdate: defaultStorageClass,
    validate: validateStorageClass,
    validateUpdate: validateStorageClassUpdate,
  },
  columns,
};

/**
 * Validation of `metadata` that every resource shares: names, labels, annotations, finalizers,
 * owner references, and what an update may not change.
 *
 * @module
 */
import type { FieldError } from "../../kube/errors.ts";
import {
  isQualifiedName,
  validateAnnotations,
  validateDNS1123Label,
  validateDNS1123Subdomain,
  validateLabels,
} from "../../kube/labels_validation.ts";
import type { ObjectMeta } from "../../kube/meta.ts";
import type { ResourceDef } from "./resource.ts";

/** Field errors of the metadata of a new object. */
export function validateObjectMeta(
  meta: ObjectMeta,
  def: ResourceDef,
  generated: boolean,
): FieldError[] {
  const errs: FieldError[] = [];
  if (!meta.name) {
    errs.push({
      type: "FieldValueRequired",
      field: "metadata.name",
      detail: "name or generateName is required",
    });
  } else if (!generated || meta.name) {
    errs.push(...validateName(meta.name, def));
  }
  if (def.namespaced && !meta.namespace) {
    errs.push({ type: "FieldValueRequired", field: "metadata.namespace" });
  } else if (def.namespaced && meta.namespace) {
    errs.push(...validateDNS1123Label(meta.namespace, "metadata.namespace"));
  }
  errs.push(...validateCommon(meta));
  return errs;
}

/** Names of most objects are DNS-1123 subdomains; some kinds want labels. */
export function validateName(name: string, def: ResourceDef): FieldError[] {
  if (def.nameIsLabel) return validateDNS1123Label(name, "metadata.name");
  if (name === "." || name === ".." || name.includes("/") || name.includes("%")) {
    return [{
      type: "FieldValueInvalid",
      field: "metadata.name",
      value: name,
      detail: "may not contain '/' or '%' and may not be '.' or '..'",
    }];
  }
  if (def.pathSegmentName) return [];
  return validateDNS1123Subdomain(name, "metadata.name");
}

function validateCommon(meta: ObjectMeta): FieldError[] {
  const errs: FieldError[] = [];
  if (meta.labels !== undefined && !isStringMap(meta.labels)) {
    errs.push({
      type: "FieldValueTypeInvalid",
      field: "metadata.labels",
      detail: "must be a map of strings",
    });
  } else errs.push(...validateLabels(meta.labels, "metadata.labels"));
  if (meta.annotations !== undefined && !isStringMap(meta.annotations)) {
    errs.push({
      type: "FieldValueTypeInvalid",
      field: "metadata.annotations",
      detail: "must be a map of strings",
    });
  } else errs.push(...validateAnnotations(meta.annotations, "metadata.annotations"));
  (meta.finalizers ?? []).forEach((f, i) => {
    const field = `metadata.finalizers[${i}]`;
    if (typeof f !== "string") {
      errs.push({ type: "FieldValueTypeInvalid", field, detail: "must be a string" });
      return;
    }
    for (const msg of isQualifiedName(f)) {
      errs.push({ type: "FieldValueInvalid", field, value: f, detail: msg });
    }
  });
  (meta.ownerReferences ?? []).forEach((ref, i) => {
    const field = `metadata.ownerReferences[${i}]`;
    for (const k of ["apiVersion", "kind", "name", "uid"] as const) {
      if (!ref?.[k]) errs.push({ type: "FieldValueRequired", field: `${field}.${k}` });
    }
  });
  const controllers = (meta.ownerReferences ?? []).filter((r) => r?.controller === true);
  if (controllers.length > 1) {
    errs.push({
      type: "FieldValueInvalid",
      field: "metadata.ownerReferences",
      value: meta.ownerReferences,
      detail: "Only one reference can have Controller set to true",
    });
  }
  return errs;
}

function isStringMap(v: unknown): boolean {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return false;
  return Object.values(v).every((x) => typeof x === "string");
}

/** Field errors of an update's metadata against the stored object's. */
export function validateObjectMetaUpdate(
  meta: ObjectMeta,
  old: ObjectMeta,
  _def: ResourceDef,
): FieldError[] {
  const errs: FieldError[] = [];
  for (const k of ["name", "namespace", "uid", "creationTimestamp"] as const) {
    if ((meta[k] ?? "") !== (old[k] ?? "")) {
      errs.push({
        type: "FieldValueInvalid",
        field: `metadata.${k}`,
        value: meta[k],
        detail: "field is immutable",
      });
    }
  }
  errs.push(...validateCommon(meta));
  return errs;
}

/**
 * Validation of `apiextensions.k8s.io/v1` CustomResourceDefinitions as upstream does it: the name
 * is `<plural>.<group>`, the group a domain with a dot, names DNS-1035 labels, exactly one storage
 * version, a structural schema for every version, valid subresources and printer columns, and
 * what may not change once the CRD is established.
 *
 * @module
 */
import type { FieldError } from "../../../../kube/errors.ts";
import { isDNS1123Subdomain, maxLenError, regexError } from "../../../../kube/labels_validation.ts";
import type { KubeObject } from "../../../../kube/meta.ts";
import { forbidden, invalid, notSupported, required } from "../../crd/errors.ts";
import { parseJsonPath } from "../../crd/jsonpath.ts";
import { type CrdNames, crdSpec } from "../../crd/resource_def.ts";
import { isObj, type JSONSchemaProps } from "../../crd/schema.ts";
import { validateVersionSchema } from "../../crd/structural.ts";

const DNS1035 = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const DNS1035_FMT = "[a-z]([-a-z0-9]*[a-z0-9])?";
const PRINTER_TYPES = ["boolean", "date", "integer", "number", "string"];
const PRINTER_FORMATS = [
  "byte",
  "date",
  "date-time",
  "double",
  "float",
  "int32",
  "int64",
  "password",
];
const APPROVAL = "api-approved.kubernetes.io";

/** Upstream's `IsDNS1035Label` messages. */
export function isDNS1035Label(value: string): string[] {
  const errs: string[] = [];
  if (value.length > 63) errs.push(maxLenError(63));
  if (!DNS1035.test(value)) {
    errs.push(regexError(
      "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character",
      DNS1035_FMT,
      "my-name",
      "abc-123",
    ));
  }
  return errs;
}

function str(v: unknown): string {
  return typeof v === "string" ? v : "";
}

/** Errors of a set of names (spec.names or status.acceptedNames). */
export function validateNames(names: Partial<CrdNames>, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const label = (v: unknown, field: string, mixedCase = false) => {
    const s = str(v);
    if (!s) return;
    const msgs = isDNS1035Label(mixedCase ? s.toLowerCase() : s);
    if (msgs.length) {
      const detail = msgs.join(",");
      errs.push(
        invalid(
          field,
          s,
          mixedCase ? `may have mixed case, but should otherwise match: ${detail}` : detail,
        ),
      );
    }
  };
  label(names.plural, `${path}.plural`);
  label(names.singular, `${path}.singular`);
  label(names.kind, `${path}.kind`, true);
  label(names.listKind, `${path}.listKind`, true);
  (Array.isArray(names.shortNames) ? names.shortNames : []).forEach((s, i) =>
    label(s || " ", `${path}.shortNames[${i}]`)
  );
  if (names.kind && names.kind === names.listKind) {
    errs.push(invalid(`${path}.listKind`, names.listKind, "kind and listKind may not be the same"));
  }
  (Array.isArray(names.categories) ? names.categories : []).forEach((c, i) =>
    label(c || " ", `${path}.categories[${i}]`)
  );
  return errs;
}

function simpleJsonPath(s: string, field: string): FieldError[] {
  if (s.length === 0) return [invalid(field, s, "must not be empty")];
  if (s[0] !== ".") return [invalid(field, s, "must be a simple json path starting with .")];
  return [];
}

function validateScale(scale: unknown, path: string): FieldError[] {
  if (!isObj(scale)) return [];
  const errs: FieldError[] = [];
  const specPath = str(scale.specReplicasPath), statusPath = str(scale.statusReplicasPath);
  if (!specPath) errs.push(required(`${path}.scale.specReplicasPath`));
  else {
    const e = simpleJsonPath(specPath, `${path}.scale.specReplicasPath`);
    if (e.length) errs.push(...e);
    else if (!specPath.startsWith(".spec.")) {
      errs.push(
        invalid(`${path}.scale.specReplicasPath`, specPath, "should be a json path under .spec"),
      );
    }
  }
  if (!statusPath) errs.push(required(`${path}.scale.statusReplicasPath`));
  else {
    const e = simpleJsonPath(statusPath, `${path}.scale.statusReplicasPath`);
    if (e.length) errs.push(...e);
    else if (!statusPath.startsWith(".status.")) {
      errs.push(
        invalid(
          `${path}.scale.statusReplicasPath`,
          statusPath,
          "should be a json path under .status",
        ),
      );
    }
  }
  const selector = str(scale.labelSelectorPath);
  if (selector) {
    const e = simpleJsonPath(selector, `${path}.scale.labelSelectorPath`);
    if (e.length) errs.push(...e);
    else if (!selector.startsWith(".spec.") && !selector.startsWith(".status.")) {
      errs.push(
        invalid(
          `${path}.scale.labelSelectorPath`,
          selector,
          "should be a json path under either .spec or .status",
        ),
      );
    }
  }
  return errs;
}

function validateColumn(col: Record<string, unknown>, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!str(col.name)) errs.push(required(`${path}.name`));
  const type = str(col.type);
  if (!type) errs.push(required(`${path}.type`, `must be one of ${PRINTER_TYPES.join(",")}`));
  else if (!PRINTER_TYPES.includes(type)) {
    errs.push(invalid(`${path}.type`, type, `must be one of ${PRINTER_TYPES.join(",")}`));
  }
  const format = str(col.format);
  if (format && !PRINTER_FORMATS.includes(format)) {
    errs.push(invalid(`${path}.format`, format, `must be one of ${PRINTER_FORMATS.join(",")}`));
  }
  const jsonPath = str(col.jsonPath);
  if (!jsonPath) errs.push(required(`${path}.JSONPath`));
  else {
    const e = simpleJsonPath(jsonPath, `${path}.JSONPath`);
    if (e.length) errs.push(...e);
    else {
      try {
        parseJsonPath(jsonPath);
      } catch (err) {
        errs.push(
          invalid(
            `${path}.JSONPath`,
            jsonPath,
            `must be a valid JSON path: ${(err as Error).message}`,
          ),
        );
      }
    }
  }
  return errs;
}

function isProtectedGroup(group: string): boolean {
  return group === "k8s.io" || group.endsWith(".k8s.io") || group === "kubernetes.io" ||
    group.endsWith(".kubernetes.io");
}

/** Field errors of a CRD (create, and the part of an update that does not compare). */
export function validateCrd(crd: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  const spec = crdSpec(crd);
  const names = spec.names;
  const name = crd.metadata.name ?? "";
  if (name && name !== `${names.plural}.${spec.group}`) {
    errs.push(invalid("metadata.name", name, `must be spec.names.plural+"."+spec.group`));
  }
  const group = str(spec.group);
  if (!group) errs.push(required("spec.group"));
  else {
    const msgs = isDNS1123Subdomain(group);
    if (msgs.length) errs.push(invalid("spec.group", group, msgs.join(",")));
    else if (group.split(".").length < 2) {
      errs.push(invalid("spec.group", group, "should be a domain with at least one dot"));
    }
  }
  const scope = str(spec.scope);
  if (!scope) errs.push(required("spec.scope"));
  else if (scope !== "Cluster" && scope !== "Namespaced") {
    errs.push(notSupported("spec.scope", scope, ["Cluster", "Namespaced"]));
  }
  let storage = 0;
  const seen = new Set<string>();
  let unique = true;
  spec.versions.forEach((v, i) => {
    const path = `spec.versions[${i}]`;
    if (v.storage === true) storage++;
    const vname = str(v.name);
    if (seen.has(vname)) unique = false;
    seen.add(vname);
    const msgs = isDNS1035Label(vname);
    if (msgs.length) errs.push(invalid(`${path}.name`, vname, msgs.join(",")));
    if (v.deprecationWarning !== undefined && !v.deprecated) {
      errs.push(
        invalid(
          `${path}.deprecationWarning`,
          v.deprecationWarning,
          "can only be set for deprecated versions",
        ),
      );
    }
    const schema = v.schema?.openAPIV3Schema;
    const statusEnabled = isObj(v.subresources?.status);
    if (!isObj(schema)) {
      if (!spec.preserveUnknownFields) {
        errs.push(required(`${path}.schema.openAPIV3Schema`, "schemas are required"));
      }
    } else {errs.push(
        ...validateVersionSchema(schema as JSONSchemaProps, `${path}.schema`, statusEnabled),
      );}
    errs.push(...validateScale(v.subresources?.scale, `${path}.subresources`));
    const columns = Array.isArray(v.additionalPrinterColumns) ? v.additionalPrinterColumns : [];
    columns.forEach((c, j) => {
      errs.push(...validateColumn(isObj(c) ? c : {}, `${path}.additionalPrinterColumns[${j}]`));
    });
  });
  if (!unique) {
    errs.push(invalid("spec.versions", spec.versions, "must contain unique version names"));
  }
  if (storage !== 1) {
    errs.push(
      invalid(
        "spec.versions",
        spec.versions,
        "must have exactly one version marked as storage version",
      ),
    );
  }
  for (const field of ["plural", "singular", "kind", "listKind"] as const) {
    if (!str(names[field])) errs.push(required(`spec.names.${field}`));
  }
  errs.push(...validateNames(names, "spec.names"));
  const conversion = isObj(spec.conversion)
    ? spec.conversion as Record<string, unknown>
    : undefined;
  if (conversion) {
    const strategy = str(conversion.strategy);
    if (!strategy) errs.push(required("spec.conversion.strategy"));
    else if (strategy !== "None" && strategy !== "Webhook") {
      errs.push(notSupported("spec.conversion.strategy", strategy, ["None", "Webhook"]));
    } else if (strategy === "Webhook" && !isObj(conversion.webhook)) {
      errs.push(required("spec.conversion.webhook", "required when strategy is set to Webhook"));
    } else if (strategy === "None" && conversion.webhook !== undefined) {
      errs.push(
        forbidden(
          "spec.conversion.webhook",
          "should not be set when strategy is not set to Webhook",
        ),
      );
    }
  }
  if (spec.preserveUnknownFields === true) {
    errs.push(
      invalid(
        "spec.preserveUnknownFields",
        true,
        "cannot set to true, set x-kubernetes-preserve-unknown-fields to true in spec.versions[*].schema instead",
      ),
    );
  }
  const status = isObj(crd.status) ? crd.status : {};
  if (isObj(status.acceptedNames)) {
    errs.push(...validateNames(status.acceptedNames as Partial<CrdNames>, "status.acceptedNames"));
  }
  if (isProtectedGroup(group) && !crd.metadata.annotations?.[APPROVAL]) {
    errs.push(required(
      `metadata.annotations[${APPROVAL}]`,
      `protected groups must have approval annotation "${APPROVAL}", see https://github.com/kubernetes/enhancements/pull/1111`,
    ));
  }
  return errs;
}

function isEstablished(crd: KubeObject): boolean {
  const status = isObj(crd.status) ? crd.status : {};
  const conditions = Array.isArray(status.conditions) ? status.conditions : [];
  return conditions.some((c) => isObj(c) && c.type === "Established" && c.status === "True");
}

function immutable(field: string, now: unknown, before: unknown): FieldError[] {
  return now === before ? [] : [invalid(field, now, "field is immutable")];
}

/** What an update may not change: group and plural always, scope and kind once established. */
export function validateCrdUpdate(crd: KubeObject, old: KubeObject): FieldError[] {
  const spec = crdSpec(crd), before = crdSpec(old);
  const errs: FieldError[] = [];
  if (isEstablished(old)) {
    errs.push(...immutable("spec.scope", spec.scope, before.scope));
    errs.push(...immutable("spec.names.kind", spec.names.kind, before.names.kind));
  }
  errs.push(...immutable("spec.group", spec.group, before.group));
  errs.push(...immutable("spec.names.plural", spec.names.plural, before.names.plural));
  errs.push(...validateStoredVersions(crd));
  return errs;
}

/** Every stored version must stay in spec.versions, and the storage version must be stored. */
export function validateStoredVersions(crd: KubeObject): FieldError[] {
  const spec = crdSpec(crd);
  const status = isObj(crd.status) ? crd.status : {};
  const stored = Array.isArray(status.storedVersions) ? status.storedVersions as string[] : [];
  if (stored.length === 0) {
    return [invalid("status.storedVersions", stored, "must have at least one stored version")];
  }
  const errs: FieldError[] = [];
  const names = spec.versions.map((v) => v.name);
  for (const v of spec.versions) {
    if (v.storage && !stored.includes(v.name)) {
      errs.push(
        invalid("status.storedVersions", stored, `must have the storage version ${v.name}`),
      );
    }
  }
  stored.forEach((v, i) => {
    if (!names.includes(v)) {
      errs.push(invalid(
        `status.storedVersions[${i}]`,
        v,
        `missing from spec.versions; ${v} was previously a storage version, and must remain in spec.versions until a storage migration ensures no data remains persisted in ${v} and removes ${v} from status.storedVersions`,
      ));
    }
  });
  return errs;
}

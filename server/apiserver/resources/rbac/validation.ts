/**
 * Validation and defaults of RBAC objects, as upstream: rules need verbs; resource rules need
 * API groups and resources; non-resource URLs only in cluster roles and never mixed with
 * resources; role references and subjects of known kinds with their API groups and namespaces.
 * Names are path segments. Field types are checked too, since objects arrive as loose JSON.
 *
 * @module
 */
import type { FieldError } from "../../../../kube/errors.ts";
import { isDNS1123Subdomain, validateLabelSelector } from "../../../../kube/labels.ts";
import { isJsonObject, type KubeObject } from "../../../../kube/meta.ts";
import { RBAC_GROUP } from "../../authz/rbac_rules.ts";

type Obj = Record<string, unknown>;

const RULE_LISTS = ["verbs", "apiGroups", "resources", "resourceNames", "nonResourceURLs"];
const SUBJECT_KINDS = ["ServiceAccount", "User", "Group"];

function list(v: unknown): string[] {
  return Array.isArray(v) ? v as string[] : [];
}

function typeErrors(o: Obj, fields: string[], path: string, kind: "list" | "string"): FieldError[] {
  const errs: FieldError[] = [];
  for (const f of fields) {
    const v = o[f];
    if (v === undefined || v === null) continue;
    const ok = kind === "string"
      ? typeof v === "string"
      : Array.isArray(v) && v.every((x) => typeof x === "string");
    if (!ok) {
      errs.push({
        type: "FieldValueTypeInvalid",
        field: `${path}.${f}`,
        value: v,
        detail: kind === "string" ? "must be a string" : "must be a list of strings",
      });
    }
  }
  return errs;
}

/** Upstream's `IsValidPathSegmentName` messages. */
export function pathSegmentErrors(name: string): string[] {
  const errs: string[] = [];
  if (name === "." || name === "..") errs.push(`may not be '${name}'`);
  if (name.includes("/")) errs.push("may not contain '/'");
  if (name.includes("%")) errs.push("may not contain '%'");
  return errs;
}

/** Field errors of `rules` of a role (`namespaced`) or cluster role. */
export function validateRules(rules: unknown, namespaced: boolean): FieldError[] {
  if (rules === undefined || rules === null) return [];
  if (!Array.isArray(rules)) {
    return [{
      type: "FieldValueTypeInvalid",
      field: "rules",
      value: rules,
      detail: "must be a list",
    }];
  }
  const errs: FieldError[] = [];
  rules.forEach((raw, i) => {
    const path = `rules[${i}]`;
    if (!isJsonObject(raw)) {
      errs.push({ type: "FieldValueTypeInvalid", field: path, detail: "must be an object" });
      return;
    }
    const typeErrs = typeErrors(raw, RULE_LISTS, path, "list");
    if (typeErrs.length) {
      errs.push(...typeErrs);
      return;
    }
    const verbs = list(raw.verbs);
    const urls = list(raw.nonResourceURLs);
    const groups = list(raw.apiGroups);
    const resources = list(raw.resources);
    const names = list(raw.resourceNames);
    if (verbs.length === 0) {
      errs.push({
        type: "FieldValueRequired",
        field: `${path}.verbs`,
        detail: "verbs must contain at least one value",
      });
    }
    if (urls.length > 0) {
      if (namespaced) {
        errs.push({
          type: "FieldValueInvalid",
          field: `${path}.nonResourceURLs`,
          value: urls,
          detail: "namespaced rules cannot apply to non-resource URLs",
        });
      }
      if (groups.length || resources.length || names.length) {
        errs.push({
          type: "FieldValueInvalid",
          field: `${path}.nonResourceURLs`,
          value: urls,
          detail: "rules cannot apply to both regular resources and non-resource URLs",
        });
      }
      return;
    }
    if (groups.length === 0) {
      errs.push({
        type: "FieldValueRequired",
        field: `${path}.apiGroups`,
        detail: "resource rules must supply at least one api group",
      });
    }
    if (resources.length === 0) {
      errs.push({
        type: "FieldValueRequired",
        field: `${path}.resources`,
        detail: "resource rules must supply at least one resource",
      });
    }
  });
  return errs;
}

/** Field errors of a cluster role's `aggregationRule`. */
export function validateAggregationRule(rule: unknown): FieldError[] {
  if (rule === undefined || rule === null) return [];
  const field = "aggregationRule.clusterRoleSelectors";
  const selectors = isJsonObject(rule) ? rule.clusterRoleSelectors : undefined;
  if (!Array.isArray(selectors) || selectors.length === 0) {
    return [{
      type: "FieldValueRequired",
      field,
      detail: "at least one clusterRoleSelector required if aggregationRule is non-nil",
    }];
  }
  const errs: FieldError[] = [];
  selectors.forEach((s, i) => {
    if (!isJsonObject(s)) {
      errs.push({
        type: "FieldValueTypeInvalid",
        field: `${field}[${i}]`,
        detail: "must be an object",
      });
    } else errs.push(...validateLabelSelector(s, `${field}[${i}]`));
  });
  return errs;
}

/** Field errors of a binding's roleRef; `kinds` are the role kinds it may name. */
export function validateRoleRef(ref: unknown, kinds: string[]): FieldError[] {
  if (!isJsonObject(ref)) return [{ type: "FieldValueRequired", field: "roleRef" }];
  const typeErrs = typeErrors(ref, ["apiGroup", "kind", "name"], "roleRef", "string");
  if (typeErrs.length) return typeErrs;
  const errs: FieldError[] = [];
  if (ref.apiGroup !== RBAC_GROUP) {
    errs.push({
      type: "FieldValueNotSupported",
      field: "roleRef.apiGroup",
      value: ref.apiGroup ?? "",
      detail: `supported values: "${RBAC_GROUP}"`,
    });
  }
  if (!kinds.includes(ref.kind as string)) {
    errs.push({
      type: "FieldValueNotSupported",
      field: "roleRef.kind",
      value: ref.kind ?? "",
      detail: `supported values: ${kinds.map((k) => `"${k}"`).join(", ")}`,
    });
  }
  const name = (ref.name as string | undefined) ?? "";
  if (!name) errs.push({ type: "FieldValueRequired", field: "roleRef.name" });
  for (const msg of pathSegmentErrors(name)) {
    errs.push({ type: "FieldValueInvalid", field: "roleRef.name", value: name, detail: msg });
  }
  return errs;
}

/** Field errors of a binding's subjects; cluster bindings need service account namespaces. */
export function validateSubjects(subjects: unknown, namespaced: boolean): FieldError[] {
  if (subjects === undefined || subjects === null) return [];
  if (!Array.isArray(subjects)) {
    return [{
      type: "FieldValueTypeInvalid",
      field: "subjects",
      value: subjects,
      detail: "must be a list",
    }];
  }
  const errs: FieldError[] = [];
  subjects.forEach((s, i) => {
    const path = `subjects[${i}]`;
    if (!isJsonObject(s)) {
      errs.push({ type: "FieldValueTypeInvalid", field: path, detail: "must be an object" });
      return;
    }
    const typeErrs = typeErrors(s, ["kind", "apiGroup", "name", "namespace"], path, "string");
    if (typeErrs.length) {
      errs.push(...typeErrs);
      return;
    }
    const name = (s.name as string | undefined) ?? "";
    const apiGroup = (s.apiGroup as string | undefined) ?? "";
    if (!name) errs.push({ type: "FieldValueRequired", field: `${path}.name` });
    switch (s.kind) {
      case "ServiceAccount":
        if (name) {
          for (const msg of isDNS1123Subdomain(name)) {
            errs.push({
              type: "FieldValueInvalid",
              field: `${path}.name`,
              value: name,
              detail: msg,
            });
          }
        }
        if (apiGroup) {
          errs.push({
            type: "FieldValueNotSupported",
            field: `${path}.apiGroup`,
            value: apiGroup,
            detail: `supported values: ""`,
          });
        }
        if (!namespaced && !s.namespace) {
          errs.push({ type: "FieldValueRequired", field: `${path}.namespace` });
        }
        break;
      case "User":
      case "Group":
        if (!name) {
          errs.push({
            type: "FieldValueInvalid",
            field: `${path}.name`,
            value: name,
            detail: `${s.kind === "User" ? "user" : "group"} name cannot be empty`,
          });
        }
        if (apiGroup !== RBAC_GROUP) {
          errs.push({
            type: "FieldValueNotSupported",
            field: `${path}.apiGroup`,
            value: apiGroup,
            detail: `supported values: "${RBAC_GROUP}"`,
          });
        }
        break;
      default:
        errs.push({
          type: "FieldValueNotSupported",
          field: `${path}.kind`,
          value: s.kind ?? "",
          detail: `supported values: ${SUBJECT_KINDS.map((k) => `"${k}"`).join(", ")}`,
        });
    }
  });
  return errs;
}

/** The v1 defaults of a binding: roleRef.apiGroup, and User/Group subjects' apiGroup. */
export function defaultBinding(o: KubeObject): void {
  if (isJsonObject(o.roleRef) && !o.roleRef.apiGroup) o.roleRef.apiGroup = RBAC_GROUP;
  if (!Array.isArray(o.subjects)) return;
  for (const s of o.subjects) {
    if (!isJsonObject(s) || s.apiGroup) continue;
    if (s.kind === "User" || s.kind === "Group") s.apiGroup = RBAC_GROUP;
  }
}

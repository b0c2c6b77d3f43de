/**
 * `admissionregistration.k8s.io/v1` ValidatingAdmissionPolicies and their bindings: CEL rules
 * admission evaluates in-process, and where they apply. Upstream's defaults (failure policy Fail,
 * match policy Equivalent, empty selectors, rule scope `*`) and structural validation; the CEL
 * expressions themselves are not compiled here.
 *
 * @module
 */
import type { FieldError } from "../../../../kube/errors.ts";
import { formatLabelSelector, type LabelSelector } from "../../../../kube/labels.ts";
import type { KubeObject } from "../../../../kube/meta.ts";
import type { ResourceDef } from "../../resource.ts";
import { AGE_COLUMN, specOf, specView } from "../apps/workload.ts";
import {
  arr,
  checkEnum,
  forbiddenField,
  invalidField,
  notSupported,
  type Obj,
  obj,
  objs,
  required,
  str,
} from "../core/util.ts";
import {
  defaultField,
  defaultRules,
  FAILURE_POLICIES,
  MATCH_POLICIES,
  validateMatchConditions,
  validateRuleWithOperations,
  validateSelector,
} from "./rules.ts";

const REASONS = ["Forbidden", "Invalid", "RequestEntityTooLarge", "Unauthorized"];
const VALIDATION_ACTIONS = ["Audit", "Deny", "Warn"];
const NOT_FOUND_ACTIONS = ["Allow", "Deny"];

/** Defaults of a `matchResources`/`matchConstraints` block. */
function defaultMatchResources(m: Obj | undefined): void {
  if (!m) return;
  defaultField(m, "matchPolicy", "Equivalent");
  defaultField(m, "namespaceSelector", {});
  defaultField(m, "objectSelector", {});
  defaultRules(m.resourceRules);
  defaultRules(m.excludeResourceRules);
}

/** Upstream's `SetDefaults_ValidatingAdmissionPolicySpec`. */
export function defaultPolicy(o: KubeObject): void {
  const spec = specOf(o);
  defaultField(spec, "failurePolicy", "Fail");
  defaultMatchResources(obj(spec.matchConstraints));
}

function validateMatchResources(m: Obj, path: string, requireRules: boolean): FieldError[] {
  const errs = checkEnum(m.matchPolicy, MATCH_POLICIES, `${path}.matchPolicy`, false);
  errs.push(...validateSelector(m.namespaceSelector, `${path}.namespaceSelector`));
  errs.push(...validateSelector(m.objectSelector, `${path}.objectSelector`));
  const rules = objs(m.resourceRules);
  if (requireRules && rules.length === 0) errs.push(required(`${path}.resourceRules`));
  rules.forEach((r, i) =>
    errs.push(...validateRuleWithOperations(r, `${path}.resourceRules[${i}]`))
  );
  objs(m.excludeResourceRules).forEach((r, i) =>
    errs.push(...validateRuleWithOperations(r, `${path}.excludeResourceRules[${i}]`))
  );
  return errs;
}

/** Errors for a policy's spec (upstream's `validateValidatingAdmissionPolicySpec`). */
export function validatePolicySpec(spec: Obj): FieldError[] {
  const errs: FieldError[] = [];
  const paramKind = obj(spec.paramKind);
  if (paramKind) {
    if (!str(paramKind.kind)) errs.push(required("spec.paramKind.kind"));
    const apiVersion = str(paramKind.apiVersion);
    if (!apiVersion) errs.push(required("spec.paramKind.apiVersion"));
    else if (apiVersion.split("/").length > 2) {
      errs.push(
        invalidField("spec.paramKind.apiVersion", apiVersion, "must be a valid group version"),
      );
    }
  }
  const constraints = obj(spec.matchConstraints);
  if (!constraints) errs.push(required("spec.matchConstraints", ""));
  else errs.push(...validateMatchResources(constraints, "spec.matchConstraints", true));
  const validations = objs(spec.validations);
  const audits = objs(spec.auditAnnotations);
  if (validations.length === 0 && audits.length === 0) {
    errs.push(
      required(
        "spec.validations",
        "validations or auditAnnotations must contain at least one item",
      ),
    );
  }
  validations.forEach((v, i) => {
    const path = `spec.validations[${i}]`;
    if (!str(v.expression)) errs.push(required(`${path}.expression`));
    if (v.reason !== undefined && v.reason !== null) {
      errs.push(...checkEnum(v.reason, REASONS, `${path}.reason`));
    }
    if (typeof v.message === "string" && v.message.includes("\n")) {
      errs.push(invalidField(`${path}.message`, v.message, "message must not contain line breaks"));
    }
  });
  audits.forEach((a, i) => {
    const path = `spec.auditAnnotations[${i}]`;
    if (!str(a.key)) errs.push(required(`${path}.key`));
    if (!str(a.valueExpression)) errs.push(required(`${path}.valueExpression`));
  });
  errs.push(...checkEnum(spec.failurePolicy, FAILURE_POLICIES, "spec.failurePolicy", false));
  errs.push(...validateMatchConditions(spec.matchConditions, "spec.matchConditions"));
  objs(spec.variables).forEach((v, i) => {
    if (!str(v.name)) errs.push(required(`spec.variables[${i}].name`));
    if (!str(v.expression)) errs.push(required(`spec.variables[${i}].expression`));
  });
  return errs;
}

export const validatingAdmissionPolicies: ResourceDef = {
  group: "admissionregistration.k8s.io",
  versions: ["v1"],
  kind: "ValidatingAdmissionPolicy",
  plural: "validatingadmissionpolicies",
  singular: "validatingadmissionpolicy",
  namespaced: false,
  categories: ["api-extensions"],
  status: true,
  generation: true,
  strategy: {
    prepareForCreate(o) {
      o.status = {};
      defaultPolicy(o);
    },
    prepareForUpdate: defaultPolicy,
    validate: (o) => validatePolicySpec(specView(o)),
  },
  columns: [
    {
      name: "Validations",
      type: "integer",
      description:
        "Validations indicates the number of validation rules defined in this configuration",
      cell: (o) => objs(specView(o).validations).length,
    },
    {
      name: "ParamKind",
      type: "string",
      description: "ParamKind specifies the kind of resources used to parameterize this policy",
      cell: (o) => {
        const pk = obj(specView(o).paramKind);
        return pk ? `${str(pk.apiVersion)}/${str(pk.kind)}` : "<unset>";
      },
    },
    AGE_COLUMN,
  ],
};

/** Upstream's `SetDefaults_ValidatingAdmissionPolicyBindingSpec`. */
export function defaultBinding(o: KubeObject): void {
  defaultMatchResources(obj(specOf(o).matchResources));
}

/** Errors for a binding's spec (upstream's `validateValidatingAdmissionPolicyBindingSpec`). */
export function validateBindingSpec(spec: Obj): FieldError[] {
  const errs: FieldError[] = [];
  if (!str(spec.policyName)) errs.push(required("spec.policyName"));
  const ref = obj(spec.paramRef);
  if (ref) {
    const hasName = !!str(ref.name), selector = obj(ref.selector);
    if (hasName && selector) {
      errs.push(forbiddenField("spec.paramRef.name", "name and selector are mutually exclusive"));
    }
    if (!hasName && !selector) {
      errs.push(required("spec.paramRef", "one of name or selector must be specified"));
    }
    errs.push(...validateSelector(selector, "spec.paramRef.selector"));
    errs.push(
      ...checkEnum(
        ref.parameterNotFoundAction,
        NOT_FOUND_ACTIONS,
        "spec.paramRef.parameterNotFoundAction",
      ),
    );
  }
  const match = obj(spec.matchResources);
  if (match) errs.push(...validateMatchResources(match, "spec.matchResources", false));
  const actions = arr(spec.validationActions);
  if (actions.length === 0) {
    errs.push(required("spec.validationActions", "at least one validation action is required"));
  }
  const seen = new Set<unknown>();
  actions.forEach((a, i) => {
    const field = `spec.validationActions[${i}]`;
    if (typeof a !== "string" || !VALIDATION_ACTIONS.includes(a)) {
      errs.push(notSupported(field, a, VALIDATION_ACTIONS));
    }
    if (seen.has(a)) errs.push({ type: "FieldValueDuplicate", field, value: a });
    seen.add(a);
  });
  if (seen.has("Deny") && seen.has("Warn")) {
    errs.push(
      invalidField(
        "spec.validationActions",
        actions,
        "must not contain both Deny and Warn (repeating the same validation failure information in the API response and headers serves no purpose)",
      ),
    );
  }
  return errs;
}

/** `ns/name`, `*\/name` or the selector, as the ParamRef column shows it. */
function formatParamRef(ref: Obj | undefined): string {
  if (!ref) return "<unset>";
  const name = str(ref.name);
  if (name) return `${str(ref.namespace) || "*"}/${name}`;
  const selector = obj(ref.selector);
  return selector ? formatLabelSelector(selector as LabelSelector) : "<unset>";
}

export const validatingAdmissionPolicyBindings: ResourceDef = {
  group: "admissionregistration.k8s.io",
  versions: ["v1"],
  kind: "ValidatingAdmissionPolicyBinding",
  plural: "validatingadmissionpolicybindings",
  singular: "validatingadmissionpolicybinding",
  namespaced: false,
  categories: ["api-extensions"],
  generation: true,
  strategy: {
    prepareForCreate: defaultBinding,
    prepareForUpdate: defaultBinding,
    validate: (o) => validateBindingSpec(specView(o)),
  },
  columns: [
    {
      name: "PolicyName",
      type: "string",
      description: "PolicyName indicates the policy definition which the policy binding binded to",
      cell: (o) => str(specView(o).policyName),
    },
    {
      name: "ParamRef",
      type: "string",
      description: "ParamRef indicates the param resource which sets the configration param",
      cell: (o) => formatParamRef(obj(specView(o).paramRef)),
    },
    AGE_COLUMN,
  ],
};

/**
 * The store strategy of one served version of a custom resource: unknown fields pruned, schema
 * defaults applied, the object validated against the version's schema and its CEL rules, stored
 * under the storage version's apiVersion (conversion `None`), and with the status subresource on,
 * status kept out of main-resource writes.
 *
 * @module
 */
import type { FieldError } from "../../../kube/errors.ts";
import type { KubeObject } from "../../../kube/meta.ts";
import type { Strategy } from "../resource.ts";
import { hasRules, validateRules } from "./cel.ts";
import { applyDefaults } from "./defaults.ts";
import { prune } from "./prune.ts";
import { jsonEqual, type JSONSchemaProps } from "./schema.ts";
import { validateValue } from "./validate.ts";

export interface CustomStrategyOptions {
  /** The version's schema; without one every field is kept and nothing is checked. */
  schema?: JSONSchemaProps;
  /** Keep unknown fields (`spec.preserveUnknownFields`, v1beta1 CRDs). */
  preserveUnknownFields?: boolean;
  statusSubresource: boolean;
  /** `group/version` objects are stored as. */
  storageApiVersion: string;
  /** A warning returned on each write (a deprecated version). */
  warning?: string;
}

const BLOCKED =
  "some validation rules were not checked because the object was invalid; correct the existing errors to complete validation";

/** Whether validation errors stop CEL rules from running (type errors make `self` unreliable). */
function blocking(errs: FieldError[]): boolean {
  return errs.some((e) =>
    e.type === "FieldValueTypeInvalid" || e.type === "FieldValueNotSupported"
  );
}

export function customResourceStrategy(opts: CustomStrategyOptions): Strategy {
  const { schema } = opts;
  const rules = hasRules(schema);
  const normalize = (o: KubeObject) => {
    if (schema) {
      if (!opts.preserveUnknownFields) prune(o, schema);
      applyDefaults(o, schema);
    }
    o.apiVersion = opts.storageApiVersion;
  };
  const check = (o: KubeObject, old: KubeObject | undefined, transitionsOnly: boolean) => {
    if (!schema) return [];
    const errs = transitionsOnly ? [] : validateValue(o, schema, "", { resourceRoot: true });
    if (!rules) return errs;
    if (blocking(errs)) {
      errs.push({ type: "FieldValueInvalid", field: "<nil>", value: "null", detail: BLOCKED });
      return errs;
    }
    if (transitionsOnly && blocking(validateValue(o, schema, "", { resourceRoot: true }))) {
      return errs;
    }
    errs.push(...validateRules(o, old, schema, transitionsOnly));
    return errs;
  };
  return {
    prepareForCreate(o) {
      if (opts.statusSubresource) delete o.status;
      normalize(o);
    },
    prepareForUpdate(o, old) {
      normalize(o);
      // The store counts spec changes; without a status subresource status is content too.
      if (!opts.statusSubresource && !jsonEqual(o.status, old.status)) {
        const { metadata: _a, status: _b, ...rest } = o;
        const { metadata: _c, status: _d, ...oldRest } = old;
        if (jsonEqual(rest, oldRest)) {
          o.metadata.generation = (old.metadata.generation ?? 0) + 1;
        }
      }
    },
    prepareForStatusUpdate(o) {
      normalize(o);
    },
    validate: (o) => check(o, undefined, false),
    validateUpdate: (o, old) => check(o, old, true),
    validateStatusUpdate: (o, old) => [...check(o, undefined, false), ...check(o, old, true)],
    warnings: () => opts.warning ? [opts.warning] : [],
  };
}

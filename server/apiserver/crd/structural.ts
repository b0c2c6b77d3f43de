/**
 * Validation of a CRD version's `openAPIV3Schema` as upstream does for `apiextensions.k8s.io/v1`:
 * the OpenAPI subset a CRD may use, the structural schema rules (every field has a type,
 * `additionalProperties` not together with `properties`, value validations in
 * `allOf`/`anyOf`/`oneOf`/`not` adding no structure, metadata restricted to name and
 * generateName, `x-kubernetes-*` extensions well placed), defaults that validate and are pruned,
 * and CEL rules that compile. Errors carry upstream's field paths and wording.
 *
 * @module
 */
import type { FieldError } from "../../../kube/errors.ts";
import { compile, usesOldSelf } from "./cel.ts";
import { forbidden, invalid, notSupported, required, sortByText } from "./errors.ts";
import { prune } from "./prune.ts";
import {
  child,
  index,
  isObj,
  itemsOf,
  jsonEqual,
  type JSONSchemaProps,
  key,
  propertiesOf,
  sortedKeys,
} from "./schema.ts";
import { compilePattern, validateValue } from "./validate.ts";

const OPENAPI_TYPES = ["array", "boolean", "integer", "number", "object", "string"];
const META_FIELDS = ["apiVersion", "kind", "metadata"];
/** JSON names of the fields allowed at the root when the status subresource is on. */
const ROOT_WITH_STATUS = new Set([
  "description",
  "type",
  "format",
  "title",
  "maximum",
  "exclusiveMaximum",
  "minimum",
  "exclusiveMinimum",
  "maxLength",
  "minLength",
  "pattern",
  "maxItems",
  "minItems",
  "uniqueItems",
  "multipleOf",
  "required",
  "items",
  "properties",
  "externalDocs",
  "example",
  "x-kubernetes-preserve-unknown-fields",
  "x-kubernetes-validations",
]);
const ROOT_WITH_STATUS_TEXT =
  "[Description Type Format Title Maximum ExclusiveMaximum Minimum ExclusiveMinimum MaxLength MinLength Pattern MaxItems MinItems UniqueItems MultipleOf Required Items Properties ExternalDocs Example XPreserveUnknownFields XValidations]";
const SUPPORTED_REASONS = [
  "FieldValueDuplicate",
  "FieldValueForbidden",
  "FieldValueInvalid",
  "FieldValueRequired",
];

/** Whether a value counts as set (Go's zero values do not). */
function isSet(v: unknown): boolean {
  if (v === undefined || v === null || v === false || v === "" || v === 0) return false;
  if (Array.isArray(v)) return v.length > 0;
  if (isObj(v)) return Object.keys(v).length > 0;
  return true;
}

/**
 * Errors of one version's schema; `path` is the version's `schema` field
 * (`spec.versions[0].schema`).
 */
export function validateVersionSchema(
  schema: JSONSchemaProps,
  path: string,
  statusEnabled: boolean,
): FieldError[] {
  const root = child(path, "openAPIV3Schema");
  const errs: FieldError[] = [];
  if (statusEnabled) {
    for (const [k, v] of Object.entries(schema)) {
      if (!isSet(v)) continue;
      if (k === "type") {
        if (schema.type !== "object") {
          errs.push(
            invalid(
              `${root}.type`,
              schema.type,
              `only "object" is allowed as the type at the root of the schema if the status subresource is enabled`,
            ),
          );
          break;
        }
        continue;
      }
      if (!ROOT_WITH_STATUS.has(k)) {
        errs.push(
          invalid(
            root,
            schema,
            `only ${ROOT_WITH_STATUS_TEXT} fields are allowed at the root of the schema if the status subresource is enabled`,
          ),
        );
        break;
      }
    }
  }
  if (schema.nullable) {
    errs.push(forbidden(`${root}.nullable`, "nullable cannot be true at the root"));
  }
  const openapi = openAPIErrors(schema, root, {
    root: true,
    allowDefaults: true,
    defaultsReason: "",
    insideMeta: false,
  });
  errs.push(...openapi);
  const structural = sortByText([
    ...invariants(schema, "root", root),
    ...completeness(schema, root),
  ]);
  errs.push(...structural);
  if (openapi.length === 0 && structural.length === 0) {
    errs.push(...defaultErrors(schema, root, true));
  }
  return errs;
}

interface WalkOptions {
  root: boolean;
  allowDefaults: boolean;
  defaultsReason: string;
  insideMeta: boolean;
}

/** Upstream's OpenAPI subset checks and extension placement, over the whole schema. */
function openAPIErrors(s: JSONSchemaProps, path: string, o: WalkOptions): FieldError[] {
  if (!isObj(s)) return [invalid(path, s, "must be an object")];
  const errs: FieldError[] = [];
  if (s.type !== undefined && (typeof s.type !== "string" || !OPENAPI_TYPES.includes(s.type))) {
    if (s.type === "null") {
      errs.push(
        forbidden(
          child(path, "type"),
          "type cannot be set to null, use nullable as an alternative",
        ),
      );
    }
    errs.push(notSupported(child(path, "type"), s.type, OPENAPI_TYPES));
  }
  if (s.default !== undefined && !o.allowDefaults) {
    errs.push(
      forbidden(
        child(path, "default"),
        `must not be set${o.defaultsReason ? " " + o.defaultsReason : ""}`,
      ),
    );
  }
  if (s.id !== undefined) errs.push(forbidden(child(path, "id"), "id is not supported"));
  if (s.additionalItems !== undefined) {
    errs.push(forbidden(child(path, "additionalItems"), "additionalItems is not supported"));
  }
  if (isSet(s.patternProperties)) {
    errs.push(forbidden(child(path, "patternProperties"), "patternProperties is not supported"));
  }
  if (isSet(s.definitions)) {
    errs.push(forbidden(child(path, "definitions"), "definitions is not supported"));
  }
  if (s.dependencies !== undefined) {
    errs.push(forbidden(child(path, "dependencies"), "dependencies is not supported"));
  }
  if (s.$ref !== undefined) errs.push(forbidden(child(path, "$ref"), "$ref is not supported"));
  if (Array.isArray(s.items)) {
    errs.push(forbidden(child(path, "items"), "items must be a schema object and not an array"));
  }
  if (o.insideMeta && s["x-kubernetes-embedded-resource"]) {
    errs.push(
      forbidden(
        child(path, "x-kubernetes-embedded-resource"),
        "must not be used inside of resource meta",
      ),
    );
  }
  if (s.uniqueItems) {
    errs.push(
      forbidden(
        child(path, "uniqueItems"),
        "uniqueItems cannot be set to true since the runtime complexity becomes quadratic",
      ),
    );
  }
  const props = propertiesOf(s);
  if (s.additionalProperties !== undefined) {
    if (
      Object.keys(props).length &&
      (s.additionalProperties === false || isObj(s.additionalProperties))
    ) {
      errs.push(
        forbidden(
          child(path, "additionalProperties"),
          "additionalProperties and properties are mutual exclusive",
        ),
      );
    }
    if (isObj(s.additionalProperties)) {
      const sub = o.insideMeta
        ? {
          ...o,
          root: false,
          allowDefaults: false,
          defaultsReason: "inside additionalProperties applying to object metadata",
        }
        : { ...o, root: false };
      errs.push(
        ...openAPIErrors(
          s.additionalProperties as JSONSchemaProps,
          child(path, "additionalProperties"),
          sub,
        ),
      );
    }
  }
  for (const k of sortedKeys(props)) {
    let sub: WalkOptions = { ...o, root: false };
    if ((o.root || s["x-kubernetes-embedded-resource"]) && META_FIELDS.includes(k)) {
      sub = { ...sub, insideMeta: true };
      if (o.root) sub = { ...sub, allowDefaults: false, defaultsReason: `in top-level ${k}` };
    }
    errs.push(...openAPIErrors(props[k], key(child(path, "properties"), k), sub));
  }
  const nested = { ...o, root: false };
  if (isObj(s.not)) {
    errs.push(...openAPIErrors(s.not as JSONSchemaProps, child(path, "not"), nested));
  }
  for (const junctor of ["allOf", "oneOf", "anyOf"] as const) {
    const list = s[junctor];
    if (Array.isArray(list)) {
      list.forEach((x, i) =>
        errs.push(...openAPIErrors(x, index(child(path, junctor), i), nested))
      );
    }
  }
  const items = itemsOf(s);
  if (items) errs.push(...openAPIErrors(items, child(path, "items"), nested));
  errs.push(...extensionErrors(s, path));
  return errs;
}

function extensionErrors(s: JSONSchemaProps, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (s["x-kubernetes-preserve-unknown-fields"] === false) {
    errs.push(
      invalid(
        child(path, "x-kubernetes-preserve-unknown-fields"),
        false,
        "must be true or undefined",
      ),
    );
  }
  const mapType = s["x-kubernetes-map-type"];
  if (mapType !== undefined) {
    if (s.type !== "object") {
      errs.push(
        s.type
          ? invalid(
            child(path, "type"),
            s.type,
            "must be object if x-kubernetes-map-type is specified",
          )
          : required(child(path, "type"), "must be object if x-kubernetes-map-type is specified"),
      );
    }
    if (mapType !== "atomic" && mapType !== "granular") {
      errs.push(
        notSupported(child(path, "x-kubernetes-map-type"), mapType, ["atomic", "granular"]),
      );
    }
  }
  const listType = s["x-kubernetes-list-type"];
  const mapKeys = Array.isArray(s["x-kubernetes-list-map-keys"])
    ? s["x-kubernetes-list-map-keys"]
    : [];
  const items = itemsOf(s);
  if (listType !== undefined) {
    if (s.type !== "array") {
      errs.push(
        s.type
          ? invalid(
            child(path, "type"),
            s.type,
            "must be array if x-kubernetes-list-type is specified",
          )
          : required(child(path, "type"), "must be array if x-kubernetes-list-type is specified"),
      );
    } else if (listType === "set" && items) {
      if (
        items.type === "array" && items["x-kubernetes-list-type"] &&
        items["x-kubernetes-list-type"] !== "atomic"
      ) {
        errs.push(
          invalid(
            `${path}.items.x-kubernetes-list-type`,
            items["x-kubernetes-list-type"],
            "must be atomic as item of a list with x-kubernetes-list-type=set",
          ),
        );
      }
      if (items.type === "object" && items["x-kubernetes-map-type"] !== "atomic") {
        errs.push(
          invalid(
            `${path}.items.x-kubernetes-map-type`,
            items["x-kubernetes-list-type"] ?? null,
            "must be atomic as item of a list with x-kubernetes-list-type=set",
          ),
        );
      }
    }
    if (listType !== "atomic" && listType !== "set" && listType !== "map") {
      errs.push(
        notSupported(child(path, "x-kubernetes-list-type"), listType, ["atomic", "set", "map"]),
      );
    }
  }
  if (mapKeys.length) {
    if (listType === undefined) {
      errs.push(
        required(
          child(path, "x-kubernetes-list-type"),
          "must be map if x-kubernetes-list-map-keys is non-empty",
        ),
      );
    } else if (listType !== "map") {
      errs.push(
        invalid(
          child(path, "x-kubernetes-list-type"),
          listType,
          "must be map if x-kubernetes-list-map-keys is non-empty",
        ),
      );
    }
  }
  if (listType === "map") {
    if (!mapKeys.length) {
      errs.push(
        required(
          child(path, "x-kubernetes-list-map-keys"),
          "must not be empty if x-kubernetes-list-type is map",
        ),
      );
    }
    if (!items) {
      errs.push(
        required(child(path, "items"), "must have a schema if x-kubernetes-list-type is map"),
      );
    } else if (items.type !== "object") {
      errs.push(
        invalid(
          `${path}.items.type`,
          items.type ?? "",
          "must be object if parent array's x-kubernetes-list-type is map",
        ),
      );
    } else {
      const itemProps = propertiesOf(items);
      const seen = new Set<string>();
      for (const k of mapKeys) {
        const p = Object.hasOwn(itemProps, k) ? itemProps[k] : undefined;
        if (!p) {
          errs.push(
            invalid(
              child(path, "x-kubernetes-list-map-keys"),
              mapKeys,
              "entries must all be names of item properties",
            ),
          );
        } else if (p.type === "array" || p.type === "object") {
          errs.push(
            invalid(
              `${path}.items.properties[${k}].type`,
              items.type,
              "must be a scalar type if parent array's x-kubernetes-list-type is map",
            ),
          );
        }
        if (seen.has(k)) {
          errs.push(
            invalid(
              child(path, "x-kubernetes-list-map-keys"),
              mapKeys,
              "must not contain duplicate entries",
            ),
          );
        }
        seen.add(k);
        if (p && !(items.required ?? []).includes(k) && p.default === undefined) {
          errs.push(
            required(
              `${path}.items.properties[${k}].default`,
              "this property is in x-kubernetes-list-map-keys, so it must have a default or be a required property",
            ),
          );
        }
      }
    }
  }
  if ((listType === "map" || listType === "set") && items?.nullable) {
    errs.push(
      forbidden(
        `${path}.items.nullable`,
        `cannot be nullable when x-kubernetes-list-type is ${listType}`,
      ),
    );
  }
  errs.push(...ruleErrors(s, path));
  return errs;
}

function ruleErrors(s: JSONSchemaProps, path: string): FieldError[] {
  const rules = s["x-kubernetes-validations"];
  if (rules === undefined) return [];
  if (!Array.isArray(rules)) {
    return [invalid(child(path, "x-kubernetes-validations"), rules, "must be a list")];
  }
  const errs: FieldError[] = [];
  rules.forEach((r, i) => {
    const p = index(child(path, "x-kubernetes-validations"), i);
    const rule = typeof r?.rule === "string" ? r.rule.trim() : "";
    const msg = typeof r?.message === "string" ? r.message : "";
    if (!rule) errs.push(required(`${p}.rule`, "rule is not specified"));
    else if (msg.length > 0 && !msg.trim()) {
      errs.push(invalid(`${p}.message`, msg, "message must be non-empty if specified"));
    } else if (/[\n\r]/.test(msg.trim())) {
      errs.push(invalid(`${p}.message`, msg, "message must not contain line breaks"));
    } else if (/[\n\r]/.test(rule) && !msg.trim()) {
      errs.push(required(`${p}.message`, "message must be specified if rule contains line breaks"));
    }
    if (
      typeof r?.messageExpression === "string" && r.messageExpression.length &&
      !r.messageExpression.trim()
    ) {
      errs.push(
        required(`${p}.messageExpression`, "messageExpression must be non-empty if specified"),
      );
    }
    if (r?.reason !== undefined && !SUPPORTED_REASONS.includes(r.reason)) {
      errs.push(notSupported(`${p}.reason`, r.reason, SUPPORTED_REASONS));
    }
    if (rule) {
      const compiled = compile(rule);
      if (typeof compiled === "string") errs.push(invalid(`${p}.rule`, r, compiled));
      else if (r.optionalOldSelf !== undefined && !usesOldSelf(rule)) {
        errs.push(
          invalid(
            `${p}.optionalOldSelf`,
            r.optionalOldSelf,
            "may not be set if oldSelf is not used in rule",
          ),
        );
      }
    }
    if (typeof r?.messageExpression === "string" && r.messageExpression.trim()) {
      const compiled = compile(r.messageExpression);
      if (typeof compiled === "string") errs.push(invalid(`${p}.messageExpression`, r, compiled));
    }
  });
  return errs;
}

type Level = "root" | "item" | "field";

function isIntOrStringAnyOf(list: unknown): boolean {
  return Array.isArray(list) && list.length === 2 &&
    jsonEqual(list[0], { type: "integer" }) && jsonEqual(list[1], { type: "string" });
}

/** The structural invariants (upstream's `validateStructuralInvariants`). */
function invariants(s: JSONSchemaProps, lvl: Level, path: string): FieldError[] {
  if (!isObj(s)) return [];
  const errs: FieldError[] = [];
  const items = itemsOf(s);
  if (s.type === "array" && !items) errs.push(required(child(path, "items"), "must be specified"));
  if (items) errs.push(...invariants(items, "item", child(path, "items")));
  const props = propertiesOf(s);
  for (const k of sortedKeys(props)) {
    errs.push(...invariants(props[k], "field", key(child(path, "properties"), k)));
  }
  if (s.additionalProperties !== undefined && s.additionalProperties !== false) {
    if (lvl === "root") {
      errs.push(forbidden(child(path, "additionalProperties"), "must not be used at the root"));
    }
    if (isObj(s.additionalProperties)) {
      errs.push(
        ...invariants(
          s.additionalProperties as JSONSchemaProps,
          "field",
          child(path, "additionalProperties"),
        ),
      );
    }
  }
  const intOrString = s["x-kubernetes-int-or-string"] === true;
  const preserve = s["x-kubernetes-preserve-unknown-fields"] === true;
  const embedded = s["x-kubernetes-embedded-resource"] === true;
  if (intOrString && preserve) {
    errs.push(
      invalid(
        child(path, "x-kubernetes-preserve-unknown-fields"),
        true,
        "must be false if x-kubernetes-int-or-string is true",
      ),
    );
  }
  if (intOrString && embedded) {
    errs.push(
      invalid(
        child(path, "x-kubernetes-embedded-resource"),
        true,
        "must be false if x-kubernetes-int-or-string is true",
      ),
    );
  }
  const skipAnyOf = isIntOrStringAnyOf(s.anyOf);
  const skipFirstAllOfAnyOf = Array.isArray(s.allOf) && isObj(s.allOf[0]) &&
    isIntOrStringAnyOf(s.allOf[0].anyOf);
  errs.push(...valueValidation(s, skipAnyOf, skipFirstAllOfAnyOf, path));
  if (embedded && s.type !== "object") {
    errs.push(
      s.type
        ? invalid(
          child(path, "type"),
          s.type,
          "must be object if x-kubernetes-embedded-resource is true",
        )
        : required(child(path, "type"), "must be object if x-kubernetes-embedded-resource is true"),
    );
  } else if (!s.type && !intOrString && !preserve) {
    const detail = lvl === "root"
      ? "must not be empty at the root"
      : lvl === "item"
      ? "must not be empty for specified array items"
      : "must not be empty for specified object fields";
    errs.push(required(child(path, "type"), detail));
  }
  if (embedded && s.additionalProperties !== undefined) {
    errs.push(
      forbidden(
        child(path, "additionalProperties"),
        "must not be used if x-kubernetes-embedded-resource is set",
      ),
    );
  }
  if (lvl === "root" && s.type && s.type !== "object") {
    errs.push(invalid(child(path, "type"), s.type, "must be object at the root"));
  }
  const checkMeta = lvl === "root" || embedded;
  for (const name of ["kind", "apiVersion"]) {
    if (checkMeta && Object.hasOwn(props, name) && props[name].type !== "string") {
      errs.push(
        invalid(
          `${key(child(path, "properties"), name)}.type`,
          props[name].type ?? "",
          "must be string",
        ),
      );
    }
  }
  if (Object.hasOwn(props, "metadata")) {
    errs.push(
      ...metadataErrors(props.metadata, checkMeta, lvl, key(child(path, "properties"), "metadata")),
    );
  }
  if (embedded && !preserve && Object.keys(props).length === 0) {
    errs.push(
      required(
        child(path, "properties"),
        "must not be empty if x-kubernetes-embedded-resource is true without x-kubernetes-preserve-unknown-fields",
      ),
    );
  }
  return errs;
}

function metadataErrors(
  s: JSONSchemaProps,
  checkMeta: boolean,
  lvl: Level,
  path: string,
): FieldError[] {
  const errs: FieldError[] = [];
  if (checkMeta && s.type !== "object") {
    errs.push(invalid(child(path, "type"), s.type ?? "", "must be object"));
  }
  if (lvl !== "root") return errs;
  const rest: Record<string, unknown> = { ...s };
  delete rest.type;
  delete rest.default;
  const names = Object.keys(propertiesOf(s));
  if (names.length && names.every((n) => n === "name" || n === "generateName")) {
    delete rest.properties;
  }
  if (Object.values(rest).some(isSet)) {
    errs.push(
      forbidden(
        path,
        "must not specify anything other than name and generateName, but metadata is implicitly specified",
      ),
    );
  }
  return errs;
}

function valueValidation(
  s: JSONSchemaProps,
  skipAnyOf: boolean,
  skipFirstAllOfAnyOf: boolean,
  path: string,
): FieldError[] {
  const errs: FieldError[] = [];
  if (!skipAnyOf && Array.isArray(s.anyOf)) {
    s.anyOf.forEach((x, i) => errs.push(...nested(x, false, index(child(path, "anyOf"), i), true)));
  }
  if (Array.isArray(s.allOf)) {
    s.allOf.forEach((x, i) =>
      errs.push(...nested(x, skipFirstAllOfAnyOf && i === 0, index(child(path, "allOf"), i), true))
    );
  }
  if (Array.isArray(s.oneOf)) {
    s.oneOf.forEach((x, i) => errs.push(...nested(x, false, index(child(path, "oneOf"), i), true)));
  }
  if (isObj(s.not)) errs.push(...nested(s.not as JSONSchemaProps, false, child(path, "not"), true));
  if (typeof s.pattern === "string" && !compilePattern(s.pattern)) {
    let why = "";
    try {
      new RegExp(s.pattern);
    } catch (err) {
      why = (err as Error).message;
    }
    errs.push(
      invalid(
        child(path, "pattern"),
        s.pattern,
        `must be a valid regular expression, but isn't: ${why}`,
      ),
    );
  }
  return errs;
}

const NESTED_FORBIDDEN: [string, string][] = [
  ["default", "must be undefined to be structural"],
  ["title", "must be empty to be structural"],
  ["description", "must be empty to be structural"],
  ["nullable", "must be false to be structural"],
  ["x-kubernetes-preserve-unknown-fields", "must be false to be structural"],
  ["x-kubernetes-embedded-resource", "must be false to be structural"],
  ["x-kubernetes-int-or-string", "must be false to be structural"],
  ["x-kubernetes-list-map-keys", "must be empty to be structural"],
  ["x-kubernetes-list-type", "must be undefined to be structural"],
  ["x-kubernetes-map-type", "must be undefined to be structural"],
  ["x-kubernetes-validations", "must be empty to be structural"],
];

/** A value validation inside a junctor may not add structure (upstream's nested checks). */
function nested(
  v: JSONSchemaProps,
  skipAnyOf: boolean,
  path: string,
  _junctor: boolean,
): FieldError[] {
  if (!isObj(v)) return [];
  const errs: FieldError[] = [];
  const skipAllOfAnyOf = false;
  errs.push(...valueValidation(v, skipAnyOf, skipAllOfAnyOf, path));
  const items = itemsOf(v);
  if (items) errs.push(...nested(items, false, child(path, "items"), false));
  const props = propertiesOf(v);
  for (const k of sortedKeys(props)) {
    errs.push(...nested(props[k], false, key(child(path, "properties"), k), false));
  }
  if (v.type !== undefined && v.type !== "") {
    errs.push(forbidden(child(path, "type"), "must be empty to be structural"));
  }
  if (v.additionalProperties !== undefined) {
    errs.push(forbidden(child(path, "additionalProperties"), "must be undefined to be structural"));
  }
  for (const [name, detail] of NESTED_FORBIDDEN) {
    if (name === "default" ? v.default !== undefined : isSet(v[name])) {
      errs.push(forbidden(child(path, name), detail));
    }
  }
  if (Object.hasOwn(props, "metadata")) {
    errs.push(
      forbidden(
        key(child(path, "properties"), "metadata"),
        "must not be specified in a nested context",
      ),
    );
  }
  return errs;
}

/** Fields and items used in value validations must be specified structurally too. */
function completeness(s: JSONSchemaProps, path: string): FieldError[] {
  if (!isObj(s)) return [];
  const errs: FieldError[] = [];
  const check = (v: unknown, vPath: string, target: JSONSchemaProps, sPath: string) => {
    if (!isObj(v)) return;
    const vProps = propertiesOf(v as JSONSchemaProps);
    const sProps = propertiesOf(target);
    for (const k of sortedKeys(vProps)) {
      if (Object.hasOwn(sProps, k)) {
        check(
          vProps[k],
          key(child(vPath, "properties"), k),
          sProps[k],
          key(child(sPath, "properties"), k),
        );
      } else if (target.additionalProperties === undefined) {
        errs.push(
          required(
            key(child(sPath, "properties"), k),
            `because it is defined in ${key(child(vPath, "properties"), k)}`,
          ),
        );
      }
    }
    const vItems = itemsOf(v as JSONSchemaProps);
    if (vItems) {
      const sItems = itemsOf(target);
      if (sItems) check(vItems, child(vPath, "items"), sItems, child(sPath, "items"));
      else {errs.push(
          required(child(sPath, "items"), `because it is defined in ${child(vPath, "items")}`),
        );}
    }
    for (const junctor of ["allOf", "anyOf", "oneOf"] as const) {
      const list = (v as JSONSchemaProps)[junctor];
      if (Array.isArray(list)) {
        list.forEach((x, i) => check(x, index(child(vPath, junctor), i), target, sPath));
      }
    }
    if (isObj((v as JSONSchemaProps).not)) {
      check((v as JSONSchemaProps).not, child(vPath, "not"), target, sPath);
    }
  };
  for (const junctor of ["allOf", "anyOf", "oneOf"] as const) {
    const list = s[junctor];
    if (Array.isArray(list)) {
      list.forEach((x, i) => check(x, index(child(path, junctor), i), s, path));
    }
  }
  if (isObj(s.not)) check(s.not, child(path, "not"), s, path);
  const items = itemsOf(s);
  if (items) errs.push(...completeness(items, child(path, "items")));
  const props = propertiesOf(s);
  for (const k of sortedKeys(props)) {
    errs.push(...completeness(props[k], key(child(path, "properties"), k)));
  }
  if (isObj(s.additionalProperties)) {
    errs.push(
      ...completeness(
        s.additionalProperties as JSONSchemaProps,
        child(path, "additionalProperties"),
      ),
    );
  }
  return errs;
}

/** Defaults must validate against their schema and carry no field the schema would prune. */
function defaultErrors(s: JSONSchemaProps, path: string, resourceRoot: boolean): FieldError[] {
  if (!isObj(s)) return [];
  const errs: FieldError[] = [];
  if (s.default !== undefined) {
    const p = child(path, "default");
    const pruned = structuredClone(s.default);
    prune(pruned, s, s["x-kubernetes-embedded-resource"] === true);
    if (!jsonEqual(pruned, s.default)) {
      errs.push(invalid(p, s.default, "must not have unknown fields"));
    }
    for (const e of validateValue(s.default, s, "")) {
      const field = e.field === "." ? p : `${p}.${e.field}`;
      const detail = e.detail?.startsWith(`${e.field} in body`)
        ? field + e.detail.slice(e.field.length)
        : e.detail;
      errs.push({ ...e, field, detail });
    }
  }
  const items = itemsOf(s);
  if (items) errs.push(...defaultErrors(items, child(path, "items"), false));
  const props = propertiesOf(s);
  for (const k of sortedKeys(props)) {
    if (resourceRoot && k === "metadata") continue;
    errs.push(...defaultErrors(props[k], key(child(path, "properties"), k), false));
  }
  if (isObj(s.additionalProperties)) {
    errs.push(
      ...defaultErrors(
        s.additionalProperties as JSONSchemaProps,
        child(path, "additionalProperties"),
        false,
      ),
    );
  }
  return errs;
}

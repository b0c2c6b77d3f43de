/**
 * The OpenAPI v3 schema of a custom resource version (`JSONSchemaProps`), as a CRD carries it in
 * `spec.versions[].schema.openAPIV3Schema`, and helpers to walk it and to build upstream-style
 * field paths (`spec.versions[0].schema.openAPIV3Schema.properties[spec].type`).
 *
 * @module
 */

/** One `x-kubernetes-validations` rule. */
export interface ValidationRule {
  rule: string;
  message?: string;
  messageExpression?: string;
  reason?: string;
  fieldPath?: string;
  optionalOldSelf?: boolean;
}

/** A JSON schema node as a CRD declares it; values come from users, so every field is checked. */
export interface JSONSchemaProps {
  type?: string;
  format?: string;
  description?: string;
  title?: string;
  nullable?: boolean;
  default?: unknown;
  enum?: unknown[];
  maximum?: number;
  exclusiveMaximum?: boolean;
  minimum?: number;
  exclusiveMinimum?: boolean;
  maxLength?: number;
  minLength?: number;
  pattern?: string;
  maxItems?: number;
  minItems?: number;
  uniqueItems?: boolean;
  multipleOf?: number;
  maxProperties?: number;
  minProperties?: number;
  required?: string[];
  items?: JSONSchemaProps | JSONSchemaProps[];
  properties?: Record<string, JSONSchemaProps>;
  additionalProperties?: JSONSchemaProps | boolean;
  allOf?: JSONSchemaProps[];
  oneOf?: JSONSchemaProps[];
  anyOf?: JSONSchemaProps[];
  not?: JSONSchemaProps;
  "x-kubernetes-preserve-unknown-fields"?: boolean;
  "x-kubernetes-embedded-resource"?: boolean;
  "x-kubernetes-int-or-string"?: boolean;
  "x-kubernetes-list-type"?: string;
  "x-kubernetes-list-map-keys"?: string[];
  "x-kubernetes-map-type"?: string;
  "x-kubernetes-validations"?: ValidationRule[];
  [key: string]: unknown;
}

export type Obj = Record<string, unknown>;

export function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** The schema of the items of an array node (a single schema; tuple forms are refused). */
export function itemsOf(s: JSONSchemaProps): JSONSchemaProps | undefined {
  return isObj(s.items) ? s.items as JSONSchemaProps : undefined;
}

/** The properties of a node, empty when it has none. */
export function propertiesOf(s: JSONSchemaProps): Record<string, JSONSchemaProps> {
  return isObj(s.properties) ? s.properties as Record<string, JSONSchemaProps> : {};
}

/** The additionalProperties schema of a node; `true` is an empty (any) schema. */
export function additionalOf(s: JSONSchemaProps): JSONSchemaProps | undefined {
  if (s.additionalProperties === true) return {};
  return isObj(s.additionalProperties) ? s.additionalProperties as JSONSchemaProps : undefined;
}

/** Whether unknown fields below this node are kept. */
export function preservesUnknown(s: JSONSchemaProps): boolean {
  return s["x-kubernetes-preserve-unknown-fields"] === true;
}

/** `path.child` as upstream's `field.Path.Child` prints it. */
export function child(path: string, name: string): string {
  return path ? `${path}.${name}` : name;
}

/** `path[key]` as upstream's `field.Path.Key` prints it. */
export function key(path: string, k: string): string {
  return `${path}[${k}]`;
}

/** `path[i]` as upstream's `field.Path.Index` prints it. */
export function index(path: string, i: number): string {
  return `${path}[${i}]`;
}

/** Property names in a stable order (Go iterates maps randomly; we sort). */
export function sortedKeys(o: Obj): string[] {
  return Object.keys(o).sort();
}

/** Deep equality of JSON values. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((v, i) => jsonEqual(v, b[i]));
  }
  if (isObj(a) && isObj(b)) {
    const ka = Object.keys(a), kb = Object.keys(b);
    return ka.length === kb.length && ka.every((k) => Object.hasOwn(b, k) && jsonEqual(a[k], b[k]));
  }
  return false;
}

/**
 * Structural defaulting (upstream's algorithm): a property that is absent, or null without being
 * nullable, takes a copy of its schema's `default`; then every value is defaulted by its own
 * schema, so defaults nest. Nulls of non-nullable fields without a default are dropped, as
 * upstream does before validation.
 *
 * @module
 */
import { additionalOf, isObj, itemsOf, type JSONSchemaProps, propertiesOf } from "./schema.ts";

/** Fills schema defaults into `value` in place. */
export function applyDefaults(value: unknown, schema: JSONSchemaProps): void {
  if (!schema) return;
  if (Array.isArray(value)) {
    const items = itemsOf(schema);
    if (!items) return;
    for (let i = 0; i < value.length; i++) {
      if (value[i] === null && !items.nullable && items.default !== undefined) {
        value[i] = structuredClone(items.default);
      }
      applyDefaults(value[i], items);
    }
    return;
  }
  if (!isObj(value)) return;
  const props = propertiesOf(schema);
  for (const [k, prop] of Object.entries(props)) {
    if (prop.default === undefined) continue;
    if (!Object.hasOwn(value, k) || (value[k] === null && !prop.nullable)) {
      value[k] = structuredClone(prop.default);
    }
  }
  const additional = additionalOf(schema);
  for (const [k, v] of Object.entries(value)) {
    const s = Object.hasOwn(props, k) ? props[k] : additional;
    if (!s) continue;
    if (v === null && !s.nullable && s.default === undefined) {
      delete value[k];
      continue;
    }
    applyDefaults(v, s);
  }
}

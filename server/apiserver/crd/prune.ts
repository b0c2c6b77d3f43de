/**
 * Pruning of unknown fields (upstream's structural pruning): a field the schema does not declare
 * is dropped, unless the schema keeps unknown fields there (`x-kubernetes-preserve-unknown-fields`)
 * or describes a map (`additionalProperties`). At the root of a resource and of every embedded
 * resource, `apiVersion`, `kind` and `metadata` are always kept.
 *
 * @module
 */
import { additionalOf, isObj, itemsOf, type JSONSchemaProps, propertiesOf } from "./schema.ts";

const RESOURCE_META = ["apiVersion", "kind", "metadata"];

/**
 * Drops the fields of `value` that `schema` does not declare, in place, and returns the JSON
 * paths of what was dropped (`.spec.foo`).
 */
export function prune(value: unknown, schema: JSONSchemaProps, resourceRoot = true): string[] {
  const dropped: string[] = [];
  walk(value, schema, "", resourceRoot, dropped);
  return dropped;
}

function walk(
  v: unknown,
  s: JSONSchemaProps | undefined,
  path: string,
  resourceRoot: boolean,
  dropped: string[],
): void {
  if (!s || s["x-kubernetes-int-or-string"]) return;
  if (Array.isArray(v)) {
    const items = itemsOf(s);
    if (items) v.forEach((x, i) => walk(x, items, `${path}[${i}]`, embedded(items), dropped));
    return;
  }
  if (!isObj(v)) return;
  const props = propertiesOf(s);
  const additional = additionalOf(s);
  const preserve = s["x-kubernetes-preserve-unknown-fields"] === true;
  for (const k of Object.keys(v)) {
    if (resourceRoot && RESOURCE_META.includes(k)) {
      if (k !== "metadata" && Object.hasOwn(props, k)) {
        walk(v[k], props[k], `${path}.${k}`, false, dropped);
      }
      continue;
    }
    if (Object.hasOwn(props, k)) walk(v[k], props[k], `${path}.${k}`, embedded(props[k]), dropped);
    else if (additional) walk(v[k], additional, `${path}.${k}`, embedded(additional), dropped);
    else if (!preserve) {
      delete v[k];
      dropped.push(`${path}.${k}`);
    }
  }
}

function embedded(s: JSONSchemaProps): boolean {
  return s["x-kubernetes-embedded-resource"] === true;
}

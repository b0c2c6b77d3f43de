/**
 * The smallest `Reflect` metadata shim that `@peculiar/x509` needs.
 *
 * `@peculiar/x509` registers its algorithm providers through `tsyringe`, which refuses to load
 * unless `Reflect.getMetadata` exists. The library emits no `design:*` metadata, so a per-object
 * map is all it uses. An already installed polyfill (e.g. `reflect-metadata`) is left alone.
 *
 * @module
 */

type Key = unknown;
type MetadataReflect = typeof Reflect & {
  defineMetadata?: (key: Key, value: unknown, target: object, property?: PropertyKey) => void;
  getMetadata?: (key: Key, target: object, property?: PropertyKey) => unknown;
  getOwnMetadata?: (key: Key, target: object, property?: PropertyKey) => unknown;
  hasMetadata?: (key: Key, target: object, property?: PropertyKey) => boolean;
};

const reflect = Reflect as MetadataReflect;

if (typeof reflect.getMetadata !== "function") {
  const store = new WeakMap<object, Map<PropertyKey | undefined, Map<Key, unknown>>>();
  const own = (target: object, property: PropertyKey | undefined, create: boolean) => {
    let byProperty = store.get(target);
    if (!byProperty && create) store.set(target, byProperty = new Map());
    let values = byProperty?.get(property);
    if (!values && create && byProperty) byProperty.set(property, values = new Map());
    return values;
  };
  const lookup = (key: Key, target: object, property?: PropertyKey): unknown => {
    for (let o: object | null = target; o; o = Object.getPrototypeOf(o)) {
      const values = own(o, property, false);
      if (values?.has(key)) return values.get(key);
    }
    return undefined;
  };
  reflect.defineMetadata = (key, value, target, property) => {
    own(target, property, true)!.set(key, value);
  };
  reflect.getOwnMetadata = (key, target, property) => own(target, property, false)?.get(key);
  reflect.getMetadata = lookup;
  reflect.hasMetadata = (key, target, property) => lookup(key, target, property) !== undefined;
}

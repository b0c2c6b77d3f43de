/**
 * Shared object shapes (`TypeMeta`, `ObjectMeta`, `ListMeta`, `OwnerReference`), the wire formats of
 * `metav1.Time` and `metav1.MicroTime`, and fast structural helpers for JSON values.
 *
 * Objects stay loose (`Record<string, unknown>`) apart from `metadata`, so one generic store can
 * carry every kind without a type per resource.
 *
 * @module
 */

/** Any value `JSON.parse` can produce. */
export type JsonValue =
  | null
  | boolean
  | number
  | string
  | JsonValue[]
  | { [key: string]: JsonValue };

/** `apiVersion` and `kind`, as every object and list carries them. */
export interface TypeMeta {
  apiVersion?: string;
  kind?: string;
}

/** `metadata.ownerReferences[]`. */
export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

/** `metadata.managedFields[]`. */
export interface ManagedFieldsEntry {
  manager?: string;
  operation?: "Apply" | "Update";
  apiVersion?: string;
  time?: string;
  fieldsType?: string;
  fieldsV1?: Record<string, unknown>;
  subresource?: string;
}

/** `metav1.ObjectMeta`, as it appears on the wire. */
export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  selfLink?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string | null;
  deletionTimestamp?: string | null;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  finalizers?: string[];
  managedFields?: ManagedFieldsEntry[];
}

/** `metav1.ListMeta`. */
export interface ListMeta {
  selfLink?: string;
  resourceVersion?: string;
  continue?: string;
  remainingItemCount?: number;
}

/** Any Kubernetes object: type meta, typed `metadata`, everything else loose. */
export interface KubeObject extends TypeMeta {
  metadata: ObjectMeta;
  [field: string]: unknown;
}

/** A `FooList`. */
export interface KubeList<T extends KubeObject = KubeObject> extends TypeMeta {
  metadata: ListMeta;
  items: T[];
}

/**
 * Formats a `metav1.Time`: RFC 3339 in UTC with whole seconds, e.g. `2026-11-26T15:20:16Z`.
 */
export function formatTime(date: Date | number = Date.now()): string {
  const iso = new Date(date).toISOString();
  // toISOString is always `YYYY-MM-DDTHH:mm:ss.sssZ` for four-digit years.
  return iso.length === 24 ? iso.slice(0, 19) + "Z" : iso.replace(/\.\d{3}Z$/, "Z");
}

/**
 * Formats a `metav1.MicroTime`: RFC 3339 in UTC with six fraction digits, e.g.
 * `2026-11-26T15:20:16.123000Z`. JavaScript dates carry milliseconds, so the last three digits
 * are zero unless `micros` (0..999) is given.
 */
export function formatMicroTime(date: Date | number = Date.now(), micros = 0): string {
  const iso = new Date(date).toISOString();
  const us = String(Math.trunc(micros) % 1000).padStart(3, "0");
  return iso.slice(0, -1) + us + "Z";
}

const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/** Parses an RFC 3339 timestamp (`metav1.Time` or `MicroTime`); `undefined` when malformed. */
export function parseTime(text: string): Date | undefined {
  if (!RFC3339.test(text)) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : new Date(ms);
}

/**
 * Structural equality of JSON values: objects compare by keys regardless of order, arrays by
 * position. `undefined`-valued keys count as absent, as they would after `JSON.stringify`.
 */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) {
    return false;
  }
  const aArray = Array.isArray(a);
  if (aArray !== Array.isArray(b)) return false;
  if (aArray) {
    const x = a as unknown[];
    const y = b as unknown[];
    if (x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) {
      if (!deepEqual(x[i], y[i])) return false;
    }
    return true;
  }
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  let countX = 0;
  for (const key in x) {
    const v = x[key];
    if (v === undefined) continue;
    countX++;
    if (!Object.hasOwn(y, key) || !deepEqual(v, y[key])) return false;
  }
  let countY = 0;
  for (const key in y) {
    if (y[key] !== undefined) countY++;
  }
  return countX === countY;
}

/**
 * Deep copy of a JSON value. Plain recursion beats `structuredClone` and a JSON round trip for
 * the small, wide objects Kubernetes stores. `undefined`-valued keys are dropped.
 */
export function deepClone<T>(value: T): T {
  if (typeof value !== "object" || value === null) return value;
  if (Array.isArray(value)) {
    const n = value.length;
    const out = new Array(n);
    for (let i = 0; i < n; i++) out[i] = deepClone(value[i]);
    return out as T;
  }
  const src = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const key in src) {
    const v = src[key];
    if (v === undefined) continue;
    const copy = typeof v === "object" && v !== null ? deepClone(v) : v;
    if (key === "__proto__") setOwn(out, key, copy);
    else out[key] = copy;
  }
  return out as T;
}

/** Defines an own enumerable property, even for `__proto__` (which plain assignment would not). */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}

/** True for a plain JSON object (not an array, not null). */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

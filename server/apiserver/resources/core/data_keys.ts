/**
 * Shared rules of ConfigMap and Secret data: config-key syntax, base64 values, size limits and
 * the `immutable` flag.
 *
 * @module
 */
import { badRequest, type FieldError } from "../../../../kube/errors.ts";
import { deepEqual, type KubeObject } from "../../../../kube/meta.ts";
import { regexError } from "../../../../kube/labels_validation.ts";
import { forbiddenField, invalidField, obj } from "./util.ts";

const CONFIG_KEY_FMT = "[-._a-zA-Z0-9]+";
const CONFIG_KEY_RE = new RegExp(`^${CONFIG_KEY_FMT}$`);

/** 1 MiB: the most a ConfigMap or Secret may hold. */
export const MAX_DATA_SIZE = 1024 * 1024;

/** Upstream's `IsConfigMapKey` messages. */
export function configKeyErrors(key: string): string[] {
  const errs: string[] = [];
  if (key.length > 253) errs.push("must be no more than 253 characters");
  if (!CONFIG_KEY_RE.test(key)) {
    errs.push(
      regexError(
        "a valid config key must consist of alphanumeric characters, '-', '_' or '.'",
        CONFIG_KEY_FMT,
        "key.name",
        "KEY_NAME",
        "key-name",
      ),
    );
  }
  if (key === ".") errs.push("must not be '.'");
  else if (key === "..") errs.push("must not be '..'");
  else if (key.startsWith("..")) errs.push("must not start with '..'");
  return errs;
}

/** Field errors for every key of a data map at `path` (`data[key]`). */
export function validateKeys(map: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const key of Object.keys(obj(map) ?? {})) {
    for (const d of configKeyErrors(key)) errs.push(invalidField(`${path}[${key}]`, key, d));
  }
  return errs;
}

/** The byte offset Go's base64 decoder reports for malformed input, or -1 when valid. */
export function base64ErrorOffset(s: string): number {
  for (let i = 0; i < s.length; i++) {
    if (!/[A-Za-z0-9+/=]/.test(s[i])) return i;
  }
  const pad = s.indexOf("=");
  if (pad >= 0) {
    if (pad % 4 < 2) return pad;
    const end = pad + (4 - (pad % 4));
    if (!/^=+$/.test(s.slice(pad, end)) || end > s.length) return pad;
    if (end < s.length) return end;
    return -1;
  }
  return s.length % 4 === 0 ? -1 : Math.floor(s.length / 4) * 4;
}

/** Decoded size in bytes of a valid base64 string. */
export function base64Size(s: string): number {
  const pad = s.endsWith("==") ? 2 : s.endsWith("=") ? 1 : 0;
  return (s.length / 4) * 3 - pad;
}

/**
 * Throws upstream's 400 decode error when a value of a `[]byte` map is not base64 (the request
 * body cannot be decoded as the kind at all, so this is not a field error).
 */
export function requireBase64(o: KubeObject, key: string, kind: string): void {
  for (const v of Object.values(obj(o[key]) ?? {})) {
    const offset = typeof v === "string" ? base64ErrorOffset(v) : 0;
    if (offset >= 0) {
      throw badRequest(
        `${kind} in version "v1" cannot be handled as a ${kind}: illegal base64 data at input byte ${offset}`,
      );
    }
  }
}

/** Errors for changes to an object that was created with `immutable: true`. */
export function immutableErrors(o: KubeObject, old: KubeObject, keys: string[]): FieldError[] {
  if (old.immutable !== true) return [];
  const errs: FieldError[] = [];
  const msg = "field is immutable when `immutable` is set";
  if (o.immutable !== true) errs.push(forbiddenField("immutable", msg));
  for (const key of keys) {
    if (!deepEqual(o[key] ?? {}, old[key] ?? {})) errs.push(forbiddenField(key, msg));
  }
  return errs;
}

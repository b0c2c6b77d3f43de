/**
 * RFC 6902 JSON Patch, as the API server applies `application/json-patch+json`.
 *
 * Behaviour follows the library upstream uses (evanphx/json-patch v4), including its leniencies
 * that clients rely on: `replace` of a missing object member adds it, array indexes may be
 * negative (counting from the end), a missing `value` means `null`, and `test` treats a missing
 * member and `null` alike. Error texts are upstream's.
 *
 * @module
 */

import { badRequest, StatusError, tooLarge } from "../errors.ts";
import { deepClone, deepEqual, setOwn } from "../meta.ts";

/** One operation of a JSON Patch document. */
export interface JsonPatchOperation {
  op: string;
  path?: string;
  from?: string;
  value?: unknown;
}

/** Upstream's limit on operations per patch. */
export const MAX_JSON_PATCH_OPERATIONS = 10000;

type Container = Record<string, unknown> | unknown[];

/** A patch that decoded but does not apply: 422, as upstream reports it. */
export function patchFailed(message: string): StatusError {
  return new StatusError(422, "Invalid", message);
}

function goType(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  return typeof v === "boolean" ? "bool" : typeof v;
}

/**
 * Checks that `body` (parsed JSON) is a list of operations. Throws 400 for a malformed patch and
 * 413 for one with more than 10000 operations.
 */
export function decodeJsonPatch(body: unknown): JsonPatchOperation[] {
  if (!Array.isArray(body)) {
    throw badRequest(
      `json: cannot unmarshal ${goType(body)} into Go value of type jsonpatch.Patch`,
    );
  }
  for (const op of body) {
    if (typeof op !== "object" || op === null || Array.isArray(op)) {
      throw badRequest(
        `json: cannot unmarshal ${goType(op)} into Go value of type jsonpatch.Operation`,
      );
    }
  }
  if (body.length > MAX_JSON_PATCH_OPERATIONS) {
    throw tooLarge(
      `The allowed maximum operations in a JSON patch is ${MAX_JSON_PATCH_OPERATIONS}, got ${body.length}`,
    );
  }
  return body as JsonPatchOperation[];
}

/** Decodes one JSON Pointer reference token (`~1` is `/`, `~0` is `~`). */
export function unescapePointerToken(token: string): string {
  return token.includes("~") ? token.replace(/~[01]/g, (m) => (m === "~1" ? "/" : "~")) : token;
}

/** Encodes a member name as a JSON Pointer reference token. */
export function escapePointerToken(name: string): string {
  return name.replace(/~/g, "~0").replace(/\//g, "~1");
}

/** Go's `strconv.Atoi`; the error text is Go's. */
function atoi(key: string): number {
  if (/^[+-]?[0-9]+$/.test(key)) {
    const n = Number(key);
    if (Number.isSafeInteger(n)) return n;
    throw new Error(`strconv.Atoi: parsing ${JSON.stringify(key)}: value out of range`);
  }
  throw new Error(`strconv.Atoi: parsing ${JSON.stringify(key)}: invalid syntax`);
}

function invalidIndex(idx: number): Error {
  return new Error(`Unable to access invalid index: ${idx}: invalid index referenced`);
}

/** Resolves a negative index against `length`; throws when out of range. */
function resolveIndex(idx: number, length: number): number {
  if (idx < 0) {
    if (idx < -length) throw invalidIndex(idx);
    return idx + length;
  }
  return idx;
}

function get(c: Container, key: string): unknown {
  if (!Array.isArray(c)) return Object.hasOwn(c, key) ? c[key] : undefined;
  const idx = resolveIndex(atoi(key), c.length);
  if (idx >= c.length) throw invalidIndex(idx);
  return c[idx];
}

function add(c: Container, key: string, value: unknown): void {
  if (!Array.isArray(c)) {
    setOwn(c, key, value);
    return;
  }
  if (key === "-") {
    c.push(value);
    return;
  }
  let idx: number;
  try {
    idx = atoi(key);
  } catch (e) {
    throw new Error(`value was not a proper array index: '${key}': ${(e as Error).message}`);
  }
  if (idx >= c.length + 1) throw invalidIndex(idx);
  c.splice(resolveIndex(idx, c.length + 1), 0, value);
}

function remove(c: Container, key: string): void {
  if (!Array.isArray(c)) {
    if (!Object.hasOwn(c, key)) {
      throw new Error(`Unable to remove nonexistent key: ${key}: missing value`);
    }
    delete c[key];
    return;
  }
  const idx = atoi(key);
  if (idx >= c.length) throw invalidIndex(idx);
  c.splice(resolveIndex(idx, c.length), 1);
}

function isContainer(v: unknown): v is Container {
  return typeof v === "object" && v !== null;
}

/** The container holding the pointer's last token, and that token; undefined if unreachable. */
function findParent(doc: Container, path: string): [Container, string] | undefined {
  if (!path.startsWith("/")) return undefined;
  const parts = path.split("/");
  let cur: Container = doc;
  for (let i = 1; i < parts.length - 1; i++) {
    let next: unknown;
    try {
      next = get(cur, unescapePointerToken(parts[i]));
    } catch {
      return undefined;
    }
    if (!isContainer(next)) return undefined;
    cur = next;
  }
  return [cur, unescapePointerToken(parts[parts.length - 1])];
}

function field(op: JsonPatchOperation, name: "path" | "from", kind: string): string {
  const v = op[name];
  if (typeof v === "string") return v;
  const what = name === "path" ? "path" : "from";
  throw new Error(`${kind} operation failed to decode ${what}: missing value`);
}

function valueOf(op: JsonPatchOperation): unknown {
  return op.value === undefined ? null : deepClone(op.value);
}

function apply(doc: Container, op: JsonPatchOperation): Container {
  const kind = typeof op.op === "string" ? op.op : "unknown";
  switch (kind) {
    case "add": {
      const path = field(op, "path", kind);
      const target = findParent(doc, path);
      if (!target) {
        throw new Error(
          `add operation does not apply: doc is missing path: "${path}": missing value`,
        );
      }
      wrap(`error in add for path: '${path}'`, () => add(target[0], target[1], valueOf(op)));
      return doc;
    }
    case "remove": {
      const path = field(op, "path", kind);
      const target = findParent(doc, path);
      if (!target) {
        throw new Error(
          `remove operation does not apply: doc is missing path: "${path}": missing value`,
        );
      }
      wrap(`error in remove for path: '${path}'`, () => remove(target[0], target[1]));
      return doc;
    }
    case "replace": {
      const path = field(op, "path", kind);
      if (path === "") {
        const v = valueOf(op);
        if (!isContainer(v)) throw new Error("replace operation value must be object or array");
        return v;
      }
      const target = findParent(doc, path);
      if (!target) {
        throw new Error(
          `replace operation does not apply: doc is missing path: ${path}: missing value`,
        );
      }
      const [c, key] = target;
      try {
        get(c, key);
      } catch {
        throw new Error(
          `replace operation does not apply: doc is missing key: ${path}: missing value`,
        );
      }
      if (Array.isArray(c)) c[resolveIndex(atoi(key), c.length)] = valueOf(op);
      else setOwn(c, key, valueOf(op));
      return doc;
    }
    case "move": {
      const from = field(op, "from", kind);
      const source = findParent(doc, from);
      if (!source) {
        throw new Error(
          `move operation does not apply: doc is missing from path: ${from}: missing value`,
        );
      }
      const [sc, skey] = source;
      const value = wrap(`error in move for path: '${skey}'`, () => {
        const v = get(sc, skey);
        remove(sc, skey);
        return v === undefined ? null : v;
      });
      const path = field(op, "path", kind);
      const target = findParent(doc, path);
      if (!target) {
        throw new Error(
          `move operation does not apply: doc is missing destination path: ${path}: missing value`,
        );
      }
      wrap(`error in move for path: '${path}'`, () => add(target[0], target[1], value));
      return doc;
    }
    case "copy": {
      const from = field(op, "from", kind);
      const source = findParent(doc, from);
      if (!source) {
        throw new Error(
          `copy operation does not apply: doc is missing from path: ${from}: missing value`,
        );
      }
      const value = wrap(`error in copy for from: '${from}'`, () => get(source[0], source[1]));
      const path = field(op, "path", kind);
      const target = findParent(doc, path);
      if (!target) {
        throw new Error(
          `copy operation does not apply: doc is missing destination path: ${path}: missing value`,
        );
      }
      const copy = value === undefined ? null : deepClone(value);
      wrap("error while adding value during copy", () => add(target[0], target[1], copy));
      return doc;
    }
    case "test": {
      const path = field(op, "path", kind);
      const want = op.value ?? null;
      let have: unknown = doc;
      if (path !== "") {
        const target = findParent(doc, path);
        if (!target) {
          throw new Error(`test operation does not apply: is missing path: ${path}: missing value`);
        }
        have = wrap(`error in test for path: '${path}'`, () => get(target[0], target[1])) ?? null;
      }
      if (!deepEqual(have, want)) throw new Error(`testing value ${path} failed: test failed`);
      return doc;
    }
    default:
      throw new Error(`Unexpected kind: ${kind}`);
  }
}

function wrap<T>(prefix: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw new Error(`${prefix}: ${(e as Error).message}`);
  }
}

/**
 * Applies a JSON Patch to a JSON document and returns the patched copy; `doc` is not modified.
 * Throws 400/413 for a malformed patch (see `decodeJsonPatch`) and 422 when an operation does
 * not apply.
 */
export function applyJsonPatch(doc: unknown, patch: unknown): unknown {
  const ops = decodeJsonPatch(patch);
  if (!isContainer(doc)) throw badRequest("Invalid JSON Document");
  let out: Container = deepClone(doc as Container);
  for (const op of ops) {
    try {
      out = apply(out, op);
    } catch (e) {
      throw patchFailed((e as Error).message);
    }
  }
  return out;
}

/**
 * Kubernetes protobuf → the JSON form Kubernetes uses for the same object.
 *
 * Fields Go always writes (empty strings, zeros) are dropped again where the JSON tag has
 * `omitempty`, so a decoded object matches what `encoding/json` would print for it; repeated,
 * map and pointer fields absent from the bytes are absent from the result (Go would print `null`
 * for a nil slice without `omitempty`).
 *
 * @module
 */

import { badRequest, StatusError } from "../errors.ts";
import { type Field, type Message, schema, type Special, wireOf } from "./schema.ts";
import { formatDuration, formatTime, toBase64 } from "./text.ts";
import { malformed, Reader, WIRE_BYTES } from "./wire.ts";

/** The 4-byte prefix of every Kubernetes protobuf body: `k8s\0`. */
export const KUBE_PROTOBUF_MAGIC: Uint8Array = new Uint8Array([0x6b, 0x38, 0x73, 0x00]);

/** The scheme name upstream's "no kind is registered" errors carry. */
const SCHEME_NAME = "pkg/api/legacyscheme/scheme.go:30";

/** Nesting beyond this is rejected rather than risking the stack. */
const MAX_DEPTH = 500;

/** The error for an apiVersion + kind no table entry matches, in upstream's words. */
export function notRegistered(apiVersion: string, kind: string): StatusError {
  return badRequest(
    `no kind "${kind}" is registered for version "${apiVersion}" in scheme "${SCHEME_NAME}"`,
  );
}

/** True when `bytes` starts with the Kubernetes protobuf prefix. */
export function hasKubeProtobufMagic(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x6b && bytes[1] === 0x38 && bytes[2] === 0x73 &&
    bytes[3] === 0x00;
}

/**
 * Decodes a Kubernetes protobuf body (`application/vnd.kubernetes.protobuf`) into its JSON
 * form, with `kind` and `apiVersion` taken from the envelope. Throws a 400 `StatusError` for a
 * malformed body or an unregistered kind.
 */
export function decodeKubeProtobuf(bytes: Uint8Array): Record<string, unknown> {
  try {
    return decodeEnvelope(bytes, 0);
  } catch (e) {
    if (e instanceof StatusError) throw e;
    throw malformed(e instanceof Error ? e.message : String(e));
  }
}

function decodeEnvelope(bytes: Uint8Array, depth: number): Record<string, unknown> {
  if (!hasKubeProtobufMagic(bytes)) {
    throw malformed('the body does not start with the Kubernetes protobuf prefix "k8s\\x00"');
  }
  const envelope = rawFields(schema.message("runtime.Unknown"), new Reader(bytes, 4), depth);
  const typeMeta = (envelope[1] ?? {}) as { apiVersion?: string; kind?: string };
  const apiVersion = typeMeta.apiVersion ?? "";
  const kind = typeMeta.kind ?? "";
  const encoding = envelope[3] as string | undefined;
  if (encoding) throw malformed(`content encoding "${encoding}" is not supported`);
  const contentType = envelope[4] as string | undefined;
  if (contentType && contentType !== "application/vnd.kubernetes.protobuf") {
    throw malformed(`embedded content type "${contentType}" is not supported`);
  }
  if (!kind) throw malformed("Object 'Kind' is missing in the protobuf envelope");
  const msg = schema.kind(apiVersion, kind);
  if (!msg) throw notRegistered(apiVersion, kind);
  const raw = (envelope[2] as Uint8Array | undefined) ?? new Uint8Array(0);
  const out: Record<string, unknown> = { kind, apiVersion };
  decodeInto(msg, new Reader(raw), raw.length, out, depth + 1);
  return out;
}

function readScalar(r: Reader, code: string, rawBytes: boolean): unknown {
  switch (code) {
    case "s":
      return r.string();
    case "y":
      return rawBytes ? r.bytes() : toBase64(r.bytes());
    case "b":
      return r.bool();
    case "i":
      return r.int32();
    case "l":
      return r.int64();
    case "u":
      r.varint64();
      return r.lo;
    case "w":
      return r.uint64();
    case "d":
      return r.fixed64Double();
    default:
      return r.fixed32Float();
  }
}

function wrongWire(msg: Message, f: Field, wireType: number): StatusError {
  return malformed(`field ${msg.name}.${f.json || f.type} (${f.no}) has wire type ${wireType}`);
}

/** Reads a packed run of scalars (`repeated` numeric fields may arrive either way). */
function readPacked(r: Reader, code: string, list: unknown[], rawBytes: boolean): void {
  const end = r.delimited();
  const outer = r.end;
  r.end = end;
  while (r.pos < end) list.push(readScalar(r, code, rawBytes));
  r.end = outer;
}

function isZero(v: unknown): boolean {
  return v === "" || v === 0 || v === false;
}

/** Decodes the fields in `[r.pos, end)` of a plain message into `out`. */
function decodeInto(
  msg: Message,
  r: Reader,
  end: number,
  out: Record<string, unknown>,
  depth: number,
): void {
  if (depth > MAX_DEPTH) throw malformed(`nesting deeper than ${MAX_DEPTH} levels`);
  const outer = r.end;
  r.end = end;
  while (r.pos < end) {
    const tag = r.varint32();
    const no = tag >>> 3;
    const wireType = tag & 7;
    const f = msg.byNo[no];
    if (f === undefined) {
      if (no === 0) throw malformed(`field number 0 in ${msg.name}`);
      r.skip(wireType);
      continue;
    }
    if (f.mapKey !== undefined) {
      if (wireType !== WIRE_BYTES) throw wrongWire(msg, f, wireType);
      const map = (out[f.json] ??= {}) as Record<string, unknown>;
      decodeMapEntry(msg, f, r, map, depth);
    } else if (f.scalar !== undefined) {
      if (wireType === f.wire) {
        const v = readScalar(r, f.scalar, false);
        if (f.repeated) ((out[f.json] ??= []) as unknown[]).push(v);
        else if (f.omitZero && isZero(v)) delete out[f.json];
        else out[f.json] = v;
      } else if (f.repeated && wireType === WIRE_BYTES) {
        readPacked(r, f.scalar, (out[f.json] ??= []) as unknown[], false);
      } else {
        throw wrongWire(msg, f, wireType);
      }
    } else {
      if (wireType !== WIRE_BYTES) throw wrongWire(msg, f, wireType);
      const subEnd = r.delimited();
      const sub = schema.message(f.type!);
      if (f.inline) {
        decodeInto(sub, r, subEnd, out, depth + 1);
      } else if (f.repeated) {
        const v = decodeValue(sub, r, subEnd, depth + 1);
        ((out[f.json] ??= []) as unknown[]).push(v ?? null);
      } else {
        const prev = out[f.json];
        if (sub.special === undefined && prev !== null && typeof prev === "object") {
          // A repeated occurrence of a message field merges into the first, as in Go.
          decodeInto(sub, r, subEnd, prev as Record<string, unknown>, depth + 1);
        } else {
          const v = decodeValue(sub, r, subEnd, depth + 1);
          if (v === undefined) delete out[f.json];
          else out[f.json] = v;
        }
      }
      r.pos = subEnd;
    }
  }
  r.end = outer;
}

function decodeMapEntry(
  msg: Message,
  f: Field,
  r: Reader,
  map: Record<string, unknown>,
  depth: number,
): void {
  const end = r.delimited();
  const outer = r.end;
  r.end = end;
  let key: unknown = f.mapKey === "s" ? "" : 0;
  let value: unknown;
  let seen = false;
  while (r.pos < end) {
    const tag = r.varint32();
    const no = tag >>> 3;
    const wireType = tag & 7;
    if (no === 1) {
      if (wireType !== wireOf(f.mapKey!)) throw wrongWire(msg, f, wireType);
      key = readScalar(r, f.mapKey!, false);
    } else if (no === 2) {
      seen = true;
      if (f.scalar !== undefined) {
        if (wireType !== wireOf(f.scalar)) throw wrongWire(msg, f, wireType);
        value = readScalar(r, f.scalar, false);
      } else {
        if (wireType !== WIRE_BYTES) throw wrongWire(msg, f, wireType);
        const subEnd = r.delimited();
        value = decodeValue(schema.message(f.type!), r, subEnd, depth + 1);
        r.pos = subEnd;
      }
    } else {
      r.skip(wireType);
    }
  }
  if (!seen) {
    // A missing value is the zero value of its type, as Go reads it.
    value = f.scalar === undefined
      ? decodeValue(schema.message(f.type!), r, r.pos, depth + 1)
      : f.scalar === "s" || f.scalar === "y"
      ? ""
      : f.scalar === "b"
      ? false
      : 0;
  }
  r.end = outer;
  if (value !== undefined) map[String(key)] = value;
}

/** Decodes one message value in `[r.pos, end)`; undefined means "omit" (a zero `Time`). */
function decodeValue(msg: Message, r: Reader, end: number, depth: number): unknown {
  if (msg.special !== undefined) {
    const empty = r.pos === end;
    const outer = r.end;
    r.end = end;
    const v = rawFields(msg, r, depth);
    r.end = outer;
    return special(msg.special, v, empty, depth);
  }
  const out: Record<string, unknown> = {};
  decodeInto(msg, r, end, out, depth);
  return out;
}

/**
 * Reads a message's fields in `[r.pos, r.end)` into an array indexed by field number, bytes as
 * `Uint8Array`; for the special messages, whose JSON form is computed from the whole.
 */
function rawFields(msg: Message, r: Reader, depth: number): unknown[] {
  if (depth > MAX_DEPTH) throw malformed(`nesting deeper than ${MAX_DEPTH} levels`);
  const vals: unknown[] = [];
  const end = r.end;
  while (r.pos < end) {
    const tag = r.varint32();
    const no = tag >>> 3;
    const wireType = tag & 7;
    const f = msg.byNo[no];
    if (f === undefined) {
      r.skip(wireType);
      continue;
    }
    let v: unknown;
    if (wireType === f.wire) {
      if (f.scalar !== undefined) {
        v = readScalar(r, f.scalar, true);
      } else {
        const subEnd = r.delimited();
        v = decodeValue(schema.message(f.type!), r, subEnd, depth + 1);
        r.pos = subEnd;
      }
    } else if (f.repeated && f.scalar !== undefined && wireType === WIRE_BYTES) {
      readPacked(r, f.scalar, (vals[no] ??= []) as unknown[], true);
      continue;
    } else {
      throw wrongWire(msg, f, wireType);
    }
    if (f.repeated) ((vals[no] ??= []) as unknown[]).push(v);
    else vals[no] = v;
  }
  return vals;
}

const utf8 = new TextDecoder();

/** An embedded object (`RawExtension`, `FieldsV1`, `JSON`): JSON text, or nested protobuf. */
function embedded(bytes: Uint8Array | undefined, what: string, depth: number): unknown {
  if (bytes === undefined || bytes.length === 0) return undefined;
  if (hasKubeProtobufMagic(bytes)) return decodeEnvelope(bytes, depth + 1);
  try {
    return JSON.parse(utf8.decode(bytes));
  } catch {
    throw malformed(`${what} does not hold valid JSON`);
  }
}

function special(kind: Special, v: unknown[], empty: boolean, depth: number): unknown {
  switch (kind) {
    case "time":
    case "microTime":
      // Go writes a zero Time as an empty message; its JSON is null, which we omit.
      if (empty) return undefined;
      return formatTime(Number(v[1] ?? 0), Number(v[2] ?? 0), kind === "microTime");
    case "duration":
      return formatDuration(Number(v[1] ?? 0));
    case "quantity":
      return (v[1] as string | undefined) || "0";
    case "intOrString":
      return v[1] === 1 ? (v[3] ?? "") : (v[2] ?? 0);
    case "rawExtension":
      return embedded(v[1] as Uint8Array | undefined, "a RawExtension", depth);
    case "fieldsV1":
      return embedded(v[1] as Uint8Array | undefined, "a FieldsV1", depth);
    case "json":
      return embedded(v[1] as Uint8Array | undefined, "a JSON value", depth);
    case "propsOrArray":
      return (v[2] as unknown[] | undefined)?.length ? v[2] : v[1];
    case "propsOrBool":
      return v[2] ?? v[1] === true;
    case "propsOrStringArray":
      return (v[2] as unknown[] | undefined)?.length ? v[2] : v[1];
    case "array":
      return v[1] ?? [];
  }
}

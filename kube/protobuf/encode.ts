/**
 * JSON form → Kubernetes protobuf, writing what Go's generated marshallers write: fields in
 * number order, every non-pointer field even when empty, map entries sorted by key. A body
 * kubectl sent decodes and re-encodes to the same bytes.
 *
 * @module
 */

import { badRequest, type StatusError } from "../errors.ts";
import { KUBE_PROTOBUF_MAGIC, notRegistered } from "./decode.ts";
import { type Field, type Message, type Scalar, schema, type Special } from "./schema.ts";
import { fromBase64, parseDuration, parseTime } from "./text.ts";
import { WIRE_BYTES, WIRE_FIXED32, WIRE_FIXED64, WIRE_VARINT, Writer } from "./wire.ts";

function invalid(where: string, detail: string): StatusError {
  return badRequest(`Cannot encode ${where} as protobuf: ${detail}`);
}

/**
 * Encodes an object with `apiVersion` and `kind` of a built-in type as a Kubernetes protobuf
 * body (`k8s\0` + `runtime.Unknown`). Fields the type does not have are dropped.
 */
export function encodeKubeProtobuf(obj: Record<string, unknown>): Uint8Array {
  const w = new Writer();
  w.raw(KUBE_PROTOBUF_MAGIC);
  writeEnvelope(w, obj);
  return w.finish();
}

function writeEnvelope(w: Writer, obj: Record<string, unknown>): void {
  const { apiVersion, kind } = obj;
  if (typeof apiVersion !== "string" || typeof kind !== "string" || !kind) {
    throw badRequest("Cannot encode an object as protobuf: it has no apiVersion and kind");
  }
  const msg = schema.kind(apiVersion, kind);
  if (!msg) throw notRegistered(apiVersion, kind);
  w.tag(1, WIRE_BYTES);
  const typeMeta = w.begin();
  w.tag(1, WIRE_BYTES);
  w.string(apiVersion);
  w.tag(2, WIRE_BYTES);
  w.string(kind);
  w.end(typeMeta);
  w.tag(2, WIRE_BYTES);
  const raw = w.begin();
  writeFields(w, msg, obj);
  w.end(raw);
  // contentEncoding and contentType: empty, but written, as Go does.
  w.tag(3, WIRE_BYTES);
  w.varint(0);
  w.tag(4, WIRE_BYTES);
  w.varint(0);
}

function writeFields(w: Writer, msg: Message, obj: Record<string, unknown>): void {
  for (const f of msg.fields) {
    const v = f.inline ? obj : obj[f.json];
    if (v === undefined || v === null) {
      if (f.always) writeZero(w, msg, f);
    } else if (f.mapKey !== undefined) {
      writeMap(w, msg, f, v);
    } else if (f.repeated) {
      if (!Array.isArray(v)) throw invalid(`${msg.name}.${f.json}`, "expected an array");
      for (const e of v) writeOne(w, msg, f, f.no, e);
    } else {
      writeOne(w, msg, f, f.no, v);
    }
  }
}

function writeMap(w: Writer, msg: Message, f: Field, v: unknown): void {
  if (typeof v !== "object" || Array.isArray(v)) {
    throw invalid(`${msg.name}.${f.json}`, "expected an object");
  }
  const map = v as Record<string, unknown>;
  for (const key of Object.keys(map).sort()) {
    w.tag(f.no, WIRE_BYTES);
    const entry = w.begin();
    writeScalar(w, msg, f, 1, f.mapKey!, f.mapKey === "s" ? key : Number(key));
    const value = map[key];
    if (value === undefined || value === null) {
      writeZero(w, msg, { ...f, no: 2 });
    } else {
      writeOne(w, msg, f, 2, value);
    }
    w.end(entry);
  }
}

/** Writes one value of field `f` under number `no` (a map entry's value is number 2). */
function writeOne(w: Writer, msg: Message, f: Field, no: number, v: unknown): void {
  if (f.scalar !== undefined) return writeScalar(w, msg, f, no, f.scalar, v);
  const sub = schema.message(f.type!);
  w.tag(no, WIRE_BYTES);
  const start = w.begin();
  writeMessage(w, sub, v);
  w.end(start);
}

/** The zero value Go writes for a non-pointer field that is absent from the JSON. */
function writeZero(w: Writer, msg: Message, f: Field): void {
  if (f.scalar === undefined) {
    w.tag(f.no, WIRE_BYTES);
    const start = w.begin();
    writeMessage(w, schema.message(f.type!), undefined);
    w.end(start);
    return;
  }
  const zero = f.scalar === "s" ? "" : f.scalar === "y" ? "" : f.scalar === "b" ? false : 0;
  writeScalar(w, msg, f, f.no, f.scalar, zero);
}

/** Writes a message's content; `undefined` writes its zero value. */
function writeMessage(w: Writer, msg: Message, v: unknown): void {
  if (msg.special !== undefined) return writeSpecial(w, msg, msg.special, v);
  if (v === undefined) return writeFields(w, msg, {});
  if (typeof v !== "object" || v === null || Array.isArray(v)) {
    throw invalid(msg.name, "expected an object");
  }
  writeFields(w, msg, v as Record<string, unknown>);
}

/** Writes scalar `v` of field `f` of `msg` (named in errors) under number `no`. */
function writeScalar(
  w: Writer,
  msg: Message,
  f: Field,
  no: number,
  code: Scalar,
  v: unknown,
): void {
  const where = () => `${msg.name}.${f.json}`;
  switch (code) {
    case "s":
      if (typeof v !== "string") throw invalid(where(), "expected a string");
      w.tag(no, WIRE_BYTES);
      w.string(v);
      return;
    case "y": {
      const bytes = v instanceof Uint8Array ? v : typeof v === "string" ? fromBase64(v) : undefined;
      if (!bytes) throw invalid(where(), "expected base64 data");
      w.tag(no, WIRE_BYTES);
      w.bytes(bytes);
      return;
    }
    case "b":
      if (typeof v !== "boolean") throw invalid(where(), "expected a boolean");
      w.tag(no, WIRE_VARINT);
      w.varint(v ? 1 : 0);
      return;
    case "d":
    case "f":
      if (typeof v !== "number") throw invalid(where(), "expected a number");
      w.tag(no, code === "d" ? WIRE_FIXED64 : WIRE_FIXED32);
      if (code === "d") w.double(v);
      else w.float(v);
      return;
    default:
      if (typeof v !== "number" || !Number.isSafeInteger(v)) {
        throw invalid(where(), "expected an integer");
      }
      if (code === "i" ? (v | 0) !== v : code === "u" ? v >>> 0 !== v : code === "w" && v < 0) {
        throw invalid(where(), `${v} is out of range`);
      }
      w.tag(no, WIRE_VARINT);
      w.int64(v);
  }
}

const utf8 = new TextEncoder();

function writeSpecial(w: Writer, msg: Message, kind: Special, v: unknown): void {
  switch (kind) {
    case "time":
    case "microTime": {
      if (v === undefined || v === "") return;
      const t = typeof v === "string" ? parseTime(v) : undefined;
      if (!t) throw invalid(msg.name, `expected an RFC 3339 time, got ${JSON.stringify(v)}`);
      w.tag(1, WIRE_VARINT);
      w.int64(t.seconds);
      w.tag(2, WIRE_VARINT);
      // Time keeps whole seconds only; MicroTime keeps microseconds.
      w.int64(kind === "time" ? 0 : t.nanos - t.nanos % 1000);
      return;
    }
    case "duration": {
      const ns = v === undefined ? 0 : typeof v === "string" ? parseDuration(v) : undefined;
      if (ns === undefined) {
        throw invalid(msg.name, `expected a duration, got ${JSON.stringify(v)}`);
      }
      w.tag(1, WIRE_VARINT);
      w.int64(ns);
      return;
    }
    case "quantity": {
      const q = v === undefined ? "0" : typeof v === "number" ? String(v) : v;
      if (typeof q !== "string") throw invalid(msg.name, "expected a quantity string");
      w.tag(1, WIRE_BYTES);
      w.string(q);
      return;
    }
    case "intOrString": {
      const isString = typeof v === "string";
      if (v !== undefined && !isString && (typeof v !== "number" || !Number.isInteger(v))) {
        throw invalid(msg.name, "expected an integer or a string");
      }
      w.tag(1, WIRE_VARINT);
      w.varint(isString ? 1 : 0);
      w.tag(2, WIRE_VARINT);
      w.int64(isString || v === undefined ? 0 : (v as number) | 0);
      w.tag(3, WIRE_BYTES);
      w.string(isString ? v : "");
      return;
    }
    case "rawExtension":
    case "fieldsV1":
    case "json":
      if (v === undefined) return;
      w.tag(1, WIRE_BYTES);
      w.bytes(utf8.encode(JSON.stringify(v)));
      return;
    case "propsOrArray":
    case "propsOrStringArray":
      // {schema = 1, list = 2}: an array is the list, an object the schema.
      if (Array.isArray(v)) return writeFields(w, msg, byNumber(msg, [2, v]));
      return writeFields(w, msg, byNumber(msg, [1, v]));
    case "propsOrBool":
      // {allows = 1, schema = 2}: a schema object means allows = true.
      if (typeof v === "object" && v !== null) {
        return writeFields(w, msg, byNumber(msg, [1, true], [2, v]));
      }
      return writeFields(w, msg, byNumber(msg, [1, v === true]));
    case "array":
      if (v === undefined) return;
      if (!Array.isArray(v)) throw invalid(msg.name, "expected an array");
      return writeFields(w, msg, byNumber(msg, [1, v]));
  }
}

/** An object holding `values` under the JSON names of the given field numbers. */
function byNumber(msg: Message, ...values: [number, unknown][]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [no, v] of values) out[msg.byNo[no]!.json] = v;
  return out;
}

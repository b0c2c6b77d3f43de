/**
 * Encodes a Swagger 2.0 document as gnostic's `openapi.v2.Document` protobuf, the form client-go
 * asks `/openapi/v2` for (`application/com.github.proto-openapi.spec.v2@v1.0+protobuf`). Only the
 * parts the API server writes are covered: info, paths with operations, parameters and responses,
 * definitions with their schemas, vendor extensions (as YAML text, which JSON is), security.
 * Field numbers are those of gnostic's `openapiv2/OpenAPIv2.proto`.
 *
 * @module
 */

type Json = Record<string, unknown>;

const ENCODER = new TextEncoder();
/** One-byte varints, shared. */
const SMALL = Array.from({ length: 128 }, (_, i) => Uint8Array.of(i));

/** A protobuf message under construction. */
class Writer {
  #chunks: Uint8Array[] = [];
  #size = 0;

  #push(bytes: Uint8Array): void {
    this.#chunks.push(bytes);
    this.#size += bytes.length;
  }

  #varint(n: number): void {
    if (n < 128) return this.#push(SMALL[n]);
    const out: number[] = [];
    while (n > 0x7f) {
      out.push((n & 0x7f) | 0x80);
      n = Math.floor(n / 128);
    }
    out.push(n);
    this.#push(Uint8Array.from(out));
  }

  /** A length-delimited field (string, bytes or message). */
  bytes(field: number, bytes: Uint8Array): this {
    this.#varint((field << 3) | 2);
    this.#varint(bytes.length);
    this.#push(bytes);
    return this;
  }

  string(field: number, value: unknown): this {
    if (typeof value === "string" && value !== "") {
      this.bytes(field, ENCODER.encode(value));
    }
    return this;
  }

  strings(field: number, values: unknown): this {
    if (Array.isArray(values)) {
      for (const v of values) this.bytes(field, ENCODER.encode(String(v)));
    }
    return this;
  }

  bool(field: number, value: unknown): this {
    if (value === true) {
      this.#varint(field << 3);
      this.#varint(1);
    }
    return this;
  }

  int(field: number, value: unknown): this {
    if (typeof value === "number" && Number.isInteger(value) && value > 0) {
      this.#varint(field << 3);
      this.#varint(value);
    }
    return this;
  }

  double(field: number, value: unknown): this {
    if (typeof value === "number") {
      this.#varint((field << 3) | 1);
      const b = new Uint8Array(8);
      new DataView(b.buffer).setFloat64(0, value, true);
      this.#push(b);
    }
    return this;
  }

  message(field: number, w: Writer | null): this {
    if (w) this.bytes(field, w.finish());
    return this;
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.#size);
    let at = 0;
    for (const c of this.#chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }
}

/** `Any { string yaml = 2 }`: the value as YAML text (JSON is YAML). */
function any(value: unknown): Writer {
  return new Writer().string(2, JSON.stringify(value));
}

/** `repeated NamedAny vendor_extension` of an object's `x-` keys. */
function extensions(w: Writer, field: number, obj: Json): Writer {
  for (const [k, v] of Object.entries(obj)) {
    if (k.startsWith("x-")) w.message(field, new Writer().string(1, k).message(2, any(v)));
  }
  return w;
}

function schema(s: Json): Writer {
  const w = new Writer()
    .string(1, s.$ref)
    .string(2, s.format)
    .string(3, s.title)
    .string(4, s.description);
  if (s.default !== undefined) w.message(5, any(s.default));
  w.double(6, s.multipleOf).double(7, s.maximum).bool(8, s.exclusiveMaximum);
  w.double(9, s.minimum).bool(10, s.exclusiveMinimum);
  w.int(11, s.maxLength).int(12, s.minLength).string(13, s.pattern);
  w.int(14, s.maxItems).int(15, s.minItems).bool(16, s.uniqueItems);
  w.int(17, s.maxProperties).int(18, s.minProperties).strings(19, s.required);
  if (Array.isArray(s.enum)) { for (const e of s.enum) w.message(20, any(e)); }
  const ap = s.additionalProperties;
  if (typeof ap === "boolean") w.message(21, new Writer().bool(2, ap));
  else if (ap && typeof ap === "object") w.message(21, new Writer().message(1, schema(ap as Json)));
  if (typeof s.type === "string") w.message(22, new Writer().strings(1, [s.type]));
  else if (Array.isArray(s.type)) w.message(22, new Writer().strings(1, s.type));
  if (s.items && typeof s.items === "object") {
    const items = new Writer();
    for (const i of Array.isArray(s.items) ? s.items : [s.items]) items.message(1, schema(i));
    w.message(23, items);
  }
  if (Array.isArray(s.allOf)) { for (const a of s.allOf) w.message(24, schema(a)); }
  if (s.properties && typeof s.properties === "object") {
    const props = new Writer();
    for (const [name, p] of Object.entries(s.properties as Record<string, Json>)) {
      props.message(1, new Writer().string(1, name).message(2, schema(p)));
    }
    w.message(25, props);
  }
  w.string(26, s.discriminator).bool(27, s.readOnly);
  return extensions(w, 31, s);
}

function parameter(p: Json): Writer {
  if (typeof p.$ref === "string") return new Writer().message(2, new Writer().string(1, p.$ref));
  if (p.in === "body") {
    const body = new Writer()
      .string(1, p.description)
      .string(2, p.name)
      .string(3, p.in)
      .bool(4, p.required);
    if (p.schema) body.message(5, schema(p.schema as Json));
    return new Writer().message(1, new Writer().message(1, extensions(body, 6, p)));
  }
  // Query (3) and path (4) sub-schemas differ by one field (allow_empty_value) before `type`.
  const query = p.in === "query";
  const off = query ? 1 : 0;
  const sub = new Writer()
    .bool(1, p.required)
    .string(2, p.in)
    .string(3, p.description)
    .string(4, p.name);
  if (query) sub.bool(5, p.allowEmptyValue);
  sub.string(5 + off, p.type).string(6 + off, p.format).bool(19 + off, p.uniqueItems);
  extensions(sub, 22 + off, p);
  const nonBody = new Writer().message(query ? 3 : 4, sub);
  return new Writer().message(1, new Writer().message(2, nonBody));
}

function operation(op: Json): Writer {
  const w = new Writer()
    .strings(1, op.tags)
    .string(2, op.summary)
    .string(3, op.description)
    .string(5, op.operationId)
    .strings(6, op.produces)
    .strings(7, op.consumes);
  for (const p of (op.parameters ?? []) as Json[]) w.message(8, parameter(p));
  const responses = new Writer();
  for (const [code, r] of Object.entries((op.responses ?? {}) as Record<string, Json>)) {
    const response = new Writer().string(1, r.description);
    if (r.schema) response.message(2, new Writer().message(1, schema(r.schema as Json)));
    const value = new Writer().message(1, response);
    responses.message(1, new Writer().string(1, code).message(2, value));
  }
  w.message(9, responses).strings(10, op.schemes).bool(11, op.deprecated);
  return extensions(w, 13, op);
}

const METHODS: Record<string, number> = {
  get: 2,
  put: 3,
  post: 4,
  delete: 5,
  options: 6,
  head: 7,
  patch: 8,
};

function pathItem(item: Json): Writer {
  const w = new Writer();
  for (const [method, field] of Object.entries(METHODS)) {
    if (item[method]) w.message(field, operation(item[method] as Json));
  }
  for (const p of (item.parameters ?? []) as Json[]) w.message(9, parameter(p));
  return extensions(w, 10, item);
}

/** The protobuf encoding of a Swagger 2.0 document. */
export function encodeSwaggerProto(doc: Json): Uint8Array {
  const info = (doc.info ?? {}) as Json;
  const w = new Writer()
    .string(1, doc.swagger)
    .message(2, new Writer().string(1, info.title).string(2, info.version));
  const paths = new Writer();
  for (const [path, item] of Object.entries((doc.paths ?? {}) as Record<string, Json>)) {
    paths.message(2, new Writer().string(1, path).message(2, pathItem(item)));
  }
  w.message(8, paths);
  const defs = new Writer();
  for (const [name, s] of Object.entries((doc.definitions ?? {}) as Record<string, Json>)) {
    defs.message(1, new Writer().string(1, name).message(2, schema(s)));
  }
  w.message(9, defs);
  for (const req of (doc.security ?? []) as Record<string, string[]>[]) {
    const r = new Writer();
    for (const [name, scopes] of Object.entries(req)) {
      r.message(1, new Writer().string(1, name).message(2, new Writer().strings(1, scopes)));
    }
    w.message(12, r);
  }
  const secDefs = new Writer();
  for (const [name, d] of Object.entries((doc.securityDefinitions ?? {}) as Record<string, Json>)) {
    if (d.type !== "apiKey") continue;
    const key = new Writer().string(1, d.type).string(2, d.name).string(3, d.in).string(
      4,
      d.description,
    );
    secDefs.message(1, new Writer().string(1, name).message(2, new Writer().message(2, key)));
  }
  w.message(13, secDefs);
  return extensions(w, 16, doc).finish();
}

/**
 * The protobuf wire format: a bounds-checked reader and a growable writer. Every malformed input
 * surfaces as a 400 `StatusError`, never as a `RangeError` or a silent garbage value.
 *
 * @module
 */

import { badRequest, type StatusError } from "../errors.ts";

/** Wire types of the protobuf encoding. */
export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_BYTES = 2;
export const WIRE_FIXED32 = 5;

const TWO_32 = 4294967296;

/** The error every decoding failure is reported as. */
export function malformed(detail: string): StatusError {
  return badRequest(`Cannot decode the protobuf body: ${detail}`);
}

const utf8 = new TextDecoder();
const utf8Encoder = new TextEncoder();

/** Reads fields from `buf[pos, end)`. */
export class Reader {
  pos: number;
  /** The low and high 32 bits of the last `varint64()`. */
  lo = 0;
  hi = 0;

  constructor(readonly buf: Uint8Array, pos = 0, public end = buf.length) {
    this.pos = pos;
  }

  /** A varint of at most 32 significant bits (tags, lengths, int32, enum, bool). */
  varint32(): number {
    const buf = this.buf;
    const pos = this.pos;
    if (pos < this.end && buf[pos] < 0x80) {
      this.pos = pos + 1;
      return buf[pos];
    }
    this.varint64();
    return this.lo;
  }

  /** Reads a varint into `lo`/`hi` (two's complement for negatives). */
  varint64(): void {
    const buf = this.buf;
    const end = this.end;
    let pos = this.pos;
    let lo = 0;
    let hi = 0;
    let b = 0;
    for (let shift = 0; shift < 28; shift += 7) {
      if (pos >= end) throw malformed("truncated varint");
      b = buf[pos++];
      lo |= (b & 0x7f) << shift;
      if (b < 0x80) return this.#done(pos, lo, 0);
    }
    if (pos >= end) throw malformed("truncated varint");
    b = buf[pos++];
    lo |= (b & 0x7f) << 28;
    hi = (b & 0x7f) >> 4;
    if (b < 0x80) return this.#done(pos, lo, hi);
    for (let shift = 3; shift < 32; shift += 7) {
      if (pos >= end) throw malformed("truncated varint");
      b = buf[pos++];
      hi |= (b & 0x7f) << shift;
      if (b < 0x80) return this.#done(pos, lo, hi);
    }
    throw malformed("varint longer than 10 bytes");
  }

  #done(pos: number, lo: number, hi: number): void {
    this.pos = pos;
    this.lo = lo >>> 0;
    this.hi = hi >>> 0;
  }

  /** The last `varint64()` as a signed 64-bit number (exact within ±2^53). */
  int64(): number {
    this.varint64();
    return (this.hi | 0) * TWO_32 + this.lo;
  }

  /** The last `varint64()` as an unsigned 64-bit number (exact below 2^53). */
  uint64(): number {
    this.varint64();
    return this.hi * TWO_32 + this.lo;
  }

  int32(): number {
    return this.varint32() | 0;
  }

  bool(): boolean {
    this.varint64();
    return (this.lo | this.hi) !== 0;
  }

  fixed64Double(): number {
    const pos = this.#take(8);
    return new DataView(this.buf.buffer, this.buf.byteOffset + pos, 8).getFloat64(0, true);
  }

  fixed32Float(): number {
    const pos = this.#take(4);
    return new DataView(this.buf.buffer, this.buf.byteOffset + pos, 4).getFloat32(0, true);
  }

  /** Reads a length prefix and returns the end of the delimited bytes, which start at `pos`. */
  delimited(): number {
    const len = this.varint32();
    const end = this.pos + len;
    if (len > this.end - this.pos) {
      throw malformed(`length ${len} runs past the end of the message`);
    }
    return end;
  }

  bytes(): Uint8Array {
    const end = this.delimited();
    const out = this.buf.subarray(this.pos, end);
    this.pos = end;
    return out;
  }

  string(): string {
    const end = this.delimited();
    const buf = this.buf;
    let pos = this.pos;
    this.pos = end;
    if (end - pos > 24) return utf8.decode(buf.subarray(pos, end));
    // Short ASCII strings (names, enums, keys) are the common case; skip TextDecoder for them.
    let s = "";
    for (; pos < end; pos++) {
      const c = buf[pos];
      if (c >= 0x80) return s + utf8.decode(buf.subarray(pos, end));
      s += String.fromCharCode(c);
    }
    return s;
  }

  /** Skips a field's value of the given wire type. */
  skip(wireType: number): void {
    switch (wireType) {
      case WIRE_VARINT:
        this.varint64();
        return;
      case WIRE_FIXED64:
        this.#take(8);
        return;
      case WIRE_BYTES:
        this.pos = this.delimited();
        return;
      case WIRE_FIXED32:
        this.#take(4);
        return;
      default:
        throw malformed(`unsupported wire type ${wireType}`);
    }
  }

  #take(n: number): number {
    const pos = this.pos;
    if (this.end - pos < n) throw malformed("truncated fixed-width value");
    this.pos = pos + n;
    return pos;
  }
}

/** Writes protobuf; length prefixes are back-filled, so nested messages need no second pass. */
export class Writer {
  #buf = new Uint8Array(256);
  #pos = 0;

  get length(): number {
    return this.#pos;
  }

  finish(): Uint8Array {
    return this.#buf.slice(0, this.#pos);
  }

  #room(n: number): void {
    if (this.#pos + n <= this.#buf.length) return;
    let size = this.#buf.length * 2;
    while (size < this.#pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.#buf.subarray(0, this.#pos));
    this.#buf = next;
  }

  raw(bytes: Uint8Array): void {
    this.#room(bytes.length);
    this.#buf.set(bytes, this.#pos);
    this.#pos += bytes.length;
  }

  tag(no: number, wireType: number): void {
    this.varint(no * 8 + wireType);
  }

  /** A non-negative integer below 2^53. */
  varint(n: number): void {
    this.#room(10);
    const buf = this.#buf;
    let pos = this.#pos;
    while (n >= 0x80) {
      buf[pos++] = (n % 0x80) | 0x80;
      n = Math.floor(n / 0x80);
    }
    buf[pos++] = n;
    this.#pos = pos;
  }

  /** A signed integer as int64/int32 varint: negatives take ten bytes (two's complement). */
  int64(n: number): void {
    if (n >= 0) return this.varint(n);
    let lo = (n % TWO_32 + TWO_32) % TWO_32;
    let hi = (Math.floor(n / TWO_32) + TWO_32) % TWO_32;
    this.#room(10);
    const buf = this.#buf;
    let pos = this.#pos;
    for (let i = 0; i < 9; i++) {
      buf[pos++] = (lo & 0x7f) | 0x80;
      lo = (lo >>> 7) | ((hi & 0x7f) << 25);
      hi >>>= 7;
    }
    buf[pos++] = lo & 0x01;
    this.#pos = pos;
  }

  double(n: number): void {
    this.#room(8);
    new DataView(this.#buf.buffer, this.#pos, 8).setFloat64(0, n, true);
    this.#pos += 8;
  }

  float(n: number): void {
    this.#room(4);
    new DataView(this.#buf.buffer, this.#pos, 4).setFloat32(0, n, true);
    this.#pos += 4;
  }

  bytes(b: Uint8Array): void {
    this.varint(b.length);
    this.raw(b);
  }

  string(s: string): void {
    let ascii = s.length < 64;
    for (let i = 0; ascii && i < s.length; i++) ascii = s.charCodeAt(i) < 0x80;
    if (!ascii) return this.bytes(utf8Encoder.encode(s));
    this.varint(s.length);
    this.#room(s.length);
    const buf = this.#buf;
    let pos = this.#pos;
    for (let i = 0; i < s.length; i++) buf[pos++] = s.charCodeAt(i);
    this.#pos = pos;
  }

  /** Starts a length-delimited value; pass the result to `end()` once its content is written. */
  begin(): number {
    this.#room(1);
    return this.#pos++;
  }

  /** Back-fills the length prefix reserved by `begin()`, shifting content if it needs >1 byte. */
  end(start: number): void {
    const len = this.#pos - start - 1;
    if (len < 0x80) {
      this.#buf[start] = len;
      return;
    }
    let extra = 0;
    for (let n = len; n >= 0x80; n = Math.floor(n / 0x80)) extra++;
    this.#room(extra);
    const buf = this.#buf;
    buf.copyWithin(start + 1 + extra, start + 1, this.#pos);
    let n = len;
    let pos = start;
    while (n >= 0x80) {
      buf[pos++] = (n % 0x80) | 0x80;
      n = Math.floor(n / 0x80);
    }
    buf[pos] = n;
    this.#pos += extra;
  }
}

import assert from "node:assert/strict";
import { StatusError } from "../errors.ts";
import { Reader, WIRE_BYTES, WIRE_VARINT, Writer } from "./wire.ts";

function hex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join(" ");
}

Deno.test("Writer.int64() writes negatives as ten-byte two's complement", () => {
  const w = new Writer();
  w.int64(-1);
  w.int64(300);
  w.int64(-(2 ** 40));
  const bytes = w.finish();
  assert.equal(hex(bytes.subarray(0, 10)), "ff ff ff ff ff ff ff ff ff 01");
  assert.equal(hex(bytes.subarray(10, 12)), "ac 02");
  const r = new Reader(bytes);
  assert.equal(r.int64(), -1);
  assert.equal(r.int64(), 300);
  assert.equal(r.int64(), -(2 ** 40));
  assert.equal(r.pos, bytes.length);
});

Deno.test("Reader.int64() is exact up to 2^53 and int32() sign-extends", () => {
  const w = new Writer();
  w.int64(2 ** 53 - 1);
  w.int64(-5);
  const r = new Reader(w.finish());
  assert.equal(r.int64(), 2 ** 53 - 1);
  assert.equal(r.int32(), -5);
});

Deno.test("Writer.end() back-fills lengths that need more than one byte", () => {
  const w = new Writer();
  w.tag(1, WIRE_BYTES);
  const start = w.begin();
  w.string("x".repeat(300));
  w.end(start);
  w.tag(2, WIRE_VARINT);
  w.varint(7);
  const r = new Reader(w.finish());
  assert.equal(r.varint32(), (1 << 3) | WIRE_BYTES);
  const end = r.delimited();
  assert.equal(end - r.pos, 302);
  assert.equal(new Reader(r.buf, r.pos, end).string(), "x".repeat(300));
  r.pos = end;
  assert.equal(r.varint32(), (2 << 3) | WIRE_VARINT);
  assert.equal(r.varint32(), 7);
});

Deno.test("Writer.string() and Reader.string() carry non-ASCII text", () => {
  const w = new Writer();
  w.string("héllo wörld ✓");
  w.string("a".repeat(40) + "é");
  const r = new Reader(w.finish());
  assert.equal(r.string(), "héllo wörld ✓");
  assert.equal(r.string(), "a".repeat(40) + "é");
});

Deno.test("Reader rejects truncated and overlong input with a 400", () => {
  const bad: Array<[Uint8Array, (r: Reader) => unknown]> = [
    [new Uint8Array([0x80]), (r) => r.varint32()],
    [new Uint8Array(11).fill(0xff), (r) => r.int64()],
    [new Uint8Array([0x05, 0x61]), (r) => r.string()],
    [new Uint8Array([0x01, 0x02]), (r) => r.fixed64Double()],
    [new Uint8Array([0x00]), (r) => r.skip(3)],
  ];
  for (const [bytes, read] of bad) {
    assert.throws(() => read(new Reader(bytes)), (e) => e instanceof StatusError && e.code === 400);
  }
});

import assert from "node:assert/strict";
import {
  formatDuration,
  formatTime,
  fromBase64,
  parseDuration,
  parseTime,
  toBase64,
} from "./text.ts";

Deno.test("formatTime() prints RFC 3339 in UTC, MicroTime with six fraction digits", () => {
  assert.equal(formatTime(1795706416, 0, false), "2026-11-26T15:20:16Z");
  assert.equal(formatTime(1795706416, 123456789, false), "2026-11-26T15:20:16Z");
  assert.equal(formatTime(1795706416, 123456789, true), "2026-11-26T15:20:16.123456Z");
  assert.equal(formatTime(1795706416, 0, true), "2026-11-26T15:20:16.000000Z");
  assert.equal(formatTime(0, 0, false), "1970-01-01T00:00:00Z");
});

Deno.test("parseTime() reads RFC 3339 with offsets and fractions", () => {
  assert.deepEqual(parseTime("2026-11-26T15:20:16Z"), { seconds: 1795706416, nanos: 0 });
  assert.deepEqual(parseTime("2026-11-26T16:20:16+01:00"), { seconds: 1795706416, nanos: 0 });
  assert.deepEqual(parseTime("2026-11-26T15:20:16.5Z"), { seconds: 1795706416, nanos: 500000000 });
  assert.deepEqual(parseTime("0001-01-01T00:00:00Z"), { seconds: -62135596800, nanos: 0 });
});

Deno.test("parseTime() rejects what Go's time.Parse(RFC3339) rejects", () => {
  for (const s of ["2026-11-26", "2026-02-30T00:00:00Z", "2026-11-26T25:00:00Z", "yesterday", ""]) {
    assert.equal(parseTime(s), undefined, s);
  }
});

Deno.test("formatDuration() matches Go's time.Duration.String()", () => {
  const cases: Array<[number, string]> = [
    [0, "0s"],
    [1, "1ns"],
    [1500, "1.5µs"],
    [300e6, "300ms"],
    [1.5e9, "1.5s"],
    [60e9, "1m0s"],
    [3600e9, "1h0m0s"],
    [5400e9 + 1, "1h30m0.000000001s"],
    [-90e9, "-1m30s"],
  ];
  for (const [ns, s] of cases) assert.equal(formatDuration(ns), s);
});

Deno.test("parseDuration() reads Go duration strings", () => {
  assert.equal(parseDuration("1h30m"), 5400e9);
  assert.equal(parseDuration("1.5s"), 1.5e9);
  assert.equal(parseDuration("-300ms"), -300e6);
  assert.equal(parseDuration("2µs"), 2000);
  assert.equal(parseDuration("0"), 0);
  for (const s of ["", "1", "1x", "h", "1h-2m"]) assert.equal(parseDuration(s), undefined, s);
});

Deno.test("toBase64() and fromBase64() round-trip binary data", () => {
  const bytes = new Uint8Array([0, 255, 254, 16, 128]);
  assert.equal(toBase64(bytes), "AP/+EIA=");
  assert.deepEqual(fromBase64("AP/+EIA="), bytes);
  assert.equal(fromBase64("not base64!"), undefined);
});

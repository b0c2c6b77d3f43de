import assert from "node:assert/strict";
import {
  deepClone,
  deepEqual,
  formatMicroTime,
  formatTime,
  isJsonObject,
  parseTime,
} from "./meta.ts";

Deno.test("formatTime() prints RFC 3339 seconds in UTC without millis", () => {
  const d = new Date(Date.UTC(2026, 10, 26, 15, 20, 16, 789));
  assert.deepEqual(formatTime(d), "2026-11-26T15:20:16Z");
  assert.deepEqual(formatTime(d.getTime()), "2026-11-26T15:20:16Z");
  assert.deepEqual(formatTime(new Date(0)), "1970-01-01T00:00:00Z");
});

Deno.test("formatMicroTime() prints six fraction digits", () => {
  const d = new Date(Date.UTC(2026, 10, 26, 15, 20, 16, 789));
  assert.deepEqual(formatMicroTime(d), "2026-11-26T15:20:16.789000Z");
  assert.deepEqual(formatMicroTime(d, 42), "2026-11-26T15:20:16.789042Z");
});

Deno.test("parseTime() accepts RFC 3339 and rejects other date forms", () => {
  assert.deepEqual(
    parseTime("2026-11-26T15:20:16Z")?.getTime(),
    Date.UTC(2026, 10, 26, 15, 20, 16),
  );
  assert.deepEqual(
    parseTime("2026-11-26T17:20:16.5+02:00")?.getTime(),
    Date.UTC(2026, 10, 26, 15, 20, 16, 500),
  );
  assert.deepEqual(parseTime("2026-11-26"), undefined);
  assert.deepEqual(parseTime("Thu, 26 Nov 2026 15:20:16 GMT"), undefined);
  assert.deepEqual(parseTime("2026-13-40T99:20:16Z"), undefined);
});

Deno.test("deepEqual() compares objects regardless of key order", () => {
  assert.ok(deepEqual({ a: 1, b: [1, { c: "x" }] }, { b: [1, { c: "x" }], a: 1 }));
  assert.ok(!deepEqual({ a: 1 }, { a: 1, b: 2 }));
  assert.ok(!deepEqual({ a: 1, b: 2 }, { a: 1 }));
  assert.ok(!deepEqual([1, 2], [2, 1]));
  assert.ok(!deepEqual([], {}));
  assert.ok(!deepEqual(null, {}));
  assert.ok(!deepEqual("1", 1));
  assert.ok(deepEqual(null, null));
});

Deno.test("deepEqual() treats undefined-valued keys as absent", () => {
  assert.ok(deepEqual({ a: 1, b: undefined }, { a: 1 }));
  assert.ok(deepEqual({ a: 1 }, { a: 1, b: undefined }));
  assert.ok(!deepEqual({ a: undefined }, { a: null }));
});

Deno.test("deepClone() copies nested values without sharing", () => {
  const src = { metadata: { name: "x", labels: { a: "b" } }, spec: { list: [1, { y: true }] } };
  const copy = deepClone(src);
  assert.deepEqual(copy, src);
  assert.notEqual(copy.metadata, src.metadata);
  assert.notEqual(copy.spec.list, src.spec.list);
  copy.metadata.labels.a = "changed";
  assert.deepEqual(src.metadata.labels.a, "b");
  assert.deepEqual(deepClone(null), null);
  assert.deepEqual(deepClone("s"), "s");
});

Deno.test("deepClone() keeps a __proto__ key as data", () => {
  const src = JSON.parse('{"__proto__": {"polluted": true}, "a": 1}');
  const copy = deepClone(src);
  assert.deepEqual(Object.getPrototypeOf(copy), Object.prototype);
  assert.ok(Object.hasOwn(copy, "__proto__"));
  assert.deepEqual(({} as Record<string, unknown>).polluted, undefined);
  assert.ok(deepEqual(copy, src));
});

Deno.test("isJsonObject() accepts only plain objects", () => {
  assert.ok(isJsonObject({}));
  assert.ok(!isJsonObject([]));
  assert.ok(!isJsonObject(null));
  assert.ok(!isJsonObject("x"));
});

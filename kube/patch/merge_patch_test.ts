import assert from "node:assert/strict";
import { StatusError } from "../errors.ts";
import { applyMergePatch } from "./merge_patch.ts";

Deno.test("applyMergePatch() follows the RFC 7386 examples", () => {
  const cases: Array<[unknown, unknown, unknown]> = [
    [{ a: "b" }, { a: "c" }, { a: "c" }],
    [{ a: "b" }, { b: "c" }, { a: "b", b: "c" }],
    [{ a: "b" }, { a: null }, {}],
    [{ a: "b", b: "c" }, { a: null }, { b: "c" }],
    [{ a: ["b"] }, { a: "c" }, { a: "c" }],
    [{ a: "c" }, { a: ["b"] }, { a: ["b"] }],
    [{ a: { b: "c" } }, { a: { b: "d", c: null } }, { a: { b: "d" } }],
    [{ a: [{ b: "c" }] }, { a: [1] }, { a: [1] }],
    [{ a: "foo" }, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
    [["a", "b"], { a: "b" }, { a: "b" }],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ];
  for (const [target, patch, want] of cases) {
    assert.deepEqual(applyMergePatch(target, patch), want, JSON.stringify(patch));
  }
});

Deno.test("applyMergePatch() merges nested Kubernetes objects", () => {
  const pod = {
    metadata: { name: "p", labels: { app: "web", tier: "front" } },
    spec: { containers: [{ name: "c", image: "nginx:1" }] },
  };
  const out = applyMergePatch(pod, {
    metadata: { labels: { tier: null, env: "prod" } },
    spec: { containers: [{ name: "c", image: "nginx:2" }] },
  });
  assert.deepEqual(out, {
    metadata: { name: "p", labels: { app: "web", env: "prod" } },
    spec: { containers: [{ name: "c", image: "nginx:2" }] },
  });
});

Deno.test("applyMergePatch() leaves its inputs untouched", () => {
  const target = { a: { b: 1 } };
  const patch = { a: { c: [{ d: null, e: 1 }] } };
  const out = applyMergePatch(target, patch) as { a: { c: unknown[] } };
  assert.deepEqual(target, { a: { b: 1 } });
  assert.deepEqual(patch, { a: { c: [{ d: null, e: 1 }] } });
  assert.deepEqual(out, { a: { b: 1, c: [{ e: 1 }] } });
  out.a.c.push({ e: 2 });
  assert.equal(patch.a.c.length, 1);
});

Deno.test("applyMergePatch() replaces the document with an array patch", () => {
  assert.deepEqual(applyMergePatch({ a: 1 }, [1, null]), [1, null]);
});

Deno.test("applyMergePatch() rejects null and scalar patches as upstream does", () => {
  for (const patch of [null, 1, "x", true]) {
    assert.throws(
      () => applyMergePatch({}, patch),
      (e: unknown) =>
        e instanceof StatusError && e.code === 400 && e.message === "Invalid JSON Patch",
    );
  }
});

Deno.test("applyMergePatch() keeps __proto__ as data", () => {
  const out = applyMergePatch({}, JSON.parse('{"__proto__": {"x": 1}}'));
  assert.equal(Object.getPrototypeOf(out), Object.prototype);
  assert.deepEqual(Object.keys(out as object), ["__proto__"]);
});

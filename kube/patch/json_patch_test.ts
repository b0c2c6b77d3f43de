import assert from "node:assert/strict";
import { StatusError } from "../errors.ts";
import {
  applyJsonPatch,
  decodeJsonPatch,
  escapePointerToken,
  MAX_JSON_PATCH_OPERATIONS,
  unescapePointerToken,
} from "./json_patch.ts";

function failure(doc: unknown, patch: unknown): StatusError {
  try {
    applyJsonPatch(doc, patch);
  } catch (e) {
    assert.ok(e instanceof StatusError);
    return e;
  }
  throw new Error("patch applied unexpectedly");
}

Deno.test("applyJsonPatch() adds object members and array elements", () => {
  assert.deepEqual(applyJsonPatch({ foo: "bar" }, [{ op: "add", path: "/baz", value: "qux" }]), {
    foo: "bar",
    baz: "qux",
  });
  assert.deepEqual(
    applyJsonPatch({ foo: ["bar", "baz"] }, [{ op: "add", path: "/foo/1", value: "qux" }]),
    { foo: ["bar", "qux", "baz"] },
  );
  assert.deepEqual(applyJsonPatch({ foo: [1] }, [{ op: "add", path: "/foo/-", value: 2 }]), {
    foo: [1, 2],
  });
  assert.deepEqual(applyJsonPatch({ foo: [1] }, [{ op: "add", path: "/foo/1", value: 2 }]), {
    foo: [1, 2],
  });
  assert.deepEqual(
    applyJsonPatch({ foo: "bar" }, [{ op: "add", path: "/child", value: { grandchild: {} } }]),
    { foo: "bar", child: { grandchild: {} } },
  );
});

Deno.test("applyJsonPatch() replaces an existing member on add", () => {
  assert.deepEqual(applyJsonPatch({ foo: "bar" }, [{ op: "add", path: "/foo", value: [1] }]), {
    foo: [1],
  });
});

Deno.test("applyJsonPatch() removes members and elements", () => {
  assert.deepEqual(applyJsonPatch({ baz: "qux", foo: "bar" }, [{ op: "remove", path: "/baz" }]), {
    foo: "bar",
  });
  assert.deepEqual(
    applyJsonPatch({ foo: ["bar", "qux", "baz"] }, [{ op: "remove", path: "/foo/1" }]),
    { foo: ["bar", "baz"] },
  );
});

Deno.test("applyJsonPatch() replaces, and adds on replace of a missing member", () => {
  assert.deepEqual(
    applyJsonPatch({ baz: "qux", foo: "bar" }, [{ op: "replace", path: "/baz", value: "boo" }]),
    { baz: "boo", foo: "bar" },
  );
  assert.deepEqual(
    applyJsonPatch({ metadata: {} }, [{ op: "replace", path: "/metadata/labels", value: {} }]),
    { metadata: { labels: {} } },
  );
  assert.deepEqual(applyJsonPatch({ a: [1, 2] }, [{ op: "replace", path: "/a/-1", value: 3 }]), {
    a: [1, 3],
  });
  assert.deepEqual(applyJsonPatch({ a: 1 }, [{ op: "replace", path: "", value: { b: 2 } }]), {
    b: 2,
  });
});

Deno.test("applyJsonPatch() moves and copies values", () => {
  assert.deepEqual(
    applyJsonPatch(
      { foo: { bar: "baz", waldo: "fred" }, qux: { corge: "grault" } },
      [{ op: "move", from: "/foo/waldo", path: "/qux/thud" }],
    ),
    { foo: { bar: "baz" }, qux: { corge: "grault", thud: "fred" } },
  );
  assert.deepEqual(
    applyJsonPatch({ foo: ["all", "grass", "cows", "eat"] }, [{
      op: "move",
      from: "/foo/1",
      path: "/foo/3",
    }]),
    { foo: ["all", "cows", "eat", "grass"] },
  );
  const copied = applyJsonPatch({ a: { b: [1] } }, [{ op: "copy", from: "/a", path: "/c" }]) as {
    a: { b: number[] };
    c: { b: number[] };
  };
  assert.deepEqual(copied, { a: { b: [1] }, c: { b: [1] } });
  assert.notEqual(copied.a, copied.c);
});

Deno.test("applyJsonPatch() tests values structurally", () => {
  const doc = { baz: "qux", foo: ["a", 2, "c"], n: null };
  assert.deepEqual(
    applyJsonPatch(doc, [
      { op: "test", path: "/baz", value: "qux" },
      { op: "test", path: "/foo/1", value: 2 },
      { op: "test", path: "/n", value: null },
      { op: "test", path: "/missing", value: null },
      { op: "test", path: "", value: { foo: ["a", 2, "c"], n: null, baz: "qux" } },
    ]),
    doc,
  );
  const err = failure({ baz: "qux" }, [{ op: "test", path: "/baz", value: "bar" }]);
  assert.equal(err.code, 422);
  assert.equal(err.reason, "Invalid");
  assert.equal(err.message, "testing value /baz failed: test failed");
  assert.equal(
    failure({ baz: "qux" }, [{ op: "test", path: "/baz" }]).message,
    "testing value /baz failed: test failed",
  );
});

Deno.test("applyJsonPatch() decodes escaped pointer tokens", () => {
  const doc = { "a/b": 1, "m~n": 2, "": 3 };
  assert.deepEqual(
    applyJsonPatch(doc, [
      { op: "replace", path: "/a~1b", value: 10 },
      { op: "replace", path: "/m~0n", value: 20 },
      { op: "replace", path: "/", value: 30 },
    ]),
    { "a/b": 10, "m~n": 20, "": 30 },
  );
  assert.equal(unescapePointerToken("~01"), "~1");
  assert.equal(escapePointerToken("kubernetes.io/~x"), "kubernetes.io~1~0x");
});

Deno.test("applyJsonPatch() counts negative indexes from the end", () => {
  assert.deepEqual(applyJsonPatch({ a: [1, 2, 3] }, [{ op: "remove", path: "/a/-1" }]), {
    a: [1, 2],
  });
  assert.deepEqual(applyJsonPatch({ a: [1, 2] }, [{ op: "add", path: "/a/-1", value: 9 }]), {
    a: [1, 2, 9],
  });
});

Deno.test("applyJsonPatch() applies operations in order and atomically", () => {
  const doc = { a: 1 };
  const err = failure(doc, [{ op: "add", path: "/b", value: 2 }, { op: "remove", path: "/c" }]);
  assert.equal(
    err.message,
    "error in remove for path: '/c': Unable to remove nonexistent key: c: missing value",
  );
  assert.deepEqual(doc, { a: 1 });
});

Deno.test("applyJsonPatch() reports upstream's messages for paths that do not apply", () => {
  const doc = { a: { b: [1, 2] } };
  const cases: Array<[unknown, string]> = [
    [
      { op: "add", path: "/x/y", value: 1 },
      'add operation does not apply: doc is missing path: "/x/y": missing value',
    ],
    [
      { op: "add", path: "/a/b/5", value: 1 },
      "error in add for path: '/a/b/5': Unable to access invalid index: 5: invalid index referenced",
    ],
    [
      { op: "add", path: "/a/b/x", value: 1 },
      `error in add for path: '/a/b/x': value was not a proper array index: 'x': strconv.Atoi: parsing "x": invalid syntax`,
    ],
    [
      { op: "remove", path: "/a/b/2" },
      "error in remove for path: '/a/b/2': Unable to access invalid index: 2: invalid index referenced",
    ],
    [
      { op: "replace", path: "/a/b/7", value: 1 },
      "replace operation does not apply: doc is missing key: /a/b/7: missing value",
    ],
    [
      { op: "replace", path: "/q/r", value: 1 },
      "replace operation does not apply: doc is missing path: /q/r: missing value",
    ],
    [
      { op: "move", from: "/nope/x", path: "/y" },
      "move operation does not apply: doc is missing from path: /nope/x: missing value",
    ],
    [
      { op: "move", from: "/a", path: "/a/b" },
      "move operation does not apply: doc is missing destination path: /a/b: missing value",
    ],
    [
      { op: "copy", from: "/a", path: "/z/z" },
      "copy operation does not apply: doc is missing destination path: /z/z: missing value",
    ],
    [
      { op: "test", path: "/z/z", value: 1 },
      "test operation does not apply: is missing path: /z/z: missing value",
    ],
    [{ op: "jump", path: "/a" }, "Unexpected kind: jump"],
    [{ path: "/a" }, "Unexpected kind: unknown"],
    [{ op: "add", value: 1 }, "add operation failed to decode path: missing value"],
    [
      { op: "add", path: "a", value: 1 },
      'add operation does not apply: doc is missing path: "a": missing value',
    ],
  ];
  for (const [op, message] of cases) {
    const err = failure(doc, [op]);
    assert.equal(err.code, 422, message);
    assert.equal(err.message, message);
  }
});

Deno.test("applyJsonPatch() treats a missing value as null", () => {
  assert.deepEqual(applyJsonPatch({}, [{ op: "add", path: "/a" }]), { a: null });
});

Deno.test("applyJsonPatch() keeps __proto__ as a plain member", () => {
  const out = applyJsonPatch({}, [{ op: "add", path: "/__proto__", value: { polluted: 1 } }]);
  assert.equal(Object.getPrototypeOf(out), Object.prototype);
  assert.deepEqual(Object.keys(out as object), ["__proto__"]);
});

Deno.test("decodeJsonPatch() rejects non-lists with 400 and huge lists with 413", () => {
  assert.throws(() => decodeJsonPatch({ op: "add" }), {
    code: 400,
    message: "json: cannot unmarshal object into Go value of type jsonpatch.Patch",
  });
  assert.throws(() => decodeJsonPatch(["x"]), {
    code: 400,
    message: "json: cannot unmarshal string into Go value of type jsonpatch.Operation",
  });
  const many = Array.from(
    { length: MAX_JSON_PATCH_OPERATIONS + 1 },
    () => ({ op: "test", path: "" }),
  );
  assert.throws(() => decodeJsonPatch(many), {
    code: 413,
    message: "The allowed maximum operations in a JSON patch is 10000, got 10001",
  });
  assert.equal(decodeJsonPatch([]).length, 0);
});

import assert from "node:assert/strict";
import { StatusError } from "./errors.ts";
import {
  checkSelectableFields,
  escapeFieldValue,
  FieldSelector,
  fieldSelectorFromSet,
  parseFieldSelector,
  unescapeFieldValue,
} from "./fields.ts";

function parseError(text: string): string {
  try {
    parseFieldSelector(text);
  } catch (e) {
    assert.ok(e instanceof StatusError);
    assert.equal(e.code, 400);
    return e.message;
  }
  throw new Error(`parseFieldSelector(${JSON.stringify(text)}) did not fail`);
}

const matches = (text: string, fields: Record<string, string>) =>
  parseFieldSelector(text).matches(fields);

Deno.test("parseFieldSelector() round-trips valid selectors", () => {
  for (const text of ["x=a,y=b,z=c", "", "x!=a,y=b", "x=a||y\\=b", "x=a\\=\\=b"]) {
    assert.equal(parseFieldSelector(text).toString(), text);
  }
});

Deno.test("parseFieldSelector() sorts terms so equal selectors print the same", () => {
  assert.equal(parseFieldSelector("x=a,a=x").toString(), parseFieldSelector("a=x,x=a").toString());
  assert.equal(parseFieldSelector("b=1,a=2").toString(), "a=2,b=1");
});

Deno.test("parseFieldSelector() treats == as = and keeps the operator", () => {
  const sel = parseFieldSelector("spec.nodeName==node-1");
  assert.deepEqual(sel.requirements, [{ field: "spec.nodeName", operator: "==", value: "node-1" }]);
  assert.ok(sel.matches({ "spec.nodeName": "node-1" }));
});

Deno.test("parseFieldSelector() skips empty terms", () => {
  assert.equal(parseFieldSelector("a=a,").toString(), "a=a");
  assert.equal(parseFieldSelector(",a=a").toString(), "a=a");
  assert.ok(parseFieldSelector(",").isEmpty());
});

Deno.test("parseFieldSelector() rejects unsupported operators", () => {
  assert.equal(parseError("x in (a)"), "invalid selector: 'x in (a)'; can't understand 'x in (a)'");
  assert.equal(parseError("x"), "invalid selector: 'x'; can't understand 'x'");
  assert.equal(parseError("x=a,b"), "invalid selector: 'x=a,b'; can't understand 'b'");
});

Deno.test("parseFieldSelector() rejects unescaped separators in values", () => {
  assert.equal(parseError("x=a||y=b"), "invalid field selector: unescaped character in value: 61");
  assert.equal(parseError("x==a==b"), "invalid field selector: unescaped character in value: 61");
  assert.equal(parseError("x=\\"), "invalid field selector: invalid escape sequence: \\");
  assert.equal(parseError("x=\\a"), "invalid field selector: invalid escape sequence: \\a");
});

Deno.test("parseFieldSelector() splits on unescaped commas only", () => {
  const valueOfK = (text: string) =>
    parseFieldSelector(text).requirements.find((r) => r.field === "k")?.value;
  assert.equal(valueOfK("k=\\,,k2=v2"), ",");
  assert.equal(valueOfK("k=\\\\,k2=v2"), "\\");
  assert.equal(valueOfK("k=\\\\\\,,k2=v2"), "\\,");
  assert.equal(parseFieldSelector("k=\\,,k2=v2").requirements.length, 2);
  assert.deepEqual(parseFieldSelector("함=수,목=록").requirements.map((r) => r.field), [
    "목",
    "함",
  ]);
});

Deno.test("escapeFieldValue() and unescapeFieldValue() are inverses", () => {
  const cases: Array<[string, string]> = [
    ["", ""],
    ["a", "a"],
    ["=", "\\="],
    [",", "\\,"],
    ["\\", "\\\\"],
    ["\\=\\,\\", "\\\\\\=\\\\\\,\\\\"],
  ];
  for (const [raw, escaped] of cases) {
    assert.equal(escapeFieldValue(raw), escaped);
    assert.equal(unescapeFieldValue(escaped), raw);
  }
  for (const bad of ["\\", "\\\\\\", "\\a"]) {
    assert.throws(() => unescapeFieldValue(bad), /invalid escape sequence/);
  }
});

Deno.test("FieldSelector.matches() compares values, a missing field being empty", () => {
  assert.ok(matches("", { x: "y" }));
  assert.ok(matches("x=y", { x: "y" }));
  assert.ok(matches("x=y,z=w", { x: "y", z: "w" }));
  assert.ok(matches("x!=y,z!=w", { x: "z", z: "a" }));
  assert.ok(matches("notin=in", { notin: "in" }));
  assert.ok(!matches("x=y", { x: "z" }));
  assert.ok(!matches("x=y,z=w", { x: "w", z: "w" }));
  assert.ok(!matches("x!=y,z!=w", { x: "z", z: "w" }));
  assert.ok(matches("x=", {}));
  assert.ok(matches("x!=a", {}));
  assert.ok(!matches("constructor=x", {}));
  const fields = { foo: "bar", baz: "blah", complex: "=value\\,\\" };
  assert.ok(matches("foo=bar,baz=blah,complex=\\=value\\\\\\,\\\\", fields));
  assert.ok(!matches("foo=bar,foobar=bar,baz=blah", fields));
});

Deno.test("FieldSelector.requiresExactMatch() sees only equality terms", () => {
  assert.equal(parseFieldSelector("a=b,test=x").requiresExactMatch("test"), "x");
  assert.equal(parseFieldSelector("test=").requiresExactMatch("test"), "");
  assert.equal(parseFieldSelector("test!=b").requiresExactMatch("test"), undefined);
  assert.equal(parseFieldSelector("").requiresExactMatch("test"), undefined);
});

Deno.test("FieldSelector.transform() rewrites and drops terms", () => {
  const sel = parseFieldSelector("a=b,c=d,e=f");
  assert.equal(sel.transform((f, v) => (f === "c" ? ["", ""] : [f, v])).toString(), "a=b,e=f");
  assert.equal(
    sel.transform((f, v) => (f === "a" ? ["x", "y"] : [f, v])).toString(),
    "x=y,c=d,e=f",
  );
  assert.ok(parseFieldSelector("a=b").transform(() => ["", ""]).isEmpty());
});

Deno.test("FieldSelector.everything() and nothing() differ", () => {
  assert.ok(FieldSelector.everything().isEmpty());
  assert.ok(FieldSelector.everything().matches({}));
  assert.ok(!FieldSelector.nothing().isEmpty());
  assert.ok(!FieldSelector.nothing().matches({}));
});

Deno.test("fieldSelectorFromSet() requires each field", () => {
  const sel = fieldSelectorFromSet({ foo: "bar", baz: "blah" });
  assert.ok(sel.matches({ foo: "bar", baz: "blah", x: "y" }));
  assert.ok(!fieldSelectorFromSet({ foo: "=blah" }).matches({ foo: "bar" }));
  assert.equal(sel.toString(), "baz=blah,foo=bar");
  assert.ok(fieldSelectorFromSet({}).isEmpty());
  assert.ok(fieldSelectorFromSet(null).isEmpty());
});

Deno.test("checkSelectableFields() uses upstream's messages", () => {
  checkSelectableFields(parseFieldSelector("metadata.name=a,metadata.namespace=b"));
  assert.throws(() => checkSelectableFields(parseFieldSelector("spec.x=1")), {
    message: `"spec.x" is not a known field selector: only "metadata.name", "metadata.namespace"`,
  });
  const podFields = new Set([
    "metadata.name",
    "metadata.namespace",
    "spec.nodeName",
    "status.phase",
  ]);
  checkSelectableFields(parseFieldSelector("spec.nodeName=n1,status.phase!=Running"), podFields);
  assert.throws(() => checkSelectableFields(parseFieldSelector("spec.foo=1"), podFields), {
    message: "field label not supported: spec.foo",
  });
});

import assert from "node:assert/strict";
import { StatusError } from "./errors.ts";
import {
  formatLabelSelector,
  labelSelectorAsSelector,
  newRequirement,
  parseSelector,
  Selector,
  selectorFromSet,
  validateLabelSelector,
} from "./labels.ts";

function parseError(text: string): string {
  try {
    parseSelector(text);
  } catch (e) {
    assert.ok(e instanceof StatusError);
    assert.equal(e.code, 400);
    assert.equal(e.reason, "BadRequest");
    return e.message;
  }
  throw new Error(`parseSelector(${JSON.stringify(text)}) did not fail`);
}

const matches = (text: string, labels: Record<string, string>) =>
  parseSelector(text).matches(labels);

Deno.test("parseSelector() round-trips valid selectors without whitespace", () => {
  for (
    const text of ["x=a,y=b,z=c", "", "x!=a,y=b", "x=", "x= ", "x=,z= ", "x= ,z= ", "!x", "x>1"]
  ) {
    assert.equal(parseSelector(text).toString(), text.replaceAll(" ", ""));
  }
  assert.equal(parseSelector("x>1,z<5").toString(), "x>1,z<5");
});

Deno.test("parseSelector() sorts requirements by key", () => {
  assert.equal(parseSelector("x=a,a=x").toString(), "a=x,x=a");
  assert.equal(
    parseSelector("x notin (abc,,def),bar,z in (),w").toString(),
    "bar,w,x notin (,abc,def),z in ()",
  );
});

Deno.test("parseSelector() accepts set-based requirements and whitespace", () => {
  assert.equal(parseSelector("foo  in\t (abc)").toString(), "foo in (abc)");
  assert.equal(parseSelector("x notin\n (abc)").toString(), "x notin (abc)");
  assert.equal(parseSelector("\rx").toString(), "x");
  assert.equal(parseSelector("a ").toString(), "a");
  assert.equal(parseSelector("x in (abc,abc)").toString(), "x in (abc)");
  assert.equal(
    parseSelector("0.1.2.domain/99 notin (10.10.100.1, tick.tack.clock)").toString(),
    "0.1.2.domain/99 notin (10.10.100.1,tick.tack.clock)",
  );
  assert.equal(
    parseSelector("this-is-a-dns.domain.com/key-with-dash").toString(),
    "this-is-a-dns.domain.com/key-with-dash",
  );
});

Deno.test("parseSelector() reads empty set entries as the empty value", () => {
  for (const text of ["x in ()", "x in (,)", "x in ( )"]) {
    assert.deepEqual(parseSelector(text).requirements[0].values, [""]);
  }
  assert.deepEqual(parseSelector("x in (abc,)").requirements[0].values, ["", "abc"]);
  assert.deepEqual(parseSelector("x in (a,,,,,,)").requirements[0].values, ["", "a"]);
  assert.deepEqual(parseSelector("x in (a,,a,,a,,a,,)").requirements[0].values, ["", "a"]);
  assert.deepEqual(parseSelector("x notin (, a)").requirements[0].values, ["", "a"]);
});

Deno.test("parseSelector() treats in and notin as values inside a set", () => {
  assert.deepEqual(
    parseSelector("a in (x,y,notin, z,in)").requirements[0].values,
    ["in", "notin", "x", "y", "z"],
  );
  assert.ok(matches("notin=in", { notin: "in" }));
});

Deno.test("parseSelector() rejects an unclosed set", () => {
  assert.equal(
    parseError("x in (a"),
    "unable to parse requirement: found '', expected: ',' or ')'",
  );
  assert.equal(
    parseError("a notin("),
    "unable to parse requirement: found '', expected: ',', ')' or identifier",
  );
});

Deno.test("parseSelector() rejects a set operator without a set", () => {
  assert.equal(parseError("a in"), "unable to parse requirement: found '' expected: '('");
  assert.equal(
    parseError("a in (xyz abc)"),
    "unable to parse requirement: found 'abc', expected: ',' or ')'",
  );
});

Deno.test("parseSelector() rejects unknown operators with upstream's message", () => {
  assert.equal(
    parseError("x nott in (y)"),
    "unable to parse requirement: found 'nott', expected: in, notin, =, ==, !=, gt, lt",
  );
  assert.equal(
    parseError("a ("),
    "unable to parse requirement: found '(', expected: in, notin, =, ==, !=, gt, lt",
  );
});

Deno.test("parseSelector() rejects misplaced commas and trailing garbage", () => {
  assert.equal(parseError("x,,y"), "found ',', expected: identifier after ','");
  assert.equal(parseError(",x,y"), "found ',', expected: !, identifier, or 'end of string'");
  assert.equal(parseError("a in (xyz),"), "found '', expected: identifier after ','");
  assert.equal(parseError("a in (xyz)b notin ()"), "found 'b', expected: ',' or 'end of string'");
  assert.equal(parseError("("), "found '(', expected: !, identifier, or 'end of string'");
  assert.equal(parseError("x==a==b"), "found '==', expected: ',' or 'end of string'");
  assert.equal(parseError("!x=a"), "found '=', expected: ',' or 'end of string'");
});

Deno.test("parseSelector() validates keys and values", () => {
  assert.equal(
    parseError("-bad=1"),
    `unable to parse requirement: <nil>: Invalid value: "-bad": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`,
  );
  const long = "a".repeat(64);
  assert.equal(
    parseError(`x=${long}`),
    `unable to parse requirement: values[0][x]: Invalid value: "${long}": must be no more than 63 bytes`,
  );
  assert.match(
    parseError("x=a||y=b"),
    /^unable to parse requirement: values\[0\]\[x\]: Invalid value: "a\|\|y": a valid label must be/,
  );
  assert.equal(
    parseError("x<a"),
    `unable to parse requirement: values[0]: Invalid value: "a": for 'Gt', 'Lt' operators, the value must be an integer`,
  );
});

Deno.test("Selector.matches() applies equality requirements", () => {
  assert.ok(matches("", { x: "y" }));
  assert.ok(matches("x=y", { x: "y" }));
  assert.ok(matches("x==y,z=w", { x: "y", z: "w" }));
  assert.ok(matches("x!=y,z!=w", { x: "z", z: "a" }));
  assert.ok(matches("x!=y", {}));
  assert.ok(!matches("x=z", {}));
  assert.ok(!matches("x=y", { x: "z" }));
  assert.ok(!matches("x!=y,z!=w", { x: "z", z: "w" }));
  assert.ok(!matches("foo=bar,foobar=bar,baz=blah", { foo: "bar", baz: "blah" }));
});

Deno.test("Selector.matches() applies set and existence requirements", () => {
  assert.ok(matches("x", { x: "z" }));
  assert.ok(matches("!x", { y: "z" }));
  assert.ok(!matches("x", { y: "z" }));
  assert.ok(!matches("!x", { x: "z" }));
  assert.ok(matches("x in (foo),y notin (alpha)", { x: "foo", y: "baz" }));
  assert.ok(!matches("x in (foo),y in (alpha)", { x: "foo", y: "baz" }));
  assert.ok(matches("x notin (),y", { y: "" }));
  assert.ok(!matches("x notin (),!y", { y: "" }));
  assert.ok(!matches("x in ()", { y: "baz" }));
  assert.ok(matches("x in ()", { x: "" }));
});

Deno.test("Selector.matches() compares gt and lt as integers", () => {
  assert.ok(matches("x>1", { x: "2" }));
  assert.ok(matches("x<1", { x: "0" }));
  assert.ok(!matches("x>1", { x: "-4" }));
  assert.match(parseError("x>-5"), /Invalid value: "-5": a valid label must be/);
  assert.ok(!matches("x>1", { x: "0" }));
  assert.ok(!matches("x>1", { x: "v2" }));
  assert.ok(!matches("x>1", {}));
  assert.ok(matches("x>9007199254740992", { x: "9007199254740993" }));
});

Deno.test("Selector.matches() ignores inherited object properties", () => {
  assert.ok(!matches("constructor", {}));
  assert.ok(matches("!toString", {}));
  assert.ok(matches("constructor=x", { constructor: "x" }));
  assert.ok(!parseSelector("a").matches(undefined));
  assert.ok(parseSelector("!a").matches(null));
});

Deno.test("Selector.requiresExactMatch() finds single-valued equality", () => {
  assert.equal(parseSelector("key in (value)").requiresExactMatch("key"), "value");
  assert.equal(parseSelector("key=value,b").requiresExactMatch("key"), "value");
  assert.equal(parseSelector("key in (a,b)").requiresExactMatch("key"), undefined);
  assert.equal(parseSelector("key!=a").requiresExactMatch("key"), undefined);
  assert.equal(parseSelector("other=a").requiresExactMatch("key"), undefined);
});

Deno.test("Selector.everything() and nothing() differ in emptiness and matching", () => {
  assert.ok(Selector.everything().isEmpty());
  assert.ok(Selector.everything().matches({ x: "y" }));
  assert.ok(!Selector.nothing().isEmpty());
  assert.ok(!Selector.nothing().matches({}));
  assert.ok(Selector.nothing().matchesNothing());
  assert.equal(Selector.nothing().toString(), "");
  assert.ok(parseSelector("").isEmpty());
});

Deno.test("newRequirement() reports every invalid part", () => {
  assert.throws(() => newRequirement("x1", "in", []), {
    message: "values: Invalid value: []: for 'in', 'notin' operators, values set can't be empty",
  });
  assert.throws(() => newRequirement("x5", "=", ["bar", "foo"]), {
    message:
      `values: Invalid value: ["bar","foo"]: exact-match compatibility requires one single value`,
  });
  assert.throws(() => newRequirement("x8", "exists", ["foo"]), {
    message:
      `values: Invalid value: ["foo"]: values set must be empty for exists and does not exist`,
  });
  assert.throws(() => newRequirement("x18", "unsupportedOp", []), {
    message:
      `operator: Unsupported value: "unsupportedOp": supported values: "in", "notin", "=", "==", "!=", "gt", "lt", "exists", "!"`,
  });
  const long = "a".repeat(254);
  assert.throws(() => newRequirement(long, "exists", []), {
    message: `key: Invalid value: "${long}": name part must be no more than 63 bytes`,
  });
  assert.throws(() => newRequirement("x13", "gt", []), {
    message: "values: Invalid value: []: for 'Gt', 'Lt' operators, exactly one value is required",
  });
  assert.throws(() => newRequirement("x17", "=", ["a b"]), {
    message: /^values\[0\]\[x17\]: Invalid value: "a b"/,
  });
  assert.throws(() => newRequirement("-k", "in", []), {
    message: /^\[key: Invalid value: "-k": .*, values: Invalid value: \[\]: .*\]$/,
  });
});

Deno.test("Selector.toString() sorts set values and writes operators upstream's way", () => {
  const sel = Selector.everything().add(
    newRequirement("z", "exists", []),
    newRequirement("x", "in", ["def", "abc"]),
    newRequirement("y", "notin", ["jkl"]),
    newRequirement("w", "!", []),
    newRequirement("v", "==", ["a"]),
    newRequirement("u", "lt", ["8"]),
  );
  assert.equal(sel.toString(), "u<8,v==a,!w,x in (abc,def),y notin (jkl),z");
});

Deno.test("selectorFromSet() requires every label and sorts by key", () => {
  const sel = selectorFromSet({ app: "foo", a: "b" });
  assert.equal(sel.toString(), "a=b,app=foo");
  assert.ok(sel.matches({ app: "foo", a: "b", extra: "x" }));
  assert.ok(!sel.matches({ app: "foo" }));
  assert.ok(selectorFromSet({}).isEmpty());
  assert.ok(selectorFromSet(undefined).matches({ any: "thing" }));
});

Deno.test("labelSelectorAsSelector() converts matchLabels and matchExpressions", () => {
  const sel = labelSelectorAsSelector({
    matchLabels: { b: "1", a: "2" },
    matchExpressions: [
      { key: "a", operator: "Exists" },
      { key: "tier", operator: "In", values: ["web", "api"] },
      { key: "env", operator: "NotIn", values: ["prod"] },
      { key: "old", operator: "DoesNotExist" },
    ],
  });
  assert.equal(sel.toString(), "a=2,a,b=1,env notin (prod),!old,tier in (api,web)");
  assert.ok(sel.matches({ a: "2", b: "1", tier: "web" }));
  assert.ok(!sel.matches({ a: "2", b: "1", tier: "web", old: "" }));
  assert.ok(!sel.matches({ a: "2", b: "1", tier: "db" }));
});

Deno.test("labelSelectorAsSelector() maps null to nothing and {} to everything", () => {
  assert.ok(labelSelectorAsSelector(null).matchesNothing());
  assert.ok(labelSelectorAsSelector(undefined).matchesNothing());
  assert.ok(labelSelectorAsSelector({}).isEmpty());
  assert.ok(labelSelectorAsSelector({ matchLabels: {}, matchExpressions: [] }).matches({}));
});

Deno.test("labelSelectorAsSelector() rejects bad operators and empty In values", () => {
  assert.throws(
    () => labelSelectorAsSelector({ matchExpressions: [{ key: "a", operator: "Foo" }] }),
    {
      message: `"Foo" is not a valid label selector operator`,
    },
  );
  assert.throws(
    () => labelSelectorAsSelector({ matchExpressions: [{ key: "a", operator: "In", values: [] }] }),
    {
      message:
        "values: Invalid value: null: for 'in', 'notin' operators, values set can't be empty",
    },
  );
  assert.throws(() => labelSelectorAsSelector({ matchLabels: { "a/b/c": "x" } }), StatusError);
});

Deno.test("formatLabelSelector() shows <none> and <error>", () => {
  assert.equal(formatLabelSelector({}), "<none>");
  assert.equal(formatLabelSelector({ matchLabels: { app: "web" } }), "app=web");
  assert.equal(
    formatLabelSelector({ matchExpressions: [{ key: "a", operator: "Nope" }] }),
    "<error>",
  );
});

Deno.test("validateLabelSelector() reports paths like upstream", () => {
  const errs = validateLabelSelector({
    matchLabels: { "bad key": "ok" },
    matchExpressions: [
      { key: "a", operator: "In" },
      { key: "b", operator: "Exists", values: ["x"] },
      { key: "c", operator: "Sometimes" },
      { key: "d", operator: "In", values: ["not valid"] },
    ],
  }, "spec.selector");
  assert.deepEqual(errs.map((e) => `${e.type} ${e.field}`), [
    "FieldValueInvalid spec.selector.matchLabels",
    "FieldValueRequired spec.selector.matchExpressions[0].values",
    "FieldValueForbidden spec.selector.matchExpressions[1].values",
    "FieldValueInvalid spec.selector.matchExpressions[2].operator",
    "FieldValueInvalid spec.selector.matchExpressions[3].values[0]",
  ]);
  assert.equal(errs[1].detail, "must be specified when `operator` is 'In' or 'NotIn'");
  assert.deepEqual(validateLabelSelector(null, "x"), []);
});

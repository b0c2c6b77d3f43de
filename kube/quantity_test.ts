import assert from "node:assert/strict";
import { StatusError } from "./errors.ts";
import {
  canonicalQuantity,
  parseQuantity,
  Quantity,
  quantityError,
  quantityFromJSON,
} from "./quantity.ts";

const FORMAT_ERROR =
  "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

Deno.test("parseQuantity() prints canonical forms", () => {
  const cases: Array<[string, string]> = [
    ["1000m", "1"],
    ["1.5Gi", "1536Mi"],
    ["0.1", "100m"],
    ["1.5", "1500m"],
    ["1024Mi", "1Gi"],
    ["1000M", "1G"],
    ["0.5Mi", "512Ki"],
    ["1.5Ki", "1536"],
    ["0.001", "1m"],
    ["0.0005k", "500m"],
    [".0001k", "100m"],
    ["1.2e3", "1200"],
    ["1.3E+6", "1300e3"],
    ["0.5e-1", "50e-3"],
    ["1.01E", "1010P"],
    ["8Ki", "8Ki"],
    ["2048Ki", "2Mi"],
    ["1000Ki", "1000Ki"],
    ["1Ti", "1Ti"],
  ];
  for (const [input, want] of cases) assert.equal(parseQuantity(input).toString(), want, input);
});

Deno.test("parseQuantity() keeps the text upstream keeps verbatim", () => {
  for (const text of ["1Ki", "1Gi", "300Mi", "6Ki", "1001Gi", "1G", "3k", "80m", "1080m", "1e9"]) {
    assert.equal(parseQuantity(text).toString(), text);
  }
  // Upstream's fast path reuses inputs that look canonical, quirks included.
  assert.equal(parseQuantity("+1").toString(), "+1");
  assert.equal(parseQuantity("100.035k").toString(), "100.035k");
});

Deno.test("parseQuantity() accepts zero in every form", () => {
  for (
    const text of [
      "0",
      "0n",
      "0u",
      "0m",
      "0Ki",
      "0k",
      "0Mi",
      "0M",
      "0Gi",
      "0G",
      "0Ti",
      "0T",
      "-0",
      "+0",
    ]
  ) {
    const q = parseQuantity(text);
    assert.ok(q.isZero(), text);
    assert.equal(q.toString(), "0", text);
  }
  assert.equal(parseQuantity("0Ki").format, "BinarySI");
  assert.equal(parseQuantity("0").format, "DecimalSI");
});

Deno.test("parseQuantity() remembers the suffix family", () => {
  assert.equal(parseQuantity("1Ki").format, "BinarySI");
  assert.equal(parseQuantity("1k").format, "DecimalSI");
  assert.equal(parseQuantity("1").format, "DecimalSI");
  assert.equal(parseQuantity("1e3").format, "DecimalExponent");
  assert.equal(parseQuantity("1E-3").format, "DecimalExponent");
  assert.equal(parseQuantity("1E").format, "DecimalSI");
  // A non-zero binary amount below one unit switches to decimal.
  assert.equal(parseQuantity("0.000000000001Ki").format, "DecimalSI");
  assert.equal(parseQuantity("0.000000000001Ki").toString(), "2n");
});

Deno.test("parseQuantity() rounds finer than nano away from zero", () => {
  assert.equal(parseQuantity("3.001n").toString(), "4n");
  assert.equal(parseQuantity("0.0000000001").toString(), "1n");
  assert.equal(parseQuantity("0.0000000005").toString(), "1n");
  assert.equal(parseQuantity("0.00000012345").toString(), "124n");
  assert.equal(parseQuantity("0.9n").toString(), "1n");
  assert.equal(parseQuantity("1.1E-9").toString(), "2e-9");
  assert.equal(parseQuantity("-3.001n").toString(), "-4n");
  assert.equal(parseQuantity(".000000000001Ki").toString(), "2n");
});

Deno.test("parseQuantity() caps binary quantities at 2^63-1", () => {
  assert.equal(parseQuantity("9Ei").toString(), "9223372036854775807");
  assert.equal(parseQuantity("9223372036854775807Ki").toString(), "9223372036854775807");
  assert.equal(parseQuantity("-9Ei").toString(), "-9223372036854775807");
  assert.equal(parseQuantity("12E").toString(), "12E");
});

Deno.test("parseQuantity() keeps large decimal quantities exact", () => {
  assert.equal(parseQuantity("1000E").toString(), "1000E");
  assert.equal(parseQuantity("1e21").toString(), "1e21");
  assert.equal(parseQuantity("12345678901234567890").toString(), "12345678901234567890");
  assert.equal(parseQuantity("1e-1000").toString(), "1e-9");
});

Deno.test("parseQuantity() rejects malformed input with upstream's messages", () => {
  for (const text of ["1.1.M", "1+1.0M", "0.1am", "aoeu", " 1", "1 ", ""]) {
    assert.throws(() => parseQuantity(text), { message: FORMAT_ERROR }, text);
  }
  for (
    const text of [
      "0.1mi",
      ".5i",
      "1i",
      "-3.01i",
      "-3.01e-",
      "e",
      "1e",
      "1ee3",
      "1e99999999999999999999",
    ]
  ) {
    assert.throws(
      () => parseQuantity(text),
      { message: "unable to parse quantity's suffix" },
      text,
    );
  }
  assert.throws(() => parseQuantity("Ei"), { message: "unable to parse numeric part of quantity" });
  const err = quantityError("abc");
  assert.ok(err instanceof StatusError);
  assert.equal(err.code, 400);
  assert.equal(quantityError("1Gi"), undefined);
});

Deno.test("Quantity.toString() prints negative values with a sign", () => {
  for (const text of ["1Gi", "300Mi", "1080m", "1e9", "5", "1n", "3k"]) {
    const q = parseQuantity(text);
    assert.equal(q.neg().toString(), "-" + q.toString(), text);
    assert.equal(q.neg().neg().toString(), q.toString(), text);
  }
  assert.equal(parseQuantity("9.01").neg().toString(), "-9010m");
});

Deno.test("Quantity.cmp() orders across formats and magnitudes", () => {
  const cmp = (a: string, b: string) => parseQuantity(a).cmp(parseQuantity(b));
  assert.equal(cmp("0", "0"), 0);
  assert.equal(cmp("100m", "50m"), 1);
  assert.equal(cmp("50m", "100m"), -1);
  assert.equal(cmp("10000T", "100Gi"), 1);
  assert.equal(cmp("1Ki", "1024"), 0);
  assert.equal(cmp("1k", "1Ki"), -1);
  assert.equal(cmp("-1", "1m"), -1);
  assert.equal(cmp("-2", "-1"), -1);
  assert.equal(cmp("1e1000000", "1"), 1);
  assert.equal(cmp("-1e1000000", "-1"), -1);
  assert.equal(cmp("0.1", "100m"), 0);
  assert.ok(parseQuantity("1.5Gi").equals(parseQuantity("1536Mi")));
});

Deno.test("Quantity.add() and sub() are exact and keep the left format", () => {
  const sum = parseQuantity("100m").add(parseQuantity("1.9"));
  assert.equal(sum.toString(), "2");
  assert.equal(parseQuantity("1Gi").add(parseQuantity("512Mi")).toString(), "1536Mi");
  assert.equal(parseQuantity("1Gi").sub(parseQuantity("1Gi")).toString(), "0");
  assert.equal(parseQuantity("1").sub(parseQuantity("1Ki")).toString(), "-1023");
  assert.equal(parseQuantity("1Ki").add(parseQuantity("1k")).format, "BinarySI");
  // Adding to zero takes the other side's format.
  assert.equal(parseQuantity("0").add(parseQuantity("1Ki")).toString(), "1Ki");
  assert.equal(parseQuantity("0").sub(parseQuantity("1Ki")).toString(), "-1Ki");
  assert.equal(parseQuantity("5").add(parseQuantity("0Ki")).format, "DecimalSI");
});

Deno.test("Quantity.add() round-trips through sub()", () => {
  const items = ["1n", "1u", "1m", "1", "1k", "1Ki", "1.5Gi", "-3.2e4", "0"].map(parseQuantity);
  for (const a of items) {
    for (const b of items) assert.ok(a.add(b).sub(b).equals(a), `${a} + ${b} - ${b}`);
  }
});

Deno.test("Quantity.mul() multiplies by an integer", () => {
  assert.equal(parseQuantity("250m").mul(4).toString(), "1");
  assert.equal(parseQuantity("1Gi").mul(3n).toString(), "3Gi");
});

Deno.test("Quantity.milliValue() and value() round away from zero", () => {
  assert.equal(parseQuantity("1").milliValue(), 1000);
  assert.equal(parseQuantity("1.5").milliValue(), 1500);
  assert.equal(parseQuantity("100m").milliValue(), 100);
  assert.equal(parseQuantity("1n").milliValue(), 1);
  assert.equal(parseQuantity("-1n").milliValue(), -1);
  assert.equal(parseQuantity("1Ki").value(), 1024);
  assert.equal(parseQuantity("100m").value(), 1);
  assert.equal(parseQuantity("-100m").value(), -1);
  assert.equal(parseQuantity("9.01").scaledValue(-1), 91n);
  assert.equal(parseQuantity("9.01").scaledValue(1), 1n);
  assert.equal(parseQuantity("1Ei").scaledValue(0), 1152921504606846976n);
});

Deno.test("Quantity.fromInt(), fromMilli() and fromScaled() build values", () => {
  assert.equal(Quantity.fromInt(5, "BinarySI").toString(), "5");
  assert.equal(Quantity.fromInt(1024 * 1024, "BinarySI").toString(), "1Mi");
  assert.equal(Quantity.fromMilli(1500).toString(), "1500m");
  assert.equal(Quantity.fromMilli(500, "BinarySI").toString(), "500m");
  assert.equal(Quantity.fromScaled(3, 3).toString(), "3k");
  assert.equal(Quantity.fromScaled(1, -12).toString(), "1n");
  assert.equal(Quantity.fromInt(0).toString(), "0");
});

Deno.test("Quantity.asApproximateFloat64() approximates", () => {
  assert.equal(parseQuantity("1.5Gi").asApproximateFloat64(), 1610612736);
  assert.equal(parseQuantity("100m").asApproximateFloat64(), 0.1);
});

Deno.test("quantityFromJSON() accepts strings with spaces and bare numbers", () => {
  assert.equal(quantityFromJSON(" 1.5 ").toString(), "1500m");
  assert.equal(quantityFromJSON(2).toString(), "2");
  assert.equal(quantityFromJSON(0.1).toString(), "100m");
  assert.equal(quantityFromJSON(1e21).toString(), "1e21");
  assert.throws(() => quantityFromJSON(null), { message: FORMAT_ERROR });
  assert.throws(() => quantityFromJSON({}), StatusError);
  assert.equal(JSON.stringify({ cpu: parseQuantity("1000m") }), '{"cpu":"1"}');
});

Deno.test("canonicalQuantity() normalizes a string", () => {
  assert.equal(canonicalQuantity("2048Mi"), "2Gi");
  assert.equal(canonicalQuantity("0.25"), "250m");
});

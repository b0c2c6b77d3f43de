import assert from "node:assert/strict";
import { canonicalize, interpret, scan } from "./quantity_text.ts";

Deno.test("scan() splits sign, integer, fraction and suffix like upstream", () => {
  assert.deepEqual(scan("0.025Ti"), {
    positive: true,
    value: "0.025",
    num: "0",
    denom: "025",
    suffix: "Ti",
  });
  assert.deepEqual(scan("-1.025Ti"), {
    positive: false,
    value: "-1.025",
    num: "1",
    denom: "025",
    suffix: "Ti",
  });
  assert.deepEqual(scan("."), { positive: true, value: ".", num: "0", denom: "", suffix: "" });
  assert.deepEqual(scan("1E-3"), {
    positive: true,
    value: "1",
    num: "1",
    denom: "",
    suffix: "E-3",
  });
  assert.equal(scan("007k").num, "7");
});

Deno.test("interpret() knows decimal, binary and exponent suffixes", () => {
  assert.deepEqual(interpret(""), [10, 0, "DecimalSI"]);
  assert.deepEqual(interpret("m"), [10, -3, "DecimalSI"]);
  assert.deepEqual(interpret("E"), [10, 18, "DecimalSI"]);
  assert.deepEqual(interpret("Mi"), [2, 20, "BinarySI"]);
  assert.deepEqual(interpret("e-3"), [10, -3, "DecimalExponent"]);
  assert.deepEqual(interpret("E+6"), [10, 6, "DecimalExponent"]);
  assert.equal(interpret("mi"), undefined);
  assert.equal(interpret("toString"), undefined);
});

Deno.test("canonicalize() picks the largest exponent that loses nothing", () => {
  assert.equal(canonicalize(1500n, -3, "DecimalSI"), "1500m");
  assert.equal(canonicalize(15n, -1, "DecimalSI"), "1500m");
  assert.equal(canonicalize(1n, 9, "DecimalSI"), "1G");
  assert.equal(canonicalize(1000n, 6, "DecimalSI"), "1G");
  assert.equal(canonicalize(1234567n, 6, "DecimalSI"), "1234567M");
  assert.equal(canonicalize(1n, -9, "DecimalExponent"), "1e-9");
  assert.equal(canonicalize(80n, -3, "DecimalExponent"), "80e-3");
  assert.equal(canonicalize(1024n ** 3n, 0, "BinarySI"), "1Gi");
  assert.equal(canonicalize(1025n, 0, "BinarySI"), "1025");
  assert.equal(canonicalize(500n, -3, "BinarySI"), "500m");
  assert.equal(canonicalize(5n, 2, "BinarySI"), "500");
  assert.equal(canonicalize(1234567n, -3, "BinarySI"), "1234567m");
  assert.equal(canonicalize(0n, 5, "BinarySI"), "0");
  assert.equal(canonicalize(-3n, 3, "DecimalSI"), "-3k");
});

import assert from "node:assert/strict";
import { compareStrings } from "./order.ts";

Deno.test("compareStrings sorts bytewise as Go does, not by locale", () => {
  const names = ["b", "B", "a-b", "ab", "a", "A", "10.0.0.9", "10.0.0.10"];
  assert.deepEqual(names.sort(compareStrings), [
    "10.0.0.10",
    "10.0.0.9",
    "A",
    "B",
    "a",
    "a-b",
    "ab",
    "b",
  ]);
  assert.equal(compareStrings("x", "x"), 0);
});

import assert from "node:assert/strict";
import { mallocTrim, TrimState } from "./malloc_trim.ts";

Deno.test("TrimState trims once on the first quiet sample after busy ones", () => {
  const s = new TrimState({ busyShare: 0.1, everyMs: 5000 });
  assert.equal(s.sample(50, 5000), true, "the start counts as busy");
  assert.equal(s.sample(50, 5000), false, "quiet again: already trimmed");
  assert.equal(s.sample(2000, 5000), false, "busy: never during work");
  assert.equal(s.sample(3000, 5000), false);
  assert.equal(s.sample(100, 5000), true);
  assert.equal(s.sample(100, 5000), false);
});

Deno.test("mallocTrim() returns glibc's malloc_trim here", () => {
  const trim = mallocTrim();
  assert.ok(trim, "glibc on Linux with FFI allowed");
  trim();
});

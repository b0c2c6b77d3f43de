import assert from "node:assert/strict";
import { formatDuration, parseDuration } from "./duration.ts";

Deno.test("parseDuration() reads Go durations into milliseconds", () => {
  assert.equal(parseDuration("0"), 0);
  assert.equal(parseDuration("300ms"), 300);
  assert.equal(parseDuration("1.5h"), 5_400_000);
  assert.equal(parseDuration("2h45m10s"), 9_910_000);
  assert.equal(parseDuration("-1m"), -60_000);
});

Deno.test("parseDuration() rejects what Go rejects", () => {
  for (const text of ["", "5", "1x", "h", "1m 2s", "--1s"]) {
    assert.equal(parseDuration(text), undefined);
  }
});

Deno.test("formatDuration() prints like Go", () => {
  assert.equal(formatDuration(0), "0s");
  assert.equal(formatDuration(300), "300ms");
  assert.equal(formatDuration(300_000), "5m0s");
  assert.equal(formatDuration(5_400_500), "1h30m0.5s");
});

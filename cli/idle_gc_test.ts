import assert from "node:assert/strict";
import v8 from "node:v8";
import { fullCollection, IdleCollectorState, nativeTrim } from "./idle_gc.ts";

const MB = 1 << 20;
const busy = (heapMb: number) => ({ cpuMs: 600, wallMs: 1000, heapTotal: heapMb * MB });
const quiet = (heapMb: number) => ({ cpuMs: 20, wallMs: 1000, heapTotal: heapMb * MB });

Deno.test("the idle collector collects once after a busy period that grew the heap", () => {
  const s = new IdleCollectorState(60 * MB, {
    busyShare: 0.1,
    minGrowthBytes: 24 * MB,
    quietSamples: 2,
  });
  assert.equal(s.sample(quiet(60)), null, "one quiet second after the start");
  assert.equal(s.sample(quiet(60)), "trim", "the start counts as busy; the heap did not grow");
  assert.equal(s.sample(quiet(60)), null, "quiet and never busy since: nothing to give back");
  assert.equal(s.sample(busy(200)), null, "never while busy");
  assert.equal(s.sample(quiet(200)), null, "one quiet second may be a pause in the burst");
  assert.equal(s.sample(busy(300)), null);
  assert.equal(s.sample(quiet(300)), null);
  assert.equal(s.sample(quiet(300)), "collect", "the second quiet second after the burst");
  s.collected(120 * MB);
  assert.equal(s.sample(quiet(120)), null, "not again while it stays quiet");
  assert.equal(s.sample(quiet(200)), null, "growth alone, without a busy period, is not enough");
});

Deno.test("the idle collector only trims after a burst that did not grow the heap enough", () => {
  const s = new IdleCollectorState(100 * MB, {
    busyShare: 0.1,
    minGrowthBytes: 24 * MB,
    quietSamples: 1,
  });
  assert.equal(s.sample(busy(110)), null);
  assert.equal(s.sample(quiet(110)), "trim", "10 MB of growth is below the threshold");
  assert.equal(s.sample(busy(140)), null);
  assert.equal(s.sample(quiet(140)), "collect", "40 MB is above it");
});

Deno.test("the idle collector's busy share is CPU over wall time", () => {
  const s = new IdleCollectorState(0, { busyShare: 0.1, minGrowthBytes: 0, quietSamples: 1 });
  assert.equal(
    s.sample({ cpuMs: 90, wallMs: 1000, heapTotal: 50 * MB }),
    "collect",
    "9 % is quiet",
  );
  assert.equal(s.sample({ cpuMs: 150, wallMs: 1000, heapTotal: 50 * MB }), null, "15 % is busy");
  assert.equal(s.sample({ cpuMs: 90, wallMs: 1000, heapTotal: 50 * MB }), "collect");
});

Deno.test("the runtime gives the idle collector a full collection that frees garbage", () => {
  const gc = fullCollection();
  assert.ok(gc, "V8's gc() could not be exposed at run time");
  let garbage: unknown[] | null = Array.from({ length: 300_000 }, (_, i) => ({ i, s: `x${i}` }));
  const before = v8.getHeapStatistics().used_heap_size;
  assert.equal(garbage.length, 300_000);
  garbage = null;
  gc();
  const after = v8.getHeapStatistics().used_heap_size;
  assert.ok(after < before - 10 * MB, `used heap ${before} -> ${after}`);
});

Deno.test({
  name: "the idle collector can trim the C heap on glibc Linux",
  ignore: Deno.build.os !== "linux" || Deno.build.env === "musl",
}, () => {
  const trim = nativeTrim();
  assert.ok(trim, "malloc_trim could not be reached through FFI");
  assert.ok([0, 1].includes(trim()), "malloc_trim answers 0 or 1");
});

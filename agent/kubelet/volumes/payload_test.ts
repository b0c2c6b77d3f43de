import assert from "node:assert/strict";
import { downwardPayload, keyedPayload, mergePayloads } from "./payload.ts";
import { testPod } from "../testing.ts";

const decode = (p: Map<string, { content: Uint8Array; mode: number }>) =>
  Object.fromEntries(
    [...p].map(([k, v]) => [k, `${new TextDecoder().decode(v.content)}:${v.mode.toString(8)}`]),
  );

Deno.test("keyedPayload() writes every key, or the items with their paths and modes", () => {
  const cm = { data: { a: "1", b: "2" }, binaryData: { bin: btoa("\u0001") } };
  assert.deepEqual(decode(keyedPayload("configmap", cm, undefined, 0o644, false)), {
    a: "1:644",
    b: "2:644",
    bin: "\u0001:644",
  });
  assert.deepEqual(
    decode(keyedPayload("configmap", cm, [{ key: "a", path: "dir/x", mode: 0o400 }], 0o644, false)),
    { "dir/x": "1:400" },
  );
  assert.deepEqual(
    decode(keyedPayload("secret", { data: { p: btoa("pw") } }, undefined, 0o600, true)),
    { p: "pw:600" },
  );
  assert.throws(
    () => keyedPayload("configmap", cm, [{ key: "nope", path: "x" }], 0o644, false),
    /configmap references non-existent config key: nope/,
  );
  assert.deepEqual(
    decode(keyedPayload("configmap", cm, [{ key: "nope", path: "x" }], 0o644, false, true)),
    {},
  );
});

Deno.test("downwardPayload() and mergePayloads() build the projected files", () => {
  const pod = testPod();
  pod.metadata.labels = { b: "2", a: "1" };
  const files = downwardPayload(
    pod,
    [
      { path: "name", fieldRef: { fieldPath: "metadata.name" } },
      { path: "labels", fieldRef: { fieldPath: "metadata.labels" } },
    ],
    0o644,
    { podIps: [], hostIps: [] },
    { milliCpu: 1000, memory: 1, ephemeralStorage: 1 },
  );
  assert.deepEqual(decode(files), { name: "p:644", labels: 'a="1"\nb="2":644' });
  const merged = mergePayloads([
    files,
    new Map([["name", { content: new TextEncoder().encode("x"), mode: 0o600 }]]),
  ]);
  assert.equal(decode(merged).name, "x:600");
});

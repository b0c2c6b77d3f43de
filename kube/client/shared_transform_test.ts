import assert from "node:assert/strict";
import type { KubeObject } from "../meta.ts";
import { SharedTransform, stripManagedFields } from "./informer.ts";

const pod = (rv: string, uid = "u1"): KubeObject => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: {
    name: "p",
    namespace: "default",
    uid,
    resourceVersion: rv,
    managedFields: [{ manager: "kubectl" }],
  },
});

Deno.test("SharedTransform gives two decoders of one object version the same copy", () => {
  const t = new SharedTransform(stripManagedFields);
  const a = t.apply(pod("5"));
  const b = t.apply(pod("5"));
  assert.equal(a, b, "the second informer's copy is the first's");
  assert.equal(a.metadata.managedFields, undefined, "the inner transform ran");
  assert.notEqual(t.apply(pod("6")), a, "a newer version is a different object");
  assert.notEqual(t.apply(pod("5", "u2")), a, "another object with the same version is too");
  const listed = pod("5");
  delete listed.apiVersion;
  delete listed.kind;
  assert.notEqual(
    t.apply(listed),
    a,
    "a list item without its kind is not shared with one with it",
  );
});

Deno.test("SharedTransform passes objects without uid or resourceVersion through unshared", () => {
  const t = new SharedTransform(stripManagedFields);
  const o = pod("");
  assert.equal(t.apply(o), o);
  assert.equal(t.size, 0);
});

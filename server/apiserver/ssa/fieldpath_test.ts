import assert from "node:assert/strict";
import { FieldsError, FieldSet, formatPath, parsePathElement, path, peKey } from "./fieldpath.ts";

Deno.test("FieldSet.toJSON() writes members, '.' for members with children, in upstream's order", () => {
  const s = FieldSet.of(
    path("spec", "template", "spec", "containers", { name: "nginx" }),
    path("spec", "template", "spec", "containers", { name: "nginx" }, "image"),
    path("spec", "replicas"),
    path("metadata", "labels", "app"),
    path("metadata", "finalizers", { v: "b" }),
    path("metadata", "finalizers", { v: "a" }),
    path("metadata", "annotations", "x"),
  );
  assert.equal(
    JSON.stringify(s.toJSON()),
    JSON.stringify({
      "f:metadata": {
        "f:annotations": { "f:x": {} },
        "f:finalizers": { 'v:"a"': {}, 'v:"b"': {} },
        "f:labels": { "f:app": {} },
      },
      "f:spec": {
        "f:replicas": {},
        "f:template": {
          "f:spec": {
            "f:containers": { 'k:{"name":"nginx"}': { ".": {}, "f:image": {} } },
          },
        },
      },
    }),
  );
});

Deno.test("FieldSet.fromJSON() reads what toJSON() wrote", () => {
  const doc = {
    "f:spec": {
      "f:ports": {
        'k:{"port":80,"protocol":"TCP"}': { ".": {}, "f:port": {}, "f:targetPort": {} },
      },
      "f:selector": {},
    },
  };
  const s = FieldSet.fromJSON(doc);
  assert.ok(s.has(path("spec", "selector")));
  assert.ok(s.has(path("spec", "ports", { protocol: "TCP", port: 80 })));
  assert.ok(s.has(path("spec", "ports", { port: 80, protocol: "TCP" }, "targetPort")));
  assert.ok(!s.has(path("spec")));
  assert.deepEqual(s.toJSON(), doc);
});

Deno.test("FieldSet.fromJSON() ignores unknown element kinds and rejects bad keys", () => {
  assert.ok(FieldSet.fromJSON({ "z:whatever": {} }).isEmpty());
  assert.throws(() => FieldSet.fromJSON({ "k:not json": {} }), FieldsError);
  assert.throws(() => FieldSet.fromJSON({ "f": {} }), FieldsError);
  assert.throws(() => FieldSet.fromJSON("nope"), FieldsError);
});

Deno.test("FieldSet set operations work level by level", () => {
  const a = FieldSet.of(path("a", "b"), path("a", "c"), path("d"));
  const b = FieldSet.of(path("a", "b"), path("e"));
  assert.deepEqual(a.union(b).paths().map(formatPath), [".a.b", ".a.c", ".d", ".e"]);
  assert.deepEqual(a.intersection(b).paths().map(formatPath), [".a.b"]);
  assert.deepEqual(a.difference(b).paths().map(formatPath), [".a.c", ".d"]);
  // A member of the other set removes only itself from difference(), everything below it from
  // recursiveDifference().
  const parent = FieldSet.of(path("a"));
  assert.deepEqual(a.difference(parent).paths().map(formatPath), [".a.b", ".a.c", ".d"]);
  assert.deepEqual(a.recursiveDifference(parent).paths().map(formatPath), [".d"]);
});

Deno.test("formatPath() prints keys, values and indices as upstream", () => {
  assert.equal(
    formatPath(path("spec", "containers", { name: "nginx" }, "ports", {
      containerPort: 80,
      protocol: "TCP",
    })),
    '.spec.containers[name="nginx"].ports[containerPort=80,protocol="TCP"]',
  );
  assert.equal(
    formatPath(path("metadata", "finalizers", { v: "x" })),
    '.metadata.finalizers[="x"]',
  );
  assert.equal(formatPath(path("args", 2)), ".args[2]");
});

Deno.test("parsePathElement() sorts key fields so equal keys are equal elements", () => {
  const a = parsePathElement('k:{"protocol":"TCP","containerPort":80}')!;
  const b = parsePathElement('k:{"containerPort":80,"protocol":"TCP"}')!;
  assert.equal(peKey(a), peKey(b));
  assert.equal(peKey(a), 'k:{"containerPort":80,"protocol":"TCP"}');
  assert.equal(parsePathElement("x:1"), null);
});

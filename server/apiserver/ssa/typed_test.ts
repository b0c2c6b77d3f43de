import assert from "node:assert/strict";
import { FieldSet, formatPath, path } from "./fieldpath.ts";
import { LOOSE, shapeForKind } from "./schema.ts";
import { compare, ensureNamedFieldsAreMembers, SchemaError, toFieldSet } from "./typed.ts";

const DEPLOYMENT = shapeForKind("apps/v1", "Deployment");

function deployment(containers: unknown[], extra: Record<string, unknown> = {}) {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web", labels: { app: "web" } },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: "web" } },
      template: { metadata: { labels: { app: "web" } }, spec: { containers } },
      ...extra,
    },
  };
}

Deno.test("toFieldSet() of a Deployment keys containers by name and ports by port and protocol", () => {
  const set = toFieldSet(
    deployment([{
      name: "nginx",
      image: "nginx:1.25",
      ports: [{ containerPort: 80 }, { containerPort: 53, protocol: "UDP" }],
      env: [{ name: "A", value: "1" }],
      args: ["-v"],
    }]),
    DEPLOYMENT,
  );
  assert.deepEqual(set.toJSON(), {
    "f:apiVersion": {},
    "f:kind": {},
    "f:metadata": { "f:labels": { "f:app": {} }, "f:name": {} },
    "f:spec": {
      "f:replicas": {},
      "f:selector": {},
      "f:template": {
        "f:metadata": { "f:labels": { "f:app": {} } },
        "f:spec": {
          "f:containers": {
            'k:{"name":"nginx"}': {
              ".": {},
              "f:args": {},
              "f:env": { 'k:{"name":"A"}': { ".": {}, "f:name": {}, "f:value": {} } },
              "f:image": {},
              "f:name": {},
              "f:ports": {
                'k:{"containerPort":53,"protocol":"UDP"}': {
                  ".": {},
                  "f:containerPort": {},
                  "f:protocol": {},
                },
                // The protocol key defaults to TCP, as upstream's schema says.
                'k:{"containerPort":80,"protocol":"TCP"}': { ".": {}, "f:containerPort": {} },
              },
            },
          },
        },
      },
    },
  });
});

Deno.test("toFieldSet() matches upstream's set for a sidecar apply", () => {
  // From upstream's TestApplyConvertsManagedFieldsVersion (metadata and type meta stripped).
  const set = toFieldSet({
    metadata: { labels: { sidecar_version: "release" } },
    spec: { template: { spec: { containers: [{ name: "sidecar", image: "sidecar:latest" }] } } },
  }, DEPLOYMENT);
  assert.equal(
    JSON.stringify(set.toJSON()),
    '{"f:metadata":{"f:labels":{"f:sidecar_version":{}}},"f:spec":{"f:template":{"f:spec":{"f:containers":{"k:{\\"name\\":\\"sidecar\\"}":{".":{},"f:image":{},"f:name":{}}}}}}}',
  );
});

Deno.test("toFieldSet() owns empty and null values and atomic values as a whole", () => {
  const set = toFieldSet(
    deployment([{ name: "c", image: "i", resources: {} }], { paused: null }),
    DEPLOYMENT,
  );
  assert.ok(set.has(path("spec", "paused")));
  assert.ok(set.has(path("spec", "selector")));
  assert.ok(!set.has(path("spec", "selector", "matchLabels")));
  assert.ok(set.has(path("spec", "template", "spec", "containers", { name: "c" }, "resources")));
});

Deno.test("toFieldSet() fails for a list-map item without its key", () => {
  assert.throws(
    () => toFieldSet(deployment([{ image: "x" }]), DEPLOYMENT),
    (err: unknown) =>
      err instanceof SchemaError &&
      err.message ===
        '.spec.template.spec.containers: element 0: associative list with keys has an element that omits key field "name" (and doesn\'t have default value)',
  );
});

Deno.test("compare() reports added, modified and removed fields", () => {
  const before = deployment([{ name: "a", image: "a:1" }, { name: "b", image: "b:1" }]);
  const after = deployment([{ name: "a", image: "a:2" }, { name: "c", image: "c:1" }], {
    replicas: 3,
  });
  const cmp = compare(before, after, DEPLOYMENT);
  const c = ".spec.template.spec.containers";
  assert.deepEqual(cmp.modified.paths().map(formatPath), [
    ".spec.replicas",
    `${c}[name="a"].image`,
  ]);
  assert.deepEqual(cmp.added.paths().map(formatPath), [
    `${c}[name="c"]`,
    `${c}[name="c"].image`,
    `${c}[name="c"].name`,
  ]);
  assert.deepEqual(cmp.removed.paths().map(formatPath), [
    `${c}[name="b"]`,
    `${c}[name="b"].image`,
    `${c}[name="b"].name`,
  ]);
});

Deno.test("ensureNamedFieldsAreMembers() claims struct fields above members, not list items", () => {
  const set = ensureNamedFieldsAreMembers(
    FieldSet.of(path("spec", "template", "spec", "containers", { name: "a" }, "image")),
    DEPLOYMENT,
  );
  assert.ok(set.has(path("spec")));
  assert.ok(set.has(path("spec", "template", "spec", "containers")));
  assert.ok(!set.has(path("spec", "template", "spec", "containers", { name: "a" })));
  assert.ok(set.has(path("spec", "template", "spec", "containers", { name: "a" }, "image")));
});

Deno.test("objects of unknown kinds are granular structs with atomic lists", () => {
  const set = toFieldSet({ spec: { list: [{ a: 1 }], nested: { x: 1 } } }, LOOSE);
  assert.deepEqual(set.toJSON(), { "f:spec": { "f:list": {}, "f:nested": { "f:x": {} } } });
});

import assert from "node:assert/strict";
import { FieldSet, formatPath, path } from "./fieldpath.ts";
import { LOOSE, openAPIShape, shapeForKind } from "./schema.ts";
import {
  compare,
  ensureNamedFieldsAreMembers,
  merge,
  prune,
  SchemaError,
  toFieldSet,
  validate,
} from "./typed.ts";

const DEPLOYMENT = shapeForKind("apps/v1", "Deployment");
const SERVICE = shapeForKind("v1", "Service");

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

Deno.test("merge() merges list maps by key, keeps live-only items, replaces atomic values", () => {
  const live = deployment([
    { name: "a", image: "a:1", workingDir: "/a" },
    { name: "sidecar", image: "s:1" },
  ]);
  const config = {
    spec: {
      selector: { matchLabels: { app: "other" } },
      template: { spec: { containers: [{ name: "a", image: "a:2", args: ["x"] }] } },
    },
  };
  const out = merge(live, config, DEPLOYMENT) as ReturnType<typeof deployment>;
  assert.deepEqual(out.spec.template.spec.containers, [
    { name: "a", image: "a:2", workingDir: "/a", args: ["x"] },
    { name: "sidecar", image: "s:1" },
  ]);
  // The selector is atomic: replaced, not merged.
  assert.deepEqual(out.spec.selector, { matchLabels: { app: "other" } });
  assert.equal(out.spec.replicas, 2);
});

Deno.test("merge() unions sets and orders items the way the configuration lists them", () => {
  const shape = openAPIShape({
    type: "object",
    properties: {
      tags: { type: "array", items: { type: "string" }, "x-kubernetes-list-type": "set" },
      steps: {
        type: "array",
        "x-kubernetes-list-type": "map",
        "x-kubernetes-list-map-keys": ["id"],
        items: { type: "object", properties: { id: { type: "string" } } },
      },
      args: { type: "array", items: { type: "string" } },
    },
  });
  const out = merge(
    {
      tags: ["a", "b"],
      steps: [{ id: "1" }, { id: "2" }, { id: "3", x: 1 }],
      args: ["old", "list"],
    },
    { tags: ["c", "a"], steps: [{ id: "3", y: 2 }, { id: "1" }], args: ["new"] },
    shape,
  );
  assert.deepEqual(out, {
    tags: ["c", "a", "b"],
    steps: [{ id: "2" }, { id: "3", x: 1, y: 2 }, { id: "1" }],
    args: ["new"],
  });
});

Deno.test("validate() and merge() refuse duplicate keys in an applied configuration", () => {
  const config = { spec: { ports: [{ port: 80 }, { port: 80, protocol: "TCP" }] } };
  const message = /\.spec\.ports: duplicate entries for key \[port=80,protocol="TCP"\]$/;
  assert.throws(() => validate(config, SERVICE), message);
  assert.throws(() => merge({ spec: { ports: [] } }, config, SERVICE), message);
  // Live objects may hold duplicates; they are tracked as a whole.
  const live = toFieldSet({ spec: { ports: config.spec.ports } }, SERVICE);
  assert.deepEqual(live.paths().map(formatPath), ['.spec.ports[port=80,protocol="TCP"]']);
});

Deno.test("prune() removes given-up fields and items unless kept, and empty lists with them", () => {
  const live = deployment([{ name: "a", image: "a", ports: [{ containerPort: 80 }] }], {
    paused: true,
  });
  const c = ["spec", "template", "spec", "containers", { name: "a" }] as const;
  const remove = ensureNamedFieldsAreMembers(
    FieldSet.of(
      path("spec", "replicas"),
      path("spec", "paused"),
      path(...c, "ports", { containerPort: 80, protocol: "TCP" }),
    ),
    DEPLOYMENT,
  );
  const keep = ensureNamedFieldsAreMembers(
    FieldSet.of(path("spec", "replicas"), path(...c, "image")),
    DEPLOYMENT,
  );
  const out = prune(live, DEPLOYMENT, remove, keep) as ReturnType<typeof deployment>;
  assert.equal(out.spec.replicas, 2);
  assert.equal("paused" in out.spec, false);
  assert.deepEqual(out.spec.template.spec.containers, [{ name: "a", image: "a" }]);
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

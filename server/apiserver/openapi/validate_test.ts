import assert from "node:assert/strict";
import {
  checkFieldValidation,
  pruneUnknownFields,
  unknownFields,
  unknownFieldsBySchema,
} from "./validate.ts";

const deployment = (
  extra: Record<string, unknown> = {},
  container: Record<string, unknown> = {},
) => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "web", labels: { "any/key": "v" }, annotations: { a: "b" } },
  spec: {
    replicas: 1,
    selector: { matchLabels: { app: "web" } },
    strategy: { rollingUpdate: { maxSurge: 1, maxUnavailable: "25%" } },
    template: {
      metadata: { labels: { app: "web" } },
      spec: {
        containers: [{
          name: "web",
          image: "nginx",
          resources: { limits: { cpu: "100m", memory: "64Mi" }, requests: { cpu: 1 } },
          ...container,
        }],
      },
    },
    ...extra,
  },
  status: { conditions: [{ type: "Available", status: "True" }] },
});

Deno.test("unknownFields() accepts a valid Deployment with maps, quantities and int-or-strings", () => {
  assert.deepEqual(unknownFields(deployment(), "apps", "v1", "Deployment"), []);
});

Deno.test("unknownFields() names unknown fields by JSON path", () => {
  assert.deepEqual(
    unknownFields(deployment({ foo: 1 }, { bar: true }), "apps", "v1", "Deployment"),
    [".spec.template.spec.containers[0].bar", ".spec.foo"],
  );
  const obj = { ...deployment(), extra: { deep: 1 } };
  assert.deepEqual(unknownFields(obj, "apps", "v1", "Deployment"), [".extra"]);
});

Deno.test("unknownFields() lets raw extensions and managed fields hold anything", () => {
  const rev = {
    apiVersion: "apps/v1",
    kind: "ControllerRevision",
    metadata: {
      name: "r",
      managedFields: [{ manager: "m", fieldsV1: { "f:spec": { "f:x": {} } } }],
    },
    data: { whatever: { nested: [1, 2] } },
    revision: 1,
  };
  assert.deepEqual(unknownFields(rev, "apps", "v1", "ControllerRevision"), []);
});

Deno.test("unknownFields() knows nothing about kinds outside the registry", () => {
  assert.deepEqual(unknownFields({ spec: { foo: 1 } }, "example.com", "v1", "Widget"), []);
});

Deno.test("unknownFieldsBySchema() follows a custom resource schema", () => {
  const schema = {
    type: "object",
    properties: {
      spec: {
        type: "object",
        properties: {
          size: { type: "integer" },
          port: { "x-kubernetes-int-or-string": true },
          labels: { type: "object", additionalProperties: { type: "string" } },
          parts: {
            type: "array",
            items: { type: "object", properties: { name: { type: "string" } } },
          },
          free: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
        },
      },
    },
  };
  const obj = {
    apiVersion: "example.com/v1",
    kind: "Widget",
    metadata: { name: "w", bogus: 1 },
    spec: {
      size: 1,
      port: "http",
      labels: { a: "b" },
      parts: [{ name: "a", weight: 2 }],
      free: { anything: { at: "all" } },
      nope: true,
    },
  };
  assert.deepEqual(unknownFieldsBySchema(obj, schema), [
    ".metadata.bogus",
    ".spec.parts[0].weight",
    ".spec.nope",
  ]);
});

Deno.test("checkFieldValidation() fails Strict, warns by default and under Warn, and ignores Ignore", () => {
  const gvk = { group: "apps", version: "v1", kind: "Deployment" };
  const obj = deployment({ foo: 1, bar: 2 });
  assert.deepEqual(checkFieldValidation("Strict", obj, gvk), {
    error: 'strict decoding error: unknown field "spec.foo", unknown field "spec.bar"',
    warnings: [],
  });
  assert.equal((obj.spec as Record<string, unknown>).foo, 1, "Strict leaves the object alone");
  const warned = ['unknown field "spec.foo"', 'unknown field "spec.bar"'];
  assert.deepEqual(checkFieldValidation("Warn", obj, gvk), { warnings: warned });
  assert.deepEqual(
    checkFieldValidation(undefined, deployment({ foo: 1, bar: 2 }), gvk),
    { warnings: warned },
  );
  assert.deepEqual(checkFieldValidation("Ignore", deployment({ foo: 1 }), gvk), { warnings: [] });
  assert.deepEqual(checkFieldValidation("Strict", deployment(), gvk), { warnings: [] });
  assert.match(checkFieldValidation("Loose", obj, gvk).error ?? "", /Unsupported value: "Loose"/);
});

Deno.test("checkFieldValidation() drops a built-in kind's unknown fields under Warn and Ignore", () => {
  const gvk = { group: "apps", version: "v1", kind: "Deployment" };
  for (const mode of ["Warn", "Ignore", undefined]) {
    const obj = deployment({ foo: 1 }, { bar: true });
    checkFieldValidation(mode, obj, gvk);
    assert.deepEqual(obj, deployment(), `mode ${mode}`);
  }
});

Deno.test("checkFieldValidation() leaves custom resources to their structural schema", () => {
  const gvk = { group: "example.com", version: "v1", kind: "Widget" };
  const schema = { type: "object", properties: { spec: { type: "object" } } };
  const obj = { apiVersion: "example.com/v1", kind: "Widget", spec: {}, extra: 1 };
  assert.deepEqual(checkFieldValidation("Warn", obj, gvk, schema), {
    warnings: ['unknown field "extra"'],
  });
  assert.equal(obj.extra, 1);
});

Deno.test("pruneUnknownFields() keeps maps, raw extensions, quantities and free-form JSON", () => {
  const rev = {
    apiVersion: "apps/v1",
    kind: "ControllerRevision",
    metadata: { name: "r", annotations: { "a/b": "c" }, labels: { x: "y" }, bogus: 1 },
    data: { whatever: { nested: [1, 2] } },
    revision: 1,
    extra: true,
  };
  assert.deepEqual(pruneUnknownFields(rev, "apps", "v1", "ControllerRevision"), [
    ".metadata.bogus",
    ".extra",
  ]);
  assert.deepEqual(rev, {
    apiVersion: "apps/v1",
    kind: "ControllerRevision",
    metadata: { name: "r", annotations: { "a/b": "c" }, labels: { x: "y" } },
    data: { whatever: { nested: [1, 2] } },
    revision: 1,
  });
  const crd = {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: "widgets.example.com" },
    spec: {
      group: "example.com",
      names: { plural: "widgets", kind: "Widget" },
      scope: "Namespaced",
      versions: [{
        name: "v1",
        served: true,
        storage: true,
        schema: {
          openAPIV3Schema: {
            type: "object",
            "x-kubernetes-preserve-unknown-fields": true,
            properties: { spec: { type: "object", default: { a: { b: 1 } }, example: [1] } },
          },
        },
      }],
    },
  };
  const before = structuredClone(crd);
  assert.deepEqual(
    pruneUnknownFields(crd, "apiextensions.k8s.io", "v1", "CustomResourceDefinition"),
    [],
  );
  assert.deepEqual(crd, before);
  const pod = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "p" },
    spec: {
      containers: [{ name: "c", image: "i", resources: { limits: { cpu: "1" } }, nope: 1 }],
      overhead: { memory: "1Mi" },
      nodeSelector: { "kubernetes.io/os": "linux" },
    },
  };
  assert.deepEqual(pruneUnknownFields(pod, "", "v1", "Pod"), [".spec.containers[0].nope"]);
  assert.deepEqual(pod.spec.containers[0], {
    name: "c",
    image: "i",
    resources: { limits: { cpu: "1" } },
  });
  assert.deepEqual(pruneUnknownFields({ spec: { foo: 1 } }, "example.com", "v1", "Widget"), []);
});

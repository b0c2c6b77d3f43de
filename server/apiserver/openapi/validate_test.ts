import assert from "node:assert/strict";
import { checkFieldValidation, unknownFields, unknownFieldsBySchema } from "./validate.ts";

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
  const warned = ['unknown field "spec.foo"', 'unknown field "spec.bar"'];
  assert.deepEqual(checkFieldValidation("Warn", obj, gvk), { warnings: warned });
  assert.deepEqual(checkFieldValidation(undefined, obj, gvk), { warnings: warned });
  assert.deepEqual(checkFieldValidation("Ignore", obj, gvk), { warnings: [] });
  assert.deepEqual(checkFieldValidation("Strict", deployment(), gvk), { warnings: [] });
  assert.match(checkFieldValidation("Loose", obj, gvk).error ?? "", /Unsupported value: "Loose"/);
});

import assert from "node:assert/strict";
import { formatFieldError } from "../../../kube/errors.ts";
import { validateRules } from "./cel.ts";
import { printerColumns } from "./columns.ts";
import { applyDefaults } from "./defaults.ts";
import { prune } from "./prune.ts";
import type { JSONSchemaProps } from "./schema.ts";
import { validateVersionSchema } from "./structural.ts";
import { validateValue } from "./validate.ts";

const texts = (errs: Parameters<typeof formatFieldError>[0][]) => errs.map(formatFieldError);

const SCHEMA: JSONSchemaProps = {
  type: "object",
  properties: {
    spec: {
      type: "object",
      required: ["size"],
      properties: {
        size: { type: "integer", minimum: 1, maximum: 5 },
        name: { type: "string", maxLength: 3, pattern: "^[a-z]+$" },
        mode: { type: "string", enum: ["a", "b"] },
        tags: { type: "array", maxItems: 2, items: { type: "string" } },
        when: { type: "string", format: "date-time" },
        port: { "x-kubernetes-int-or-string": true },
        labels: { type: "object", additionalProperties: { type: "string" } },
        free: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
        image: { type: "string", default: "busybox" },
        nested: {
          type: "object",
          default: {},
          properties: { level: { type: "integer", default: 3 } },
        },
      },
    },
  },
};

Deno.test("validateValue() reports upstream's messages", () => {
  const obj = {
    spec: {
      size: "big",
      name: "ABCD",
      mode: "c",
      tags: ["x", "y", "z"],
      when: "yesterday",
      port: true,
    },
  };
  assert.deepEqual(texts(validateValue(obj, SCHEMA, "", { resourceRoot: true })), [
    `spec.size: Invalid value: "string": spec.size in body must be of type integer: "string"`,
    `spec.name: Too long: may not be longer than 3`,
    `spec.name: Invalid value: "ABCD": spec.name in body should match '^[a-z]+$'`,
    `spec.mode: Unsupported value: "c": supported values: "a", "b"`,
    `spec.tags: Too many: 3: must have at most 2 items`,
    `spec.when: Invalid value: "yesterday": spec.when in body must be of type date-time: "yesterday"`,
    `spec.port: Invalid value: "boolean": spec.port in body must be of type integer,string: "boolean"`,
  ]);
  assert.deepEqual(texts(validateValue({ spec: { size: 9 } }, SCHEMA)), [
    `spec.size: Invalid value: 9: spec.size in body should be less than or equal to 5`,
  ]);
  assert.deepEqual(texts(validateValue({ spec: {} }, SCHEMA)), [`spec.size: Required value`]);
  assert.deepEqual(
    validateValue({ spec: { size: 2, port: "http", labels: { a: "b" } } }, SCHEMA),
    [],
  );
});

Deno.test("prune() drops undeclared fields but keeps maps, preserved subtrees and resource meta", () => {
  const obj = {
    apiVersion: "x/v1",
    kind: "X",
    metadata: { name: "a" },
    spec: { size: 1, bogus: 1, labels: { any: "v" }, free: { deep: { x: 1 } } },
    other: true,
  };
  assert.deepEqual(prune(obj, SCHEMA).sort(), [".other", ".spec.bogus"]);
  assert.deepEqual(obj, {
    apiVersion: "x/v1",
    kind: "X",
    metadata: { name: "a" },
    spec: { size: 1, labels: { any: "v" }, free: { deep: { x: 1 } } },
  });
});

Deno.test("applyDefaults() fills absent fields and nested defaults", () => {
  const obj: Record<string, unknown> = { spec: { size: 1, name: null } };
  applyDefaults(obj, SCHEMA);
  assert.deepEqual(obj, { spec: { size: 1, image: "busybox", nested: { level: 3 } } });
});

Deno.test("validateVersionSchema() refuses non-structural schemas with upstream's reasons", () => {
  const errs = validateVersionSchema(
    {
      type: "object",
      properties: {
        spec: { properties: { a: { type: "string" } }, additionalProperties: { type: "string" } },
        list: { type: "array" },
        metadata: { type: "object", properties: { labels: { type: "object" } } },
        any: { anyOf: [{ type: "string" }, { properties: { z: { type: "string" } } }] },
      },
    },
    "spec.versions[0].schema",
    false,
  );
  const p = "spec.versions[0].schema.openAPIV3Schema.properties";
  const got = texts(errs);
  for (
    const want of [
      `${p}[spec].additionalProperties: Forbidden: additionalProperties and properties are mutual exclusive`,
      `${p}[spec].type: Required value: must not be empty for specified object fields`,
      `${p}[list].items: Required value: must be specified`,
      `${p}[metadata]: Forbidden: must not specify anything other than name and generateName, but metadata is implicitly specified`,
      `${p}[any].anyOf[0].type: Forbidden: must be empty to be structural`,
      `${p}[any].properties[z]: Required value: because it is defined in ${p}[any].anyOf[1].properties[z]`,
      `${p}[any].type: Required value: must not be empty for specified object fields`,
    ]
  ) assert.ok(got.includes(want), `missing ${want} in\n${got.join("\n")}`);
  assert.deepEqual(validateVersionSchema(SCHEMA, "s", true), []);
});

Deno.test("validateVersionSchema() checks defaults and CEL rules", () => {
  const got = texts(validateVersionSchema(
    {
      type: "object",
      properties: {
        spec: {
          type: "object",
          properties: { n: { type: "integer", default: "x" } },
          "x-kubernetes-validations": [{ rule: "self.n >" }],
        },
      },
    },
    "s",
    false,
  ));
  assert.ok(
    got.some((e) =>
      e.startsWith(
        "s.openAPIV3Schema.properties[spec].x-kubernetes-validations[0].rule: Invalid value",
      )
    ),
    got.join("\n"),
  );
  const defaults = texts(validateVersionSchema(
    {
      type: "object",
      properties: {
        spec: { type: "object", properties: { n: { type: "integer", default: "x" } } },
      },
    },
    "s",
    false,
  ));
  assert.deepEqual(defaults, [
    `s.openAPIV3Schema.properties[spec].properties[n].default: Invalid value: "string": s.openAPIV3Schema.properties[spec].properties[n].default in body must be of type integer: "string"`,
  ]);
});

Deno.test("validateRules() evaluates self and transition rules with messages", () => {
  const schema: JSONSchemaProps = {
    type: "object",
    properties: {
      spec: {
        type: "object",
        properties: { min: { type: "integer" }, max: { type: "integer" } },
        "x-kubernetes-validations": [
          { rule: "self.min <= self.max", message: "min must not exceed max" },
          { rule: "self.max >= oldSelf.max", message: "max may only grow" },
        ],
      },
    },
  };
  assert.deepEqual(texts(validateRules({ spec: { min: 3, max: 2 } }, undefined, schema)), [
    `spec: Invalid value: "object": min must not exceed max`,
  ]);
  assert.deepEqual(
    validateRules({ spec: { min: 1, max: 2 } }, { spec: { min: 1, max: 5 } }, schema, false),
    [],
  );
  assert.deepEqual(
    texts(validateRules({ spec: { min: 1, max: 2 } }, { spec: { min: 1, max: 5 } }, schema, true)),
    [
      `spec: Invalid value: "object": max may only grow`,
    ],
  );
});

Deno.test("printerColumns() types cells and falls back to Age", () => {
  const now = new Date("2024-01-01T01:00:00Z");
  const cols = printerColumns([
    { name: "Size", type: "integer", jsonPath: ".spec.size" },
    { name: "Ready", type: "string", jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
    { name: "First", type: "string", jsonPath: ".spec.tags[0]" },
    { name: "Started", type: "date", jsonPath: ".status.started" },
  ]);
  const obj = {
    metadata: { name: "a" },
    spec: { size: 3, tags: ["x"] },
    status: {
      conditions: [{ type: "Other", status: "False" }, { type: "Ready", status: "True" }],
      started: "2024-01-01T00:00:00Z",
    },
  };
  assert.deepEqual(cols.map((c) => c.name), ["Name", "Size", "Ready", "First", "Started"]);
  assert.deepEqual(cols.map((c) => c.cell(obj, now)), ["a", 3, "True", "x", "60m"]);
  assert.deepEqual(printerColumns([]).map((c) => [c.name, c.type]), [["Name", "string"], [
    "Age",
    "date",
  ]]);
});

import assert from "node:assert/strict";
import { jsonDuplicateFields, yamlDuplicateFields } from "./duplicate_fields.ts";

Deno.test("jsonDuplicateFields() names repeated keys by path, in document order", () => {
  const text = `{"metadata": {"name": "a", "name": "b"},
    "spec": {"x\\"y": 1, "x\\"y": 2, "list": [{"a": 1}, {"image": "x", "s": "{[,:", "image": "y"}]}}`;
  assert.deepEqual(jsonDuplicateFields(text).map((d) => d.path), [
    "metadata.name",
    'spec.x"y',
    "spec.list[1].image",
  ]);
});

Deno.test("jsonDuplicateFields() finds nothing when keys repeat only across objects", () => {
  assert.deepEqual(
    jsonDuplicateFields(`{"a": {"k": 1}, "b": {"k": 2}, "c": [{"k": 1}, {"k": 2}]}`),
    [],
  );
});

Deno.test("yamlDuplicateFields() words repeats as go-yaml, in line order", () => {
  const text = "a: 1\nspec:\n  replicas: 1\n  'replicas': 2\na: 3\n";
  assert.deepEqual(yamlDuplicateFields(text), [
    'line 4: key "replicas" already set in map',
    'line 5: key "a" already set in map',
  ]);
});

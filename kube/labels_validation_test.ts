import assert from "node:assert/strict";
import { formatFieldError } from "./errors.ts";
import {
  byteLength,
  isDNS1123Label,
  isDNS1123Subdomain,
  isQualifiedName,
  isValidLabelValue,
  TOTAL_ANNOTATION_SIZE_LIMIT,
  validateAnnotations,
  validateDNS1123Label,
  validateDNS1123Subdomain,
  validateLabels,
  validateQualifiedName,
} from "./labels_validation.ts";

const NAME_PART_REGEX =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";

Deno.test("isQualifiedName() accepts names with and without a DNS prefix", () => {
  for (
    const ok of [
      "simple",
      "now-with-dashes",
      "1-starts-with-num",
      "1234",
      "simple/simple",
      "now-with-dashes/simple",
      "now-with-dashes/now-with-dashes",
      "now.with.dots/simple",
      "now-with.dashes-and.dots/simple",
      "1-num.2-num/3-num",
      "1234/5678",
      "1.2.3.4/5678",
      "Uppercase_Is_OK_123",
      "example.com/Uppercase_Is_OK_123",
      "requests.storage-foo",
      "a".repeat(63),
      "a".repeat(253) + "/" + "b".repeat(63),
    ]
  ) {
    assert.deepEqual(isQualifiedName(ok), [], ok);
  }
});

Deno.test("isQualifiedName() explains a bad name part with upstream's text", () => {
  assert.deepEqual(isQualifiedName("-bad"), [NAME_PART_REGEX]);
  assert.deepEqual(isQualifiedName("nospecialchars%^=@"), [NAME_PART_REGEX]);
  assert.deepEqual(isQualifiedName("a".repeat(64)), ["name part must be no more than 63 bytes"]);
  assert.deepEqual(isQualifiedName(""), ["name part must be non-empty", NAME_PART_REGEX]);
  assert.deepEqual(isQualifiedName("example.com/"), [
    "name part must be non-empty",
    NAME_PART_REGEX,
  ]);
});

Deno.test("isQualifiedName() explains a bad prefix", () => {
  assert.deepEqual(isQualifiedName("/simple"), ["prefix part must be non-empty"]);
  assert.deepEqual(isQualifiedName("Example.com/x"), [
    "prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
  ]);
  assert.equal(
    isQualifiedName("a".repeat(254) + "/x")[0],
    "prefix part must be no more than 253 bytes",
  );
  assert.match(
    isQualifiedName("a/b/c")[0],
    /^a valid label key must consist .* with an optional DNS subdomain prefix and '\/' \(e\.g\. 'example\.com\/MyName'\)$/,
  );
});

Deno.test("isValidLabelValue() allows empty and rejects long or odd values", () => {
  for (
    const ok of [
      "",
      "simple",
      "now-with-dashes",
      "1-starts-with-num",
      "end-with-num-1",
      "1234",
      "a".repeat(63),
    ]
  ) {
    assert.deepEqual(isValidLabelValue(ok), [], ok);
  }
  assert.deepEqual(isValidLabelValue("a".repeat(64)), ["must be no more than 63 bytes"]);
  assert.deepEqual(isValidLabelValue("nospecialchars%^=@"), [
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
  ]);
  assert.equal(isValidLabelValue("-starts").length, 1);
  assert.equal(isValidLabelValue("ends-").length, 1);
  assert.equal(isValidLabelValue("a\n").length, 1);
});

Deno.test("isDNS1123Label() distinguishes dots from other bad characters", () => {
  assert.deepEqual(isDNS1123Label("my-name"), []);
  assert.deepEqual(isDNS1123Label("a.b"), ["must not contain dots"]);
  assert.deepEqual(isDNS1123Label("My-Name"), [
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
  ]);
  assert.deepEqual(isDNS1123Label("a".repeat(64)), ["must be no more than 63 bytes"]);
});

Deno.test("isDNS1123Subdomain() allows dots and 253 bytes", () => {
  assert.deepEqual(isDNS1123Subdomain("a.b-c.d"), []);
  assert.deepEqual(isDNS1123Subdomain("a".repeat(253)), []);
  assert.deepEqual(isDNS1123Subdomain("a".repeat(254)), ["must be no more than 253 bytes"]);
  assert.equal(isDNS1123Subdomain("a..b").length, 1);
  assert.equal(isDNS1123Subdomain("-a").length, 1);
  assert.equal(isDNS1123Subdomain("").length, 1);
});

Deno.test("byteLength() counts UTF-8 bytes like Go's len()", () => {
  assert.equal(byteLength("abc"), 3);
  assert.equal(byteLength("é"), 2);
  assert.equal(byteLength("€"), 3);
  assert.equal(byteLength("😀"), 4);
  assert.equal(byteLength("함=수"), 7);
});

Deno.test("validateLabels() reports errors at the map's path", () => {
  const errs = validateLabels({ "-bad": "ok", good: "not ok" }, "metadata.labels");
  assert.deepEqual(errs.map(formatFieldError), [
    `metadata.labels: Invalid value: "-bad": ${NAME_PART_REGEX}`,
    `metadata.labels: Invalid value: "not ok": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')`,
  ]);
  assert.deepEqual(validateLabels(undefined, "metadata.labels"), []);
});

Deno.test("validateAnnotations() ignores key case and enforces 256 KiB in total", () => {
  assert.deepEqual(
    validateAnnotations({ "Example.COM/Key": "any value at all!" }, "metadata.annotations"),
    [],
  );
  assert.equal(validateAnnotations({ "a/b/c": "x" }, "metadata.annotations").length, 1);
  const big = { a: "x".repeat(TOTAL_ANNOTATION_SIZE_LIMIT - 1) };
  assert.deepEqual(validateAnnotations(big, "metadata.annotations"), []);
  const tooBig = { ab: "x".repeat(TOTAL_ANNOTATION_SIZE_LIMIT - 1) };
  const errs = validateAnnotations(tooBig, "metadata.annotations");
  assert.deepEqual(errs.map(formatFieldError), [
    "metadata.annotations: Too long: may not be more than 262144 bytes",
  ]);
});

Deno.test("validate*() helpers wrap messages as FieldValueInvalid", () => {
  assert.deepEqual(validateDNS1123Label("ok", "metadata.name"), []);
  assert.deepEqual(validateDNS1123Subdomain("a.b", "metadata.name"), []);
  const [err] = validateDNS1123Label("a.b", "metadata.name");
  assert.deepEqual(err, {
    type: "FieldValueInvalid",
    field: "metadata.name",
    value: "a.b",
    detail: "must not contain dots",
  });
  assert.equal(
    validateQualifiedName("kubernetes.io/pvc-protection", "metadata.finalizers[0]").length,
    0,
  );
  assert.equal(validateQualifiedName("bad finalizer", "metadata.finalizers[0]").length, 1);
});

import assert from "node:assert/strict";
import { StatusError } from "../../../../kube/errors.ts";
import type { KubeObject } from "../../../../kube/meta.ts";
import { base64ErrorOffset } from "./data_keys.ts";
import { cell, coreDef, create, update } from "./testing.ts";

const configmaps = coreDef("configmaps");
const secrets = coreDef("secrets");

function obj(extra: Record<string, unknown>): KubeObject {
  return { metadata: { name: "x", namespace: "default" }, ...extra };
}

Deno.test("configmaps: an immutable configmap refuses data changes and unsetting immutable", async () => {
  const old = obj({ data: { a: "1" }, immutable: true });
  assert.deepStrictEqual(await create(configmaps, old), []);
  const changed = obj({ data: { a: "2" }, immutable: true });
  assert.deepStrictEqual(await update(configmaps, changed, old), [{
    type: "FieldValueForbidden",
    field: "data",
    detail: "field is immutable when `immutable` is set",
  }]);
  const unset = obj({ data: { a: "1" }, immutable: false });
  assert.deepStrictEqual((await update(configmaps, unset, old)).map((e) => e.field), ["immutable"]);
  const labelsOnly = obj({ data: { a: "1" }, immutable: true });
  labelsOnly.metadata.labels = { x: "y" };
  assert.deepStrictEqual(await update(configmaps, labelsOnly, old), []);
});

Deno.test("configmaps: keys must be config keys and the total at most 1 MiB", async () => {
  const errs = await create(
    configmaps,
    obj({ data: { "a/b": "1", "..x": "2", ok: "x".repeat(1024 * 1024) } }),
  );
  assert.deepStrictEqual(errs.map((e) => `${e.field}: ${e.detail}`), [
    "data[a/b]: a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')",
    "data[..x]: must not start with '..'",
    ": may not be more than 1048576 bytes",
  ]);
});

Deno.test("configmaps: the DATA column counts data and binaryData", () => {
  assert.equal(cell(configmaps, "Data", obj({ data: { a: "1" }, binaryData: { b: "AA==" } })), 2);
});

Deno.test("secrets: data values must be base64, reported as upstream's decode error", async () => {
  await assert.rejects(create(secrets, obj({ data: { a: "not base64!" } })), (err) => {
    assert.ok(err instanceof StatusError);
    assert.equal(err.code, 400);
    assert.equal(
      err.message,
      'Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte 3',
    );
    return true;
  });
  assert.deepStrictEqual(await create(secrets, obj({ data: { a: "aGVsbG8=" } })), []);
});

Deno.test("base64ErrorOffset() finds the offset Go reports", () => {
  assert.equal(base64ErrorOffset("aGVsbG8="), -1);
  assert.equal(base64ErrorOffset(""), -1);
  assert.equal(base64ErrorOffset("aGVsbG8"), 4);
  assert.equal(base64ErrorOffset("a=bc"), 1);
  assert.equal(base64ErrorOffset("ab==cd=="), 4);
});

Deno.test("secrets: type defaults to Opaque and stringData merges into data", async () => {
  const s = obj({ stringData: { user: "admin" }, data: { pw: "c2VjcmV0" } });
  assert.deepStrictEqual(await create(secrets, s), []);
  assert.equal(s.type, "Opaque");
  assert.deepStrictEqual(s.data, { pw: "c2VjcmV0", user: "YWRtaW4=" });
  assert.equal(s.stringData, undefined);
  assert.equal(cell(secrets, "Type", s), "Opaque");
  assert.equal(cell(secrets, "Data", s), 2);
});

Deno.test("secrets: well-known types require their keys", async () => {
  const tls = await create(
    secrets,
    obj({ type: "kubernetes.io/tls", data: { "tls.crt": "YQ==" } }),
  );
  assert.deepStrictEqual(tls.map((e) => `${e.field}: ${e.type}`), [
    "data[tls.key]: FieldValueRequired",
  ]);
  const sa = await create(secrets, obj({ type: "kubernetes.io/service-account-token" }));
  assert.deepStrictEqual(sa.map((e) => e.field), [
    "metadata.annotations[kubernetes.io/service-account.name]",
  ]);
  const docker = await create(
    secrets,
    obj({
      type: "kubernetes.io/dockerconfigjson",
      data: { ".dockerconfigjson": btoa("{not json") },
    }),
  );
  assert.deepStrictEqual(docker.map((e) => e.field), ["data[.dockerconfigjson]"]);
});

Deno.test("secrets: type and immutable data cannot change", async () => {
  const old = obj({ data: { a: "YQ==" }, immutable: true });
  await create(secrets, old);
  const next = obj({
    type: "kubernetes.io/tls",
    data: { "tls.crt": "YQ==", "tls.key": "YQ==" },
    immutable: true,
  });
  assert.deepStrictEqual((await update(secrets, next, old)).map((e) => `${e.field}: ${e.detail}`), [
    "type: field is immutable",
    "data: field is immutable when `immutable` is set",
  ]);
});

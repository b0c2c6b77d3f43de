/**
 * Duplicate fields under `?fieldValidation=`: a raw JSON body sent with `kubectl create --raw`
 * (kubectl's own decoding of `-f` files drops repeats before sending), YAML bodies, and apply
 * patches; Strict refuses with upstream's wording, Warn warns, Ignore keeps the last value.
 */
import assert from "node:assert/strict";
import { kubectlSteps, startServer } from "./harness.ts";

function deploymentJson(name: string): string {
  return `{
  "apiVersion": "apps/v1",
  "kind": "Deployment",
  "metadata": {"name": "${name}", "labels": {"app": "web"}},
  "spec": {
    "unknownField": "foo",
    "replicas": 2,
    "replicas": 3,
    "selector": {"matchLabels": {"app": "web"}},
    "template": {
      "metadata": {"labels": {"app": "web"}},
      "spec": {"containers": [{"name": "c", "image": "busybox", "image": "nginx"}]}
    }
  }
}`;
}

const DEPLOYMENT_YAML = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: NAME
spec:
  replicas: 2
  replicas: 4
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: c
        image: busybox
`;

Deno.test({
  name: "duplicate fields are refused, warned about or ignored as fieldValidation says",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const server = await startServer();
    try {
      await kubectlSteps(t, server, "dupfields", async (k, t) => {
        const base = `/apis/apps/v1/namespaces/${k.namespace}/deployments`;

        await t.step(
          "Strict JSON names unknown and duplicate fields in document order",
          async () => {
            const r = await k.run(
              ["create", "--raw", `${base}?fieldValidation=Strict`, "-f", "-"],
              { stdin: deploymentJson("strict") },
            );
            assert.notEqual(r.code, 0);
            assert.match(
              r.stderr,
              /BadRequest.*strict decoding error: unknown field "spec\.unknownField", duplicate field "spec\.replicas", duplicate field "spec\.template\.spec\.containers\[0\]\.image"/,
            );
            const got = await k.run(["get", "deployment", "strict"]);
            assert.notEqual(got.code, 0, "a refused create stores nothing");
          },
        );

        await t.step("Warn JSON creates with one warning per field", async () => {
          const r = await k.run(
            ["create", "--raw", `${base}?fieldValidation=Warn`, "-f", "-"],
            { stdin: deploymentJson("warned") },
          );
          assert.equal(r.code, 0, r.stderr);
          assert.match(r.stderr, /Warning: duplicate field "spec\.replicas"/);
          assert.match(r.stderr, /Warning: unknown field "spec\.unknownField"/);
          const replicas = await k.ok([
            "get",
            "deployment",
            "warned",
            "-o",
            "jsonpath={.spec.replicas} {.spec.template.spec.containers[0].image}",
          ]);
          assert.equal(replicas, "3 nginx", "the last of repeated keys wins");
        });

        await t.step("Ignore JSON creates without a warning", async () => {
          const r = await k.run(
            ["create", "--raw", `${base}?fieldValidation=Ignore`, "-f", "-"],
            { stdin: deploymentJson("ignored") },
          );
          assert.equal(r.code, 0, r.stderr);
          assert.doesNotMatch(r.stderr, /duplicate field/);
        });

        await t.step("Strict replace (PUT) refuses a duplicate", async () => {
          const r = await k.run(
            ["replace", "--raw", `${base}/warned?fieldValidation=Strict`, "-f", "-"],
            { stdin: deploymentJson("warned") },
          );
          assert.notEqual(r.code, 0);
          assert.match(r.stderr, /duplicate field "spec\.replicas"/);
        });
      });

      const base = "/apis/apps/v1/namespaces/default/deployments";
      await t.step("Strict YAML body: go-yaml's line and key", async () => {
        const r = await server.request("POST", `${base}?fieldValidation=Strict`, {
          body: DEPLOYMENT_YAML.replace("NAME", "yaml-strict"),
          contentType: "application/yaml",
        });
        assert.equal(r.status, 400, r.body);
        const status = JSON.parse(r.body);
        assert.equal(status.reason, "BadRequest");
        assert.equal(
          status.message,
          'strict decoding error: yaml: unmarshal errors:\n  line 7: key "replicas" already set in map',
        );
      });

      await t.step("Warn YAML body: created, with the line as a warning", async () => {
        const r = await server.request("POST", `${base}?fieldValidation=Warn`, {
          body: DEPLOYMENT_YAML.replace("NAME", "yaml-warn"),
          contentType: "application/yaml",
        });
        assert.equal(r.status, 201, r.body);
        assert.match(String(r.headers.warning), /line 7: key \\?"replicas\\?" already set in map/);
        assert.equal(JSON.parse(r.body).spec.replicas, 4);
      });

      await t.step(
        "merge patch: repeated keys first, then unknown fields in key order",
        async () => {
          const clean = JSON.parse(deploymentJson("patched"));
          delete clean.spec.unknownField;
          const created = await server.request("POST", base, { body: JSON.stringify(clean) });
          assert.equal(created.status, 201, created.body);
          const body =
            '{"spec": {"unknown1": "v", "paused": true, "paused": false, "template": {"spec": {"containers": [{"name": "c", "image": "x", "image": "y", "zz": 1}]}}}}';
          const strict = await server.request(
            "PATCH",
            `${base}/patched?fieldValidation=Strict`,
            { body, contentType: "application/merge-patch+json" },
          );
          assert.equal(strict.status, 400, strict.body);
          assert.equal(
            JSON.parse(strict.body).message,
            'strict decoding error: duplicate field "spec.paused", duplicate field "spec.template.spec.containers[0].image", unknown field "spec.template.spec.containers[0].zz", unknown field "spec.unknown1"',
          );
          const warned = await server.request("PATCH", `${base}/patched?fieldValidation=Warn`, {
            body,
            contentType: "application/merge-patch+json",
          });
          assert.equal(warned.status, 200, warned.body);
          assert.match(String(warned.headers.warning), /duplicate field \\?"spec\.paused\\?"/);
          assert.equal(JSON.parse(warned.body).spec.paused, false);
        },
      );

      await t.step("JSON patch: unknown and repeated op fields, then unknown fields", async () => {
        const body = `[
          {"op": "add", "path": "/spec/unknown1", "value": "v", "foo": "bar"},
          {"op": "add", "path": "/spec/unknown2", "path": "/spec/unknown3", "value": "v"},
          {"op": "replace", "path": "/spec/paused", "value": true}
        ]`;
        const clean = JSON.parse(deploymentJson("json-patched"));
        delete clean.spec.unknownField;
        await server.requestOk("POST", base, clean);
        const strict = await server.request(
          "PATCH",
          `${base}/json-patched?fieldValidation=Strict`,
          { body, contentType: "application/json-patch+json" },
        );
        assert.equal(strict.status, 400, strict.body);
        assert.equal(
          JSON.parse(strict.body).message,
          'strict decoding error: json patch unknown field "[0].foo", json patch duplicate field "[1].path", unknown field "spec.unknown1", unknown field "spec.unknown3"',
        );
      });

      await t.step("Strict apply patch with a repeated key", async () => {
        const r = await server.request(
          "PATCH",
          `${base}/applied?fieldManager=test&fieldValidation=Strict`,
          {
            body: DEPLOYMENT_YAML.replace("NAME", "applied"),
            contentType: "application/apply-patch+yaml",
          },
        );
        assert.equal(r.status, 400, r.body);
        assert.equal(
          JSON.parse(r.body).message,
          'error strict decoding YAML: error converting YAML to JSON: yaml: unmarshal errors:\n  line 7: key "replicas" already set in map',
        );
        const json = await server.request(
          "PATCH",
          `${base}/applied?fieldManager=test&fieldValidation=Strict`,
          { body: deploymentJson("applied"), contentType: "application/apply-patch+yaml" },
        );
        assert.equal(json.status, 400, json.body);
        assert.match(JSON.parse(json.body).message, /line 8: key "replicas" already set in map/);
      });
    } finally {
      await server.close();
    }
  },
});

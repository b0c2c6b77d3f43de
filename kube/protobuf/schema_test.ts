import assert from "node:assert/strict";
import { Schema } from "./schema.ts";
import { JSON_NAME_EXCEPTIONS } from "./schema_data.ts";

const schema = new Schema();

Deno.test("Schema serves every built-in group version of Kubernetes 1.33–1.35", () => {
  const want = [
    "v1",
    "apps/v1",
    "batch/v1",
    "autoscaling/v1",
    "autoscaling/v2",
    "coordination.k8s.io/v1",
    "discovery.k8s.io/v1",
    "events.k8s.io/v1",
    "networking.k8s.io/v1",
    "policy/v1",
    "rbac.authorization.k8s.io/v1",
    "storage.k8s.io/v1",
    "scheduling.k8s.io/v1",
    "node.k8s.io/v1",
    "certificates.k8s.io/v1",
    "admissionregistration.k8s.io/v1",
    "authentication.k8s.io/v1",
    "authorization.k8s.io/v1",
    "flowcontrol.apiserver.k8s.io/v1",
    "resource.k8s.io/v1",
    "apiextensions.k8s.io/v1",
    "apiregistration.k8s.io/v1",
    "meta.k8s.io/v1",
  ];
  assert.deepEqual(schema.apiVersions().sort(), want.sort());
});

Deno.test("Schema resolves every message reference and every registered kind", () => {
  for (const name of schema.messageNames()) {
    for (const f of schema.message(name).fields) {
      if (f.type !== undefined) assert.ok(schema.message(f.type), `${name}.${f.json}`);
    }
  }
  for (
    const [apiVersion, kind, message] of [
      ["v1", "Pod", "core.v1.Pod"],
      ["v1", "Status", "meta.v1.Status"],
      ["apps/v1", "DeleteOptions", "meta.v1.DeleteOptions"],
      ["authentication.k8s.io/v1", "TokenRequest", "authentication.v1.TokenRequest"],
      ["policy/v1", "Eviction", "policy.v1.Eviction"],
      ["autoscaling/v1", "Scale", "autoscaling.v1.Scale"],
      ["meta.k8s.io/v1", "PartialObjectMetadata", "meta.v1.PartialObjectMetadata"],
    ]
  ) {
    assert.equal(schema.kind(apiVersion, kind)?.name, message, `${apiVersion} ${kind}`);
  }
  assert.equal(schema.kind("v1", "PodSpec"), undefined);
});

Deno.test("Schema keeps upstream field numbers", () => {
  const numbers = (name: string) =>
    Object.fromEntries(schema.message(name).fields.map((f) => [f.json || f.type, f.no]));
  assert.equal(numbers("core.v1.PodSpec").containers, 2);
  assert.equal(numbers("core.v1.PodSpec").serviceAccount, 9);
  assert.equal(numbers("meta.v1.ObjectMeta").managedFields, 17);
  assert.equal(numbers("core.v1.Secret").stringData, 4);
  assert.equal(numbers("core.v1.Volume")["core.v1.VolumeSource"], 2);
});

Deno.test("Schema marks Go's pointers, omitempty and inline structs", () => {
  const field = (msg: string, json: string) =>
    schema.message(msg).fields.find((f) => f.json === json)!;
  assert.equal(field("apps.v1.DeploymentSpec", "replicas").always, false); // *int32
  assert.equal(field("core.v1.ContainerPort", "containerPort").omitZero, false); // no omitempty
  assert.equal(field("meta.v1.ObjectMeta", "namespace").omitZero, true);
  const handler = schema.message("core.v1.Probe").byNo[1]!;
  assert.equal(handler.inline, true);
  assert.equal(handler.type, "core.v1.ProbeHandler");
  assert.equal(schema.message("authentication.v1.ExtraValue").special, "array");
  assert.equal(schema.message("meta.v1.MicroTime").special, "microTime");
});

Deno.test("JSON_NAME_EXCEPTIONS lists the fields whose JSON name is not the proto name", () => {
  const has = (msg: string, proto: string, json: string) =>
    JSON_NAME_EXCEPTIONS.some(([m, p, j]) => m === msg && p === proto && j === json);
  assert.ok(has("apiextensions.v1.JSONSchemaProps", "ref", "$ref"));
  assert.ok(
    has(
      "apiextensions.v1.JSONSchemaProps",
      "xKubernetesPreserveUnknownFields",
      "x-kubernetes-preserve-unknown-fields",
    ),
  );
  assert.ok(has("authentication.v1.BoundObjectReference", "uID", "uid"));
  assert.ok(has("networking.v1.IngressClassParametersReference", "aPIGroup", "apiGroup"));
  assert.ok(has("core.v1.Volume", "volumeSource", ",inline"));
  const field = schema.message("apiextensions.v1.JSONSchemaProps").byNo[3]!;
  assert.equal(field.json, "$ref");
});

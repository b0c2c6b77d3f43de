import assert from "node:assert/strict";
import { deployments } from "../resources/apps/deployment.ts";
import { TEST_DEFS, testServer } from "../testing.ts";

// deno-lint-ignore no-explicit-any
type Any = any;

const CM = "/api/v1/namespaces/default/configmaps";
const DEPLOY = "/apis/apps/v1/namespaces/default/deployments";
const APPLY = { "content-type": "application/apply-patch+yaml" };

function cmYaml(data: Record<string, string>): string {
  const lines = Object.entries(data).map(([k, v]) => `  ${k}: "${v}"`);
  return `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n${lines.join("\n")}\n`;
}

Deno.test("PATCH apply creates with 201, then merges with 200; a no-op keeps the version", async () => {
  const s = await testServer();
  try {
    const created = await s.call("PATCH", `${CM}/c?fieldManager=ci`, cmYaml({ a: "1" }), APPLY);
    assert.equal(created.status, 201);
    const c = await created.json();
    assert.deepEqual(c.data, { a: "1" });
    assert.deepEqual(c.metadata.managedFields.map((e: Any) => [e.manager, e.operation]), [
      ["ci", "Apply"],
    ]);
    const same = await s.call("PATCH", `${CM}/c?fieldManager=ci`, cmYaml({ a: "1" }), APPLY);
    assert.equal(same.status, 200);
    assert.equal((await same.json()).metadata.resourceVersion, c.metadata.resourceVersion);
    const changed = await s.call("PATCH", `${CM}/c?fieldManager=ci`, cmYaml({ b: "2" }), APPLY);
    const body = await changed.json();
    assert.deepEqual(body.data, { b: "2" });
    assert.notEqual(body.metadata.resourceVersion, c.metadata.resourceVersion);
  } finally {
    await s.close();
  }
});

Deno.test("apply without fieldManager is 422; force on another patch type is 422", async () => {
  const s = await testServer();
  try {
    const res = await s.call("PATCH", `${CM}/c`, cmYaml({ a: "1" }), APPLY);
    assert.equal(res.status, 422);
    const st = await res.json();
    assert.equal(
      st.message,
      'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch',
    );
    await s.call("POST", CM, { metadata: { name: "m" } });
    const merge = await s.call("PATCH", `${CM}/m?force=true`, { data: { a: "1" } }, {
      "content-type": "application/merge-patch+json",
    });
    assert.equal(merge.status, 422);
    assert.match((await merge.json()).message, /force: Forbidden: may not be specified/);
  } finally {
    await s.close();
  }
});

Deno.test("apply conflicts answer 409 with causes, force=true wins", async () => {
  const s = await testServer();
  try {
    await s.call("PATCH", `${CM}/c?fieldManager=one`, cmYaml({ a: "1" }), APPLY);
    const res = await s.call("PATCH", `${CM}/c?fieldManager=two`, cmYaml({ a: "2" }), APPLY);
    assert.equal(res.status, 409);
    const st = await res.json();
    assert.equal(st.reason, "Conflict");
    assert.equal(st.message, 'Apply failed with 1 conflict: conflict with "one": .data.a');
    assert.deepEqual(st.details.causes, [
      { reason: "FieldManagerConflict", message: 'conflict with "one"', field: ".data.a" },
    ]);
    const forced = await s.call(
      "PATCH",
      `${CM}/c?fieldManager=two&force=true`,
      cmYaml({ a: "2" }),
      APPLY,
    );
    assert.equal(forced.status, 200);
    const got = await forced.json();
    assert.equal(got.data.a, "2");
    assert.deepEqual(got.metadata.managedFields.map((e: Any) => e.manager), ["two"]);
  } finally {
    await s.close();
  }
});

Deno.test("apply with dryRun=All answers the result and stores nothing", async () => {
  const s = await testServer();
  try {
    await s.call("PATCH", `${CM}/c?fieldManager=ci`, cmYaml({ a: "1" }), APPLY);
    const dry = await s.call(
      "PATCH",
      `${CM}/c?fieldManager=ci&dryRun=All`,
      cmYaml({ a: "9" }),
      APPLY,
    );
    assert.equal(dry.status, 200);
    assert.equal((await dry.json()).data.a, "9");
    assert.equal((await (await s.call("GET", `${CM}/c`)).json()).data.a, "1");
    const dryCreate = await s.call(
      "PATCH",
      `${CM}/new?fieldManager=ci&dryRun=All`,
      cmYaml({ a: "1" }).replace("name: c", "name: new"),
      APPLY,
    );
    assert.equal(dryCreate.status, 201);
    assert.equal((await s.call("GET", `${CM}/new`)).status, 404);
  } finally {
    await s.close();
  }
});

Deno.test("apply to a Deployment and its status subresource records separate owners", async () => {
  const s = await testServer([...TEST_DEFS, deployments]);
  try {
    const d = {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "web" },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: "web" } },
        template: {
          metadata: { labels: { app: "web" } },
          spec: { containers: [{ name: "nginx", image: "nginx", ports: [{ containerPort: 80 }] }] },
        },
      },
    };
    const created = await s.call("PATCH", `${DEPLOY}/web?fieldManager=ci`, d, APPLY);
    assert.equal(created.status, 201);
    const body = await created.json();
    const fields = body.metadata.managedFields[0].fieldsV1;
    assert.deepEqual(
      Object.keys(
        fields["f:spec"]["f:template"]["f:spec"]["f:containers"]['k:{"name":"nginx"}']["f:ports"],
      ),
      ['k:{"containerPort":80,"protocol":"TCP"}'],
    );
    const status = {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "web" },
      status: { replicas: 2 },
    };
    const res = await s.call(
      "PATCH",
      `${DEPLOY}/web/status?fieldManager=controller`,
      status,
      APPLY,
    );
    assert.equal(res.status, 200);
    const got = await res.json();
    assert.equal(got.status.replicas, 2);
    const byManager = Object.fromEntries(
      got.metadata.managedFields.map((e: Any) => [e.manager, e]),
    );
    assert.equal(byManager.controller.subresource, "status");
    assert.deepEqual(byManager.controller.fieldsV1, { "f:status": { "f:replicas": {} } });
    assert.equal(byManager.ci.fieldsV1["f:status"], undefined);
  } finally {
    await s.close();
  }
});

Deno.test("managedFields a Go client could not decode are refused: 400 on PUT, 422 on patch", async () => {
  const s = await testServer();
  try {
    await s.call("POST", `${CM}?fieldManager=one`, { metadata: { name: "c" }, data: { a: "1" } });
    const put = await s.call("PUT", `${CM}/c`, {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "c", managedFields: "oops" },
      data: { a: "2" },
    });
    assert.equal(put.status, 400);
    assert.equal(
      (await put.json()).message,
      'ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot unmarshal string into Go struct field ObjectMeta.metadata.managedFields of type []v1.ManagedFieldsEntry',
    );
    const patch = await s.call("PATCH", `${CM}/c`, {
      metadata: { managedFields: [{ manager: 1 }] },
    }, {
      "content-type": "application/merge-patch+json",
    });
    assert.equal(patch.status, 422);
    const got = await (await s.call("GET", `${CM}/c`)).json();
    assert.equal(got.data.a, "1");
    assert.equal(got.metadata.managedFields[0].manager, "one");
  } finally {
    await s.close();
  }
});

Deno.test("an update with managedFields [{}] stops tracking, as upstream allows", async () => {
  const s = await testServer();
  try {
    await s.call("POST", `${CM}?fieldManager=one`, { metadata: { name: "c" }, data: { a: "1" } });
    const res = await s.call("PATCH", `${CM}/c?fieldManager=two`, {
      metadata: { managedFields: [{}] },
      data: { b: "2" },
    }, { "content-type": "application/merge-patch+json" });
    assert.equal(res.status, 200);
    const got = await res.json();
    // Only the change made by this request is tracked afterwards.
    assert.deepEqual(got.metadata.managedFields.map((e: Any) => [e.manager, e.fieldsV1]), [
      ["two", { "f:data": { "f:b": {} } }],
    ]);
  } finally {
    await s.close();
  }
});

Deno.test("a write through /scale is recorded under the scale subresource", async () => {
  const s = await testServer([...TEST_DEFS, deployments]);
  try {
    const d = {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "web" },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: "web" } },
        template: {
          metadata: { labels: { app: "web" } },
          spec: { containers: [{ name: "nginx", image: "nginx" }] },
        },
      },
    };
    await s.call("POST", `${DEPLOY}?fieldManager=creator`, d);
    const res = await s.call("PATCH", `${DEPLOY}/web/scale?fieldManager=scaler`, {
      spec: { replicas: 4 },
    }, { "content-type": "application/merge-patch+json" });
    assert.equal(res.status, 200);
    const got = await (await s.call("GET", `${DEPLOY}/web`)).json();
    const byManager = Object.fromEntries(
      got.metadata.managedFields.map((e: Any) => [e.manager, e]),
    );
    assert.equal(byManager.scaler.subresource, "scale");
    assert.deepEqual(byManager.scaler.fieldsV1, { "f:spec": { "f:replicas": {} } });
    assert.equal(byManager.creator.fieldsV1["f:spec"]["f:replicas"], undefined);
  } finally {
    await s.close();
  }
});

Deno.test("a resourceVersion in an applied configuration is a precondition", async () => {
  const s = await testServer();
  try {
    const created = await (await s.call(
      "PATCH",
      `${CM}/c?fieldManager=ci`,
      cmYaml({ a: "1" }),
      APPLY,
    )).json();
    const rv = created.metadata.resourceVersion;
    const stale = cmYaml({ a: "2" }).replace(
      "name: c",
      `name: c\n  resourceVersion: "${Number(rv) - 1}"`,
    );
    const res = await s.call("PATCH", `${CM}/c?fieldManager=ci`, stale, APPLY);
    assert.equal(res.status, 409);
    assert.match((await res.json()).message, /the object has been modified/);
    const fresh = cmYaml({ a: "2" }).replace("name: c", `name: c\n  resourceVersion: "${rv}"`);
    assert.equal((await s.call("PATCH", `${CM}/c?fieldManager=ci`, fresh, APPLY)).status, 200);
  } finally {
    await s.close();
  }
});

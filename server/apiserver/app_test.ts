import assert from "node:assert/strict";
import { testServer } from "./testing.ts";

Deno.test("ApiServer creates, reads, lists and deletes a ConfigMap", async () => {
  const s = await testServer();
  try {
    const created = await s.call("POST", "/api/v1/namespaces/default/configmaps", {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "a" },
      data: { k: "v" },
    });
    assert.equal(created.status, 201);
    const obj = await created.json();
    assert.equal(obj.metadata.namespace, "default");
    assert.match(obj.metadata.uid, /^[0-9a-f-]{36}$/);
    assert.ok(Number(obj.metadata.resourceVersion) > 0);

    const got = await (await s.call("GET", "/api/v1/namespaces/default/configmaps/a")).json();
    assert.deepEqual(got.data, { k: "v" });

    const list = await (await s.call("GET", "/api/v1/namespaces/default/configmaps")).json();
    assert.equal(list.kind, "ConfigMapList");
    assert.deepEqual(list.items.map((i: { metadata: { name: string } }) => i.metadata.name), ["a"]);

    const del = await s.call("DELETE", "/api/v1/namespaces/default/configmaps/a");
    assert.equal(del.status, 200);
    assert.equal((await del.json()).status, "Success");
    const missing = await s.call("GET", "/api/v1/namespaces/default/configmaps/a");
    assert.equal(missing.status, 404);
    assert.equal((await missing.json()).message, 'configmaps "a" not found');
  } finally {
    await s.close();
  }
});

Deno.test("ApiServer refuses an update with a stale resourceVersion with 409", async () => {
  const s = await testServer();
  try {
    const obj = await (await s.call("POST", "/api/v1/namespaces/default/configmaps", {
      metadata: { name: "c" },
      data: { n: "1" },
    })).json();
    const first = await s.call("PUT", "/api/v1/namespaces/default/configmaps/c", {
      ...obj,
      data: { n: "2" },
    });
    assert.equal(first.status, 200);
    const stale = await s.call("PUT", "/api/v1/namespaces/default/configmaps/c", {
      ...obj,
      data: { n: "3" },
    });
    assert.equal(stale.status, 409);
    const status = await stale.json();
    assert.equal(status.reason, "Conflict");
    assert.match(status.message, /the object has been modified/);
  } finally {
    await s.close();
  }
});

Deno.test("ApiServer refuses creation in a missing namespace with 404", async () => {
  const s = await testServer();
  try {
    const res = await s.call("POST", "/api/v1/namespaces/nope/configmaps", {
      metadata: { name: "x" },
    });
    assert.equal(res.status, 404);
    assert.equal((await res.json()).message, 'namespaces "nope" not found');
  } finally {
    await s.close();
  }
});

Deno.test("ApiServer watch streams ADDED then MODIFIED from a resourceVersion", async () => {
  const s = await testServer();
  try {
    const list = await (await s.call("GET", "/api/v1/namespaces/default/configmaps")).json();
    const rv = list.metadata.resourceVersion;
    const res = await s.call(
      "GET",
      `/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=${rv}&timeoutSeconds=5`,
    );
    assert.equal(res.status, 200);
    await s.call("POST", "/api/v1/namespaces/default/configmaps", { metadata: { name: "w" } });
    await s.call("PATCH", "/api/v1/namespaces/default/configmaps/w", { data: { a: "b" } }, {
      "content-type": "application/merge-patch+json",
    });
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = "";
    while (text.split("\n").length < 3) {
      const { value, done } = await reader.read();
      if (done) break;
      text += value;
    }
    await reader.cancel();
    const events = text.trim().split("\n").map((l) => JSON.parse(l));
    assert.deepEqual(events.map((e) => e.type), ["ADDED", "MODIFIED"]);
    assert.deepEqual(events[1].object.data, { a: "b" });
  } finally {
    await s.close();
  }
});

Deno.test("ApiServer answers invalid names with 422 and a cause per field", async () => {
  const s = await testServer();
  try {
    const res = await s.call("POST", "/api/v1/namespaces/default/configmaps", {
      metadata: { name: "Bad_Name", labels: { "a b": "c" } },
    });
    assert.equal(res.status, 422);
    const status = await res.json();
    assert.equal(status.reason, "Invalid");
    const fields = status.details.causes.map((c: { field: string }) => c.field);
    assert.ok(fields.includes("metadata.name"));
    assert.ok(fields.includes("metadata.labels"));
  } finally {
    await s.close();
  }
});

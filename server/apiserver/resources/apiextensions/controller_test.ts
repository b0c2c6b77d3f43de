import assert from "node:assert/strict";
import { crdTestServer, cronTabCrd, settle } from "./testing.ts";

const CRDS = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions";
const CRONTABS = "/apis/stable.example.com/v1/namespaces/default/crontabs";

// deno-lint-ignore no-explicit-any
type Any = any;

Deno.test("CrdController establishes a CRD and serves its custom resources", async () => {
  const s = await crdTestServer();
  try {
    assert.equal((await s.install(cronTabCrd())).status, 201);
    const crd: Any = await (await s.call("GET", `${CRDS}/crontabs.stable.example.com`)).json();
    const conds = Object.fromEntries(crd.status.conditions.map((c: Any) => [c.type, c]));
    assert.equal(conds.NamesAccepted.status, "True");
    assert.equal(conds.NamesAccepted.reason, "NoConflicts");
    assert.equal(conds.Established.status, "True");
    assert.equal(conds.Established.reason, "InitialNamesAccepted");
    assert.deepEqual(crd.status.acceptedNames.shortNames, ["ct"]);
    assert.deepEqual(crd.status.storedVersions, ["v1"]);

    const res = await s.call("POST", CRONTABS, {
      apiVersion: "stable.example.com/v1",
      kind: "CronTab",
      metadata: { name: "a" },
      spec: { cronSpec: "* * * * */5", replicas: 2, extra: "dropped" },
      status: { replicas: 9 },
    });
    assert.equal(res.status, 201, await res.clone().text());
    const ct: Any = await res.json();
    assert.equal(ct.spec.image, "busybox");
    assert.equal(ct.spec.extra, undefined);
    assert.equal(ct.status, undefined);
    assert.equal(ct.metadata.generation, 1);

    const bad = await s.call("POST", CRONTABS, {
      metadata: { name: "b" },
      spec: { cronSpec: "* * * * *", replicas: "two" },
    });
    assert.equal(bad.status, 422);
    const status: Any = await bad.json();
    assert.equal(
      status.message,
      `CronTab.stable.example.com "b" is invalid: [spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string", <nil>: Invalid value: "null": some validation rules were not checked because the object was invalid; correct the existing errors to complete validation]`,
    );
    assert.deepEqual(status.details.causes[0].field, "spec.replicas");

    const seven = await s.call("POST", CRONTABS, {
      metadata: { name: "c" },
      spec: { cronSpec: "* * * * *", replicas: 7 },
    });
    assert.equal(seven.status, 422);
    assert.match((await seven.json()).message, /spec: Invalid value: "object": seven is unlucky/);

    const scaled = await s.call("PATCH", `${CRONTABS}/a/scale`, { spec: { replicas: 4 } }, {
      "content-type": "application/merge-patch+json",
    });
    assert.equal(scaled.status, 200);
    const after: Any = await (await s.call("GET", `${CRONTABS}/a`)).json();
    assert.equal(after.spec.replicas, 4);
    assert.equal(after.metadata.generation, 2);

    const smp = await s.call("PATCH", `${CRONTABS}/a`, { spec: { replicas: 1 } }, {
      "content-type": "application/strategic-merge-patch+json",
    });
    assert.equal(smp.status, 415);
  } finally {
    await s.close();
  }
});

Deno.test("CrdController refuses a name another CRD of the group accepted", async () => {
  const s = await crdTestServer();
  try {
    await s.install(cronTabCrd());
    const other = cronTabCrd();
    other.metadata = { name: "crontabs2.stable.example.com" };
    (other.spec as Any).names = {
      plural: "crontabs2",
      singular: "crontab2",
      kind: "CronTab2",
      shortNames: ["ct"],
    };
    assert.equal((await s.install(other)).status, 201);
    const crd: Any = await (await s.call("GET", `${CRDS}/crontabs2.stable.example.com`)).json();
    const names = crd.status.conditions.find((c: Any) => c.type === "NamesAccepted");
    assert.equal(names.status, "False");
    assert.equal(names.reason, "ShortNamesConflict");
    assert.equal(names.message, `"ct" is already in use`);
    const established = crd.status.conditions.find((c: Any) => c.type === "Established");
    assert.equal(established.status, "False");
    assert.equal(
      (await s.call("GET", "/apis/stable.example.com/v1/namespaces/default/crontabs2")).status,
      404,
    );
  } finally {
    await s.close();
  }
});

Deno.test("deleting a CRD deletes its custom resources, then stops serving them", async () => {
  const s = await crdTestServer();
  try {
    await s.install(cronTabCrd());
    await s.call("POST", CRONTABS, { metadata: { name: "a" }, spec: { cronSpec: "* * * * *" } });
    const del = await s.call("DELETE", `${CRDS}/crontabs.stable.example.com`);
    assert.equal(del.status, 200);
    const pending: Any = await del.json();
    assert.deepEqual(pending.metadata.finalizers, ["customresourcecleanup.apiextensions.k8s.io"]);
    await settle(s.controller);
    assert.equal((await s.call("GET", `${CRDS}/crontabs.stable.example.com`)).status, 404);
    assert.equal((await s.call("GET", CRONTABS)).status, 404);
    const groups: Any = await (await s.call("GET", "/apis")).json();
    assert.ok(!groups.groups.some((g: Any) => g.name === "stable.example.com"));
  } finally {
    await s.close();
  }
});

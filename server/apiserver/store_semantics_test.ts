import assert from "node:assert/strict";
import type { KubeObject } from "../../kube/meta.ts";
import { TEST_DEFS, testServer } from "./testing.ts";

const CM = "/api/v1/namespaces/default/configmaps";

Deno.test("create with generateName makes a unique name with a random suffix", async () => {
  const s = await testServer();
  try {
    const a = await (await s.call("POST", CM, { metadata: { generateName: "gen-" } })).json();
    const b = await (await s.call("POST", CM, { metadata: { generateName: "gen-" } })).json();
    assert.match(a.metadata.name, /^gen-[a-z0-9]{5}$/);
    assert.notEqual(a.metadata.name, b.metadata.name);
  } finally {
    await s.close();
  }
});

Deno.test("dryRun=All validates but stores nothing", async () => {
  const s = await testServer();
  try {
    const res = await s.call("POST", `${CM}?dryRun=All`, { metadata: { name: "dry" } });
    assert.equal(res.status, 201);
    assert.equal((await s.call("GET", `${CM}/dry`)).status, 404);
    const bad = await s.call("POST", `${CM}?dryRun=All`, { metadata: { name: "Bad!" } });
    assert.equal(bad.status, 422);
  } finally {
    await s.close();
  }
});

Deno.test("list filters by label and field selectors and pages with continue", async () => {
  const s = await testServer();
  try {
    for (let i = 0; i < 7; i++) {
      await s.call("POST", CM, { metadata: { name: `c${i}`, labels: { odd: String(i % 2) } } });
    }
    const odd = await (await s.call("GET", `${CM}?labelSelector=odd%3D1`)).json();
    assert.deepEqual(odd.items.map((i: { metadata: { name: string } }) => i.metadata.name), [
      "c1",
      "c3",
      "c5",
    ]);
    const setBased = await (await s.call("GET", `${CM}?labelSelector=odd+in+(0)`)).json();
    assert.equal(setBased.items.length, 4);
    const byName = await (await s.call("GET", `${CM}?fieldSelector=metadata.name%3Dc4`)).json();
    assert.deepEqual(byName.items.map((i: { metadata: { name: string } }) => i.metadata.name), [
      "c4",
    ]);
    const badField = await s.call("GET", `${CM}?fieldSelector=spec.x%3D1`);
    assert.equal(badField.status, 400);

    const names: string[] = [];
    let cont = "";
    let pages = 0;
    do {
      const q = `${CM}?limit=3${cont ? `&continue=${encodeURIComponent(cont)}` : ""}`;
      const page = await (await s.call("GET", q)).json();
      names.push(...page.items.map((i: { metadata: { name: string } }) => i.metadata.name));
      cont = page.metadata.continue ?? "";
      pages++;
      // A write between pages must not show up: the list is consistent at its first revision.
      if (pages === 1) await s.call("POST", CM, { metadata: { name: "c9" } });
    } while (cont);
    assert.equal(pages, 3);
    assert.deepEqual(names, ["c0", "c1", "c2", "c3", "c4", "c5", "c6"]);
  } finally {
    await s.close();
  }
});

Deno.test("a finalizer holds deletion until it is removed, then the object is gone", async () => {
  const s = await testServer();
  try {
    await s.call("POST", CM, { metadata: { name: "f", finalizers: ["example.com/hold"] } });
    const del = await s.call("DELETE", `${CM}/f`);
    assert.equal(del.status, 200);
    const held = await (await s.call("GET", `${CM}/f`)).json();
    assert.ok(held.metadata.deletionTimestamp);
    const patch = await s.call("PATCH", `${CM}/f`, { metadata: { finalizers: null } }, {
      "content-type": "application/merge-patch+json",
    });
    assert.equal(patch.status, 200);
    assert.equal((await s.call("GET", `${CM}/f`)).status, 404);
  } finally {
    await s.close();
  }
});

Deno.test("delete preconditions with a wrong uid answer 409 and keep the object", async () => {
  const s = await testServer();
  try {
    await s.call("POST", CM, { metadata: { name: "pre" } });
    const res = await s.call("DELETE", `${CM}/pre`, { preconditions: { uid: "nope" } });
    assert.equal(res.status, 409);
    assert.equal((await s.call("GET", `${CM}/pre`)).status, 200);
  } finally {
    await s.close();
  }
});

Deno.test("deletecollection deletes what the selector matches only", async () => {
  const s = await testServer();
  try {
    await s.call("POST", CM, { metadata: { name: "x1", labels: { g: "a" } } });
    await s.call("POST", CM, { metadata: { name: "x2", labels: { g: "b" } } });
    const res = await s.call("DELETE", `${CM}?labelSelector=g%3Da`);
    assert.equal(res.status, 200);
    const left = await (await s.call("GET", CM)).json();
    assert.deepEqual(left.items.map((i: { metadata: { name: string } }) => i.metadata.name), [
      "x2",
    ]);
  } finally {
    await s.close();
  }
});

Deno.test("Table output has the Name, declared and Age columns, and a metadata object", async () => {
  const s = await testServer();
  try {
    await s.call("POST", CM, { metadata: { name: "t" }, data: { a: "1", b: "2" } });
    const res = await s.call("GET", CM, undefined, {
      accept: "application/json;as=Table;v=v1;g=meta.k8s.io,application/json",
    });
    const table = await res.json();
    assert.equal(table.kind, "Table");
    assert.deepEqual(table.columnDefinitions.map((c: { name: string }) => c.name), [
      "Name",
      "Data",
      "Age",
    ]);
    assert.equal(table.rows[0].cells[0], "t");
    assert.equal(table.rows[0].cells[1], 2);
    assert.equal(table.rows[0].object.kind, "PartialObjectMetadata");
  } finally {
    await s.close();
  }
});

Deno.test("an unchanged update keeps the resourceVersion", async () => {
  const s = await testServer();
  try {
    const obj = await (await s.call("POST", CM, { metadata: { name: "same" }, data: { a: "1" } }))
      .json();
    const again = await (await s.call("PUT", `${CM}/same`, obj)).json();
    assert.equal(again.metadata.resourceVersion, obj.metadata.resourceVersion);
  } finally {
    await s.close();
  }
});

Deno.test("a YAML body is accepted and YAML is returned when asked for", async () => {
  const s = await testServer();
  try {
    const res = await s.call(
      "POST",
      CM,
      "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: y\n",
      {
        "content-type": "application/yaml",
        accept: "application/yaml",
      },
    );
    assert.equal(res.status, 201);
    assert.match(res.headers.get("content-type") ?? "", /yaml/);
    assert.match(await res.text(), /name: y/);
  } finally {
    await s.close();
  }
});

Deno.test("watch from a resourceVersion older than the cache holds answers 410 as an ERROR event", async () => {
  // A window of two events: after three configmaps, the store's first revisions are out of it.
  const s = await testServer(TEST_DEFS, { cacher: { window: { maxEvents: 2, maxAgeMs: 60_000 } } });
  try {
    for (const name of ["a", "b", "c"]) await s.call("POST", CM, { metadata: { name } });
    const res = await s.call("GET", `${CM}?watch=true&resourceVersion=1&timeoutSeconds=2`);
    const text = await res.text();
    const ev = JSON.parse(text.trim().split("\n")[0]);
    assert.equal(ev.type, "ERROR");
    assert.equal(ev.object.code, 410);
    assert.equal(ev.object.reason, "Expired");
  } finally {
    await s.close();
  }
});

Deno.test("watch from the resourceVersion of a write made before any list or watch of the resource replays what followed", async () => {
  const s = await testServer();
  try {
    await s.call("POST", CM, { metadata: { name: "w" } });
    const merge = { "content-type": "application/merge-patch+json" };
    const first = await (await s.call("PATCH", `${CM}/w`, { data: { n: "1" } }, merge)).json();
    await s.call("PATCH", `${CM}/w`, { data: { n: "2" } }, merge);
    await s.call("DELETE", `${CM}/w`);
    const rv = first.metadata.resourceVersion;
    const res = await s.call("GET", `${CM}?watch=true&resourceVersion=${rv}&timeoutSeconds=1`);
    const events = (await res.text()).trim().split("\n").map((l) => JSON.parse(l));
    assert.deepEqual(events.map((e) => `${e.type} ${JSON.stringify(e.object.data)}`), [
      'MODIFIED {"n":"2"}',
      'DELETED {"n":"2"}',
    ]);
  } finally {
    await s.close();
  }
});

Deno.test("a list cut by limit tells how many items remain", async () => {
  const s = await testServer();
  try {
    for (let i = 0; i < 5; i++) await s.call("POST", CM, { metadata: { name: `r${i}` } });
    const page = await (await s.call("GET", `${CM}?limit=2`)).json();
    assert.equal(page.items.length, 2);
    assert.equal(page.metadata.remainingItemCount, 3);
    assert.ok(page.metadata.continue);
    const cont = encodeURIComponent(page.metadata.continue);
    const second = await (await s.call("GET", `${CM}?limit=2&continue=${cont}`)).json();
    assert.deepEqual(second.items.map((i: KubeObject) => i.metadata.name), ["r2", "r3"]);
    assert.equal(second.metadata.remainingItemCount, 1);
    const cont2 = encodeURIComponent(second.metadata.continue);
    const last = await (await s.call("GET", `${CM}?limit=2&continue=${cont2}`)).json();
    assert.deepEqual(last.items.map((i: KubeObject) => i.metadata.name), ["r4"]);
    assert.equal(last.metadata.remainingItemCount, undefined);
    assert.equal(last.metadata.continue, undefined);
  } finally {
    await s.close();
  }
});

Deno.test("a list cut by limit with a selector leaves remainingItemCount out on every page", async () => {
  const s = await testServer();
  try {
    for (let i = 0; i < 5; i++) {
      await s.call("POST", CM, { metadata: { name: `r${i}`, labels: { keep: "yes" } } });
    }
    const sel = "labelSelector=keep%3Dyes";
    const page = await (await s.call("GET", `${CM}?limit=2&${sel}`)).json();
    assert.equal(page.items.length, 2);
    assert.equal("remainingItemCount" in page.metadata, false);
    const cont = encodeURIComponent(page.metadata.continue);
    const second = await (await s.call("GET", `${CM}?limit=2&${sel}&continue=${cont}`)).json();
    assert.equal(second.items.length, 2);
    assert.equal("remainingItemCount" in second.metadata, false);
    assert.ok(second.metadata.continue);
  } finally {
    await s.close();
  }
});

Deno.test("continue pages keep the first page's snapshot when objects change meanwhile", async () => {
  const s = await testServer();
  try {
    for (let i = 0; i < 6; i++) await s.call("POST", CM, { metadata: { name: `r${i}` } });
    const names = (list: { items: KubeObject[] }) => list.items.map((i) => i.metadata.name);
    const next = async (cont: string) =>
      await (await s.call("GET", `${CM}?limit=2&continue=${encodeURIComponent(cont)}`)).json();
    const first = await (await s.call("GET", `${CM}?limit=2`)).json();
    // Unchanged: served from the watch cache, the same as the datastore would give.
    const second = await next(first.metadata.continue);
    assert.deepEqual(names(second), ["r2", "r3"]);
    assert.equal(second.metadata.resourceVersion, first.metadata.resourceVersion);
    assert.equal(second.metadata.remainingItemCount, 2);
    // Changed: r4 deleted, r3x added; the next page is still the state of the first page.
    assert.equal((await s.call("DELETE", `${CM}/r4`)).status, 200);
    await s.call("POST", CM, { metadata: { name: "r3x" } });
    const third = await next(second.metadata.continue);
    assert.deepEqual(names(third), ["r4", "r5"]);
    assert.equal(third.metadata.resourceVersion, first.metadata.resourceVersion);
    assert.equal(third.metadata.continue, undefined);
  } finally {
    await s.close();
  }
});

Deno.test("a NotFound Status for a core resource leaves details.group out", async () => {
  const s = await testServer();
  try {
    const status = await (await s.call("GET", `${CM}/missing`)).json();
    assert.equal(status.code, 404);
    assert.equal("group" in status.details, false);
    assert.equal(status.details.kind, "configmaps");
  } finally {
    await s.close();
  }
});

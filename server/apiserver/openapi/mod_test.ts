import assert from "node:assert/strict";
import type { RequestContext } from "../context.ts";
import { Registry } from "../registry.ts";
import type { ResourceDef } from "../resource.ts";
import type { StoreDeps } from "../store.ts";
import { requestInfo } from "../request_info.ts";
import { openApiRoutes, PROTO_V2, PROTO_V2_RESPONSE, type SchemaCarrier } from "./mod.ts";

const DEFS: (ResourceDef & SchemaCarrier)[] = [
  {
    group: "",
    versions: ["v1"],
    kind: "Pod",
    plural: "pods",
    singular: "pod",
    namespaced: true,
    status: true,
  },
  {
    group: "apps",
    versions: ["v1"],
    kind: "Deployment",
    plural: "deployments",
    singular: "deployment",
    namespaced: true,
    status: true,
    scale: { specReplicasPath: ["spec", "replicas"], statusReplicasPath: ["status", "replicas"] },
  },
  {
    group: "example.com",
    versions: ["v1"],
    kind: "Widget",
    plural: "widgets",
    singular: "widget",
    namespaced: false,
    schema: {
      type: "object",
      properties: { spec: { type: "object", properties: { size: { type: "integer" } } } },
    },
  },
];

function setup() {
  const registry = new Registry({ cacher: { drop() {} } } as unknown as StoreDeps);
  for (const d of DEFS) registry.add(d);
  const routes = openApiRoutes(registry);
  const get = async (path: string, headers: Record<string, string> = {}) => {
    const url = new URL(`https://k3s.test${path}`);
    const req = new Request(url, { headers });
    const ctx: RequestContext = {
      req,
      url,
      info: requestInfo("GET", url),
      user: { name: "admin", groups: [] },
      now: new Date(),
      warnings: [],
      signal: req.signal,
    };
    const route = routes.find((r) => r.path === url.pathname) ??
      routes.find((r) => r.path.endsWith("/") && url.pathname.startsWith(r.path))!;
    return await route.handle(ctx);
  };
  return { registry, get };
}

Deno.test("/openapi/v3 lists each served group/version with its hash", async () => {
  const { get } = setup();
  const res = await get("/openapi/v3");
  assert.equal(res.status, 200);
  const index = await res.json();
  assert.deepEqual(Object.keys(index.paths), ["api/v1", "apis/apps/v1", "apis/example.com/v1"]);
  assert.match(
    index.paths["apis/apps/v1"].serverRelativeURL,
    /^\/openapi\/v3\/apis\/apps\/v1\?hash=[0-9A-F]{128}$/,
  );
});

Deno.test("/openapi/v3/<gv> serves components, GVK extensions and fieldValidation on patch", async () => {
  const { get } = setup();
  const index = await (await get("/openapi/v3")).json();
  const url = index.paths["apis/apps/v1"].serverRelativeURL;
  const res = await get(url);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("cache-control"), "public, immutable");
  const doc = await res.json();
  assert.equal(doc.openapi, "3.0.0");
  const deployment = doc.components.schemas["io.k8s.api.apps.v1.Deployment"];
  assert.deepEqual(deployment["x-kubernetes-group-version-kind"], [{
    group: "apps",
    version: "v1",
    kind: "Deployment",
  }]);
  assert.ok(doc.components.schemas["io.k8s.api.core.v1.PodSpec"]);
  assert.ok(doc.components.schemas["io.k8s.api.autoscaling.v1.Scale"]);
  const item = doc.paths["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"];
  assert.equal(item.patch["x-kubernetes-action"], "patch");
  assert.deepEqual(item.patch["x-kubernetes-group-version-kind"], {
    group: "apps",
    kind: "Deployment",
    version: "v1",
  });
  assert.ok(item.patch.parameters.some((p: { name: string }) => p.name === "fieldValidation"));
  assert.ok(doc.paths["/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale"]);
  assert.ok(doc.paths["/apis/apps/v1/deployments"].get);

  const etag = res.headers.get("etag")!;
  assert.equal((await get(url, { "if-none-match": etag })).status, 304);
  const stale = await get("/openapi/v3/apis/apps/v1?hash=ABC");
  assert.equal(stale.status, 301);
  assert.equal(stale.headers.get("location"), url);
});

Deno.test("/openapi/v3/<gv> publishes a custom resource's own schema", async () => {
  const { get } = setup();
  const doc = await (await get("/openapi/v3/apis/example.com/v1")).json();
  const widget = doc.components.schemas["com.example.v1.Widget"];
  assert.deepEqual(widget.properties.spec.properties.size, { type: "integer" });
  assert.deepEqual(widget["x-kubernetes-group-version-kind"], [{
    group: "example.com",
    version: "v1",
    kind: "Widget",
  }]);
  assert.ok(doc.components.schemas["io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"]);
  assert.ok(doc.paths["/apis/example.com/v1/widgets/{name}"].patch);
});

Deno.test("/openapi/v3/<unknown> is a 404", async () => {
  const { get } = setup();
  await assert.rejects(get("/openapi/v3/apis/nope/v1"), /could not find/);
});

Deno.test("/openapi/v2 serves JSON with every resource's paths and definitions", async () => {
  const { get } = setup();
  const res = await get("/openapi/v2", { accept: "application/json" });
  assert.equal(res.headers.get("content-type"), "application/json");
  const doc = await res.json();
  assert.equal(doc.swagger, "2.0");
  assert.ok(doc.paths["/api/v1/namespaces/{namespace}/pods/{name}/status"].patch);
  assert.ok(doc.definitions["io.k8s.api.core.v1.Pod"]);
  assert.ok(doc.definitions["com.example.v1.Widget"]);
  assert.equal(
    doc.definitions["com.example.v1.Widget"].properties.metadata.$ref,
    "#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta",
  );
});

/** Length-delimited fields of one protobuf message, by field number. */
function fields(bytes: Uint8Array): Map<number, Uint8Array[]> {
  const out = new Map<number, Uint8Array[]>();
  let at = 0;
  const varint = () => {
    let n = 0, mul = 1;
    for (;;) {
      const b = bytes[at++];
      n += (b & 0x7f) * mul;
      if (b < 0x80) return n;
      mul *= 128;
    }
  };
  while (at < bytes.length) {
    const key = varint();
    const wire = key & 7;
    if (wire === 0) varint();
    else if (wire === 1) at += 8;
    else if (wire === 2) {
      const len = varint();
      const list = out.get(key >> 3) ?? [];
      list.push(bytes.subarray(at, at + len));
      out.set(key >> 3, list);
      at += len;
    } else throw new Error(`wire type ${wire}`);
  }
  return out;
}

Deno.test("/openapi/v2 serves gnostic protobuf when asked as client-go does", async () => {
  const { get } = setup();
  const res = await get("/openapi/v2", { accept: PROTO_V2 });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("content-type"), PROTO_V2_RESPONSE);
  const doc = fields(new Uint8Array(await res.arrayBuffer()));
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  assert.equal(text(doc.get(1)![0]), "2.0");
  const defs = fields(doc.get(9)![0]).get(1)!.map((d) => fields(d));
  const deployment = defs.find((d) => text(d.get(1)![0]) === "io.k8s.api.apps.v1.Deployment")!;
  const schema = fields(deployment.get(2)![0]);
  const ext = schema.get(31)!.map((e) => fields(e));
  const gvk = ext.find((e) => text(e.get(1)![0]) === "x-kubernetes-group-version-kind")!;
  const yaml = text(fields(gvk.get(2)![0]).get(2)![0]);
  assert.deepEqual(JSON.parse(yaml), [{ group: "apps", version: "v1", kind: "Deployment" }]);
  const paths = fields(doc.get(8)![0]).get(2)!.map((p) => text(fields(p).get(1)![0]));
  assert.ok(paths.includes("/apis/apps/v1/namespaces/{namespace}/deployments/{name}"));
});

Deno.test("/openapi/v2 refuses what it cannot produce", async () => {
  const { get } = setup();
  await assert.rejects(get("/openapi/v2", { accept: "text/html" }), /only/);
});

Deno.test("documents are rebuilt when the registry changes", async () => {
  const { registry, get } = setup();
  const before = (await (await get("/openapi/v3")).json()).paths;
  registry.remove("example.com", "widgets");
  const after = (await (await get("/openapi/v3")).json()).paths;
  assert.ok(before["apis/example.com/v1"]);
  assert.equal(after["apis/example.com/v1"], undefined);
});

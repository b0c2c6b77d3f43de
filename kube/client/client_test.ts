import assert from "node:assert/strict";
import { StatusError } from "../errors.ts";
import { KubeClient } from "./client.ts";
import { isConflict, isGone, isNotFound } from "./errors.ts";
import { DEPLOYMENTS, LEASES, NODES, PODS } from "./resources.ts";
import type {
  StreamResponse,
  Transport,
  TransportRequest,
  TransportResponse,
} from "./transport.ts";

/** Records requests and answers each with the next scripted response. */
class FakeTransport implements Transport {
  requests: TransportRequest[] = [];
  constructor(readonly answers: (TransportResponse | string[])[]) {}
  request(req: TransportRequest): Promise<TransportResponse> {
    this.requests.push(req);
    return Promise.resolve(this.answers.shift() as TransportResponse);
  }
  stream(req: TransportRequest): Promise<StreamResponse> {
    this.requests.push(req);
    const chunks = this.answers.shift() as string[];
    return Promise.resolve({
      status: 200,
      headers: {},
      chunks: (async function* () {
        yield* chunks;
      })(),
      close() {},
    });
  }
  close() {}
}

const ok = (body: unknown, status = 200): TransportResponse => ({
  status,
  headers: {},
  body: JSON.stringify(body),
});

Deno.test("KubeClient builds paths, queries and bodies as the API expects", async () => {
  const t = new FakeTransport([
    ok({ metadata: { name: "n1" } }),
    ok({ metadata: {}, items: [] }),
    ok({ metadata: { name: "d" } }, 201),
    ok({ metadata: { name: "l" } }),
    ok({ kind: "Status", status: "Success" }, 201),
    ok({ metadata: { name: "p" } }),
  ]);
  const c = new KubeClient({ server: "https://127.0.0.1:1" }, t);
  await c.get(NODES, "n1", { namespace: "ignored" });
  await c.list(PODS, {
    namespace: "ns",
    labelSelector: "a=b",
    fieldSelector: "spec.nodeName=",
    limit: 5,
  });
  await c.create(DEPLOYMENTS, { metadata: { name: "d", namespace: "apps" } }, {
    fieldManager: "me",
  });
  await c.patch(LEASES, "l", { spec: {} }, "merge", { namespace: "kube-system" });
  await c.bind("ns", "p", "node-1");
  await c.patch(PODS, "p", { status: {} }, "strategic", { namespace: "ns", subresource: "status" });
  const r = t.requests;
  assert.equal(r[0].path, "/api/v1/nodes/n1");
  assert.equal(
    r[1].path,
    "/api/v1/namespaces/ns/pods?labelSelector=a%3Db&fieldSelector=spec.nodeName%3D&limit=5",
  );
  assert.equal(r[2].method, "POST");
  assert.equal(r[2].path, "/apis/apps/v1/namespaces/apps/deployments?fieldManager=me");
  assert.deepEqual(JSON.parse(r[2].body as string).kind, "Deployment");
  assert.equal(r[3].headers?.["content-type"], "application/merge-patch+json");
  assert.equal(r[3].path, "/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/l");
  assert.equal(r[4].path, "/api/v1/namespaces/ns/pods/p/binding");
  assert.deepEqual(JSON.parse(r[4].body as string).target, {
    apiVersion: "v1",
    kind: "Node",
    name: "node-1",
  });
  assert.equal(r[5].path, "/api/v1/namespaces/ns/pods/p/status");
  assert.equal(r[5].headers?.["content-type"], "application/strategic-merge-patch+json");
});

Deno.test("KubeClient throws the server's Status as a StatusError", async () => {
  const c = new KubeClient(
    { server: "https://127.0.0.1:1" },
    new FakeTransport([
      ok({ kind: "Status", code: 404, reason: "NotFound", message: 'pods "x" not found' }, 404),
      ok({ kind: "Status", code: 409, reason: "Conflict", message: "stale" }, 409),
      { status: 502, headers: {}, body: "bad gateway" },
    ]),
  );
  await assert.rejects(c.get(PODS, "x", { namespace: "ns" }), (e) => {
    assert.ok(e instanceof StatusError && isNotFound(e));
    assert.equal(e.message, 'pods "x" not found');
    return true;
  });
  await assert.rejects(c.update(PODS, { metadata: { name: "x", namespace: "ns" } }), isConflict);
  await assert.rejects(c.get(PODS, "y", { namespace: "ns" }), (e) => {
    assert.ok(e instanceof StatusError);
    assert.equal(e.code, 502);
    assert.match(
      e.message,
      /Cannot GET \/api\/v1\/namespaces\/ns\/pods\/y: the server answered 502/,
    );
    return true;
  });
});

Deno.test("KubeClient.watch() yields events split across chunks and throws on ERROR", async () => {
  const lines = [
    '{"type":"ADDED","object":{"metadata":{"name":"a","resourceVersion":"5"}}}\n{"type":"BOO',
    'KMARK","object":{"metadata":{"resourceVersion":"7"}}}\n',
    '{"type":"ERROR","object":{"kind":"Status","code":410,"reason":"Expired","message":"too old"}}\n',
  ];
  const t = new FakeTransport([lines]);
  const c = new KubeClient({ server: "https://127.0.0.1:1" }, t);
  const seen: string[] = [];
  await assert.rejects(async () => {
    for await (const ev of c.watch(PODS, { namespace: "ns", resourceVersion: "4" })) {
      seen.push(`${ev.type} ${ev.object.metadata.resourceVersion}`);
    }
  }, isGone);
  assert.deepEqual(seen, ["ADDED 5", "BOOKMARK 7"]);
  assert.equal(
    t.requests[0].path,
    "/api/v1/namespaces/ns/pods?watch=true&resourceVersion=4&allowWatchBookmarks=true",
  );
});

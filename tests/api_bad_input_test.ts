/**
 * Bad requests over raw HTTPS (the kubeconfig's admin certificate, or none): each is refused
 * with the upstream status code and a `Status` body, nothing is written, and the server keeps
 * answering `/readyz`. Anonymous requests get 401 on resources but 200 on the public endpoints.
 *
 * @module
 */
import assert from "node:assert/strict";
import { parseKubeconfig } from "../kube/kubeconfig.ts";
import { type HttpResponse, type K3sServer, type RequestOptions, startServer } from "./harness.ts";

const NS = "bad-input";
const CMS = `/api/v1/namespaces/${NS}/configmaps`;

interface Status {
  kind: string;
  apiVersion: string;
  status: string;
  message: string;
  reason: string;
  code: number;
  details?: { name?: string; kind?: string; causes?: { field?: string; message?: string }[] };
}

function status(res: HttpResponse, code: number): Status {
  assert.equal(res.status, code, res.body);
  const body = JSON.parse(res.body) as Status;
  assert.equal(body.kind, "Status");
  assert.equal(body.apiVersion, "v1");
  assert.equal(body.status, "Failure");
  assert.equal(body.code, code);
  return body;
}

/** After a refused request: `name` was not written, nothing else was, the server is ready. */
async function assertNothingWritten(server: K3sServer, before: string[], name: string) {
  assert.equal((await server.request("GET", `${CMS}/${name}`)).status, 404, `${name} exists`);
  assert.deepEqual(await configMapNames(server), before);
  const ready = await server.request("GET", "/readyz");
  assert.equal(ready.status, 200);
  assert.equal(ready.body, "ok");
}

async function configMapNames(server: K3sServer): Promise<string[]> {
  const list = await server.requestOk<{ items: { metadata: { name: string } }[] }>("GET", CMS);
  // kube-root-ca.crt is written by a controller whenever it gets to the namespace.
  return list.items.map((i) => i.metadata.name).filter((n) => n !== "kube-root-ca.crt");
}

function configMap(
  name: string,
  opts: { labels?: Record<string, string>; data?: Record<string, string> } = {},
): string {
  const { labels, data } = opts;
  return JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name, labels }, data });
}

Deno.test("the API server refuses bad input without writing anything", async (t) => {
  const server = await startServer();
  try {
    await server.requestOk("POST", "/api/v1/namespaces", {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: NS },
    });
    await server.requestOk("POST", CMS, JSON.parse(configMap("present")));
    const before = await configMapNames(server);
    const post = (body: string, opts: Omit<RequestOptions, "body"> = {}) =>
      server.request("POST", CMS, { ...opts, body });

    await t.step("malformed JSON: 400", async () => {
      const res = await post(configMap("broken-json").slice(0, -5));
      assert.equal(status(res, 400).reason, "BadRequest");
      await assertNothingWritten(server, before, "broken-json");
    });

    await t.step("malformed YAML: 400", async () => {
      const yaml = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: broken-yaml\ndata: [a, b\n";
      const res = await post(yaml, { contentType: "application/yaml" });
      assert.equal(status(res, 400).reason, "BadRequest");
      await assertNothingWritten(server, before, "broken-yaml");
    });

    await t.step("body over 3 MiB: 413", async () => {
      const big = configMap("too-big", { data: { blob: "x".repeat(3 * 1024 * 1024 + 1) } });
      const res = await post(big);
      assert.equal(status(res, 413).reason, "RequestEntityTooLarge");
      await assertNothingWritten(server, before, "too-big");
      // The rest of the body was never read: like upstream (Go's net/http), the server must
      // close the connection, or a client reusing it sends its next request into that rest.
      assert.equal(res.headers.connection, "close");
    });

    await t.step("unknown group, version or resource: 404", async () => {
      for (
        const path of [
          "/apis/nothing.example.com/v1/widgets",
          "/apis/apps/v9/deployments",
          "/api/v2/pods",
          `/api/v1/namespaces/${NS}/widgets`,
        ]
      ) {
        const res = await server.request("GET", path);
        assert.equal(status(res, 404).reason, "NotFound", path);
      }
      const res = await server.request("POST", `/api/v1/namespaces/${NS}/widgets`, {
        body: configMap("widget"),
      });
      status(res, 404);
      await assertNothingWritten(server, before, "widget");
    });

    await t.step("kind or apiVersion not matching the URL: 400", async () => {
      const wrongKind = JSON.stringify({
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name: "wrong-kind" },
      });
      const kindStatus = status(await post(wrongKind), 400);
      assert.equal(kindStatus.reason, "BadRequest");
      assert.match(kindStatus.message, /Secret/);
      await assertNothingWritten(server, before, "wrong-kind");

      const wrongVersion = JSON.stringify({
        apiVersion: "apps/v1",
        kind: "ConfigMap",
        metadata: { name: "wrong-version" },
      });
      const versionStatus = status(await post(wrongVersion), 400);
      assert.equal(versionStatus.reason, "BadRequest");
      assert.match(versionStatus.message, /apps\/v1/);
      await assertNothingWritten(server, before, "wrong-version");
    });

    await t.step("invalid name and invalid labels: 422 with a cause per field", async () => {
      const badName = status(await post(configMap("Not_Valid")), 422);
      assert.equal(badName.reason, "Invalid");
      assert.equal(badName.details?.kind, "ConfigMap");
      assert.equal(badName.details?.name, "Not_Valid");
      assert.deepEqual(badName.details?.causes?.map((c) => c.field), ["metadata.name"]);
      await assertNothingWritten(server, before, "Not_Valid");

      const labels = { "bad key!": "v", good: "bad value!" };
      const badLabels = status(await post(configMap("bad-labels", { labels })), 422);
      const labelCauses = badLabels.details?.causes ?? [];
      assert.deepEqual(labelCauses.map((c) => c.field), ["metadata.labels", "metadata.labels"]);
      assert.ok(labelCauses.some((c) => c.message?.includes('"bad key!"')), badLabels.message);
      assert.ok(labelCauses.some((c) => c.message?.includes('"bad value!"')), badLabels.message);
      await assertNothingWritten(server, before, "bad-labels");

      const both = status(await post(configMap("Also_Bad", { labels })), 422);
      assert.deepEqual(both.details?.causes?.map((c) => c.field).sort(), [
        "metadata.labels",
        "metadata.labels",
        "metadata.name",
      ]);
      await assertNothingWritten(server, before, "Also_Bad");
    });

    await t.step("no credentials: 401 on resources, 200 on public endpoints", async () => {
      const denied = await server.request("GET", "/api/v1/namespaces", { anonymous: true });
      assert.equal(status(denied, 401).reason, "Unauthorized");
      const caPem = parseKubeconfig(await Deno.readTextFile(server.kubeconfig)).caPem;
      const expected: Record<string, (body: string) => void> = {
        "/version": (b) => assert.match(JSON.parse(b).gitVersion, /^v1\.\d+\.\d+\+k3s\d+$/),
        "/readyz": (b) => assert.equal(b, "ok"),
        "/cacerts": (b) => assert.equal(b.trim(), caPem?.trim()),
        "/ping": (b) => assert.equal(b, "pong"),
      };
      for (const [path, check] of Object.entries(expected)) {
        const res = await server.request("GET", path, { anonymous: true });
        assert.equal(res.status, 200, `${path}: ${res.body}`);
        check(res.body);
      }
    });
  } finally {
    await server.close();
  }
});

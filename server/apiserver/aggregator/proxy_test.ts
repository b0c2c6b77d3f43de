import assert from "node:assert/strict";
import { createServer } from "node:https";
import type { AddressInfo } from "node:net";
import { createCa, signCertificate } from "../../pki/mod.ts";
import { backendRequest, forwardedHeaders } from "./proxy.ts";

async function pki() {
  const ca = await createCa({ commonName: "backend-ca" });
  const serving = await signCertificate({
    ca,
    commonName: "backend",
    sans: ["backend.ns.svc"],
    usage: "server",
  });
  const proxyCa = await createCa({ commonName: "front-proxy-ca" });
  const proxy = await signCertificate({ ca: proxyCa, commonName: "proxy", usage: "client" });
  return { ca, serving, proxyCa, proxy };
}

Deno.test("backendRequest() sends the user as request headers and streams the answer", async () => {
  const { ca, serving, proxyCa, proxy } = await pki();
  let seen: Record<string, unknown> = {};
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  const server = createServer({
    ...serving,
    cert: serving.certPem,
    key: serving.keyPem,
    ca: proxyCa.certPem,
    requestCert: true,
    rejectUnauthorized: true,
  }, (req, res) => {
    seen = { ...req.headers };
    res.writeHead(200, { "content-type": "application/json" });
    res.write('{"type":"ADDED"}\n');
    // The second event only after the client has read the first: the body must stream.
    released.then(() => res.end('{"type":"MODIFIED"}\n'));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  try {
    const port = (server.address() as AddressInfo).port;
    const incoming = new Headers({
      accept: "application/json",
      authorization: "Bearer secret",
      "impersonate-user": "someone",
      "x-remote-user": "forged",
    });
    const res = await backendRequest(
      { host: "127.0.0.1", port, serverName: "backend.ns.svc" },
      { caPem: ca.certPem, insecure: false, certPem: proxy.certPem, keyPem: proxy.keyPem },
      {
        method: "GET",
        path: "/apis/x.example.com/v1/things?watch=true",
        headers: forwardedHeaders(incoming),
        user: { name: "alice", groups: ["dev", "system:authenticated"], extra: { "a/b": ["c"] } },
      },
    );
    assert.equal(res.status, 200);
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    assert.equal((await reader.read()).value, '{"type":"ADDED"}\n');
    release();
    let rest = "";
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      rest += value;
    }
    assert.equal(rest, '{"type":"MODIFIED"}\n');
    assert.equal(seen["x-remote-user"], "alice");
    assert.equal(seen["x-remote-group"], "dev, system:authenticated");
    assert.equal(seen["x-remote-extra-a%2fb"], "c");
    assert.equal(seen["authorization"], undefined);
    assert.equal(seen["impersonate-user"], undefined);
    assert.equal(seen["accept"], "application/json");
  } finally {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
});

Deno.test("backendRequest() refuses a certificate the caBundle did not sign or for another name", async () => {
  const { ca, serving, proxy } = await pki();
  const stranger = await createCa({ commonName: "stranger" });
  const server = createServer({ cert: serving.certPem, key: serving.keyPem }, (_req, res) => {
    res.end("{}");
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  try {
    const port = (server.address() as AddressInfo).port;
    const target = { host: "127.0.0.1", port, serverName: "backend.ns.svc" };
    const client = { certPem: proxy.certPem, keyPem: proxy.keyPem };
    await assert.rejects(
      backendRequest(target, { caPem: stranger.certPem, insecure: false, ...client }, {
        method: "GET",
        path: "/",
      }),
    );
    await assert.rejects(
      backendRequest(
        { ...target, serverName: "other.ns.svc" },
        { caPem: ca.certPem, insecure: false, ...client },
        { method: "GET", path: "/" },
      ),
    );
    const skipped = await backendRequest(target, { insecure: true, ...client }, {
      method: "GET",
      path: "/",
    });
    assert.equal(await skipped.text(), "{}");
  } finally {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
});

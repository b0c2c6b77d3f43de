import assert from "node:assert/strict";
import type { KubeObject } from "../../../../kube/meta.ts";
import { EC_P256, generateKeyPair } from "../../../pki/x509.ts";
import { x509 } from "../../../pki/x509_lib.ts";
import type { RequestContext } from "../../context.ts";
import { requestInfo } from "../../request_info.ts";
import { respondError } from "../../respond.ts";
import type { WriteHooks } from "../../rest.ts";
import { TEST_DEFS, testServer } from "../../testing.ts";
import { cells, create, fakeContext, fieldsOf, update } from "../apps/testing.ts";
import {
  certificateRequestError,
  certificateSigningRequests as csrs,
  certificateSubresources,
} from "./mod.ts";

/** A fresh PKCS#10 request, as `spec.request` carries it (base64 of the PEM). */
async function csrRequest(): Promise<string> {
  const keys = await generateKeyPair();
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: "CN=alice,O=dev",
    keys,
    signingAlgorithm: EC_P256,
  });
  return btoa(csr.toString("pem"));
}

function csr(spec: Record<string, unknown>): KubeObject {
  return {
    apiVersion: "certificates.k8s.io/v1",
    kind: "CertificateSigningRequest",
    metadata: { name: "alice" },
    spec: { signerName: "kubernetes.io/kube-apiserver-client", usages: ["client auth"], ...spec },
  };
}

Deno.test("csr: the request must be a PEM CERTIFICATE REQUEST with a valid signature", async () => {
  assert.equal(await certificateRequestError(await csrRequest()), null);
  assert.equal(
    await certificateRequestError(
      btoa("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"),
    ),
    "PEM block type must be CERTIFICATE REQUEST",
  );
  assert.equal(
    await certificateRequestError(btoa("invalid data")),
    "PEM block type must be CERTIFICATE REQUEST",
  );
  const pem = atob(await csrRequest());
  const body = pem.split("\n").slice(1, -2).join("");
  const der = Uint8Array.from(atob(body), (c) => c.charCodeAt(0));
  der[der.length - 5] ^= 0xff; // corrupt the signature
  const tampered = `-----BEGIN CERTIFICATE REQUEST-----\n${
    btoa(String.fromCharCode(...der))
  }\n-----END CERTIFICATE REQUEST-----\n`;
  assert.match((await certificateRequestError(btoa(tampered)))!, /verification|malformed/);
});

Deno.test("csr: the requesting user is recorded over what the client sent, status cleared", async () => {
  const ctx = fakeContext("");
  ctx.user = {
    name: "alice",
    uid: "u-1",
    groups: ["dev", "system:authenticated"],
    extra: { scopes: ["a"] },
  };
  const { obj, errors } = await create(
    csrs,
    {
      ...csr({ request: await csrRequest(), username: "mallory", groups: ["system:masters"] }),
      status: { conditions: [{ type: "Approved", status: "True" }] },
    },
    ctx,
  );
  assert.deepStrictEqual(errors, []);
  const spec = obj.spec as Record<string, unknown>;
  assert.deepStrictEqual(
    [spec.username, spec.uid, spec.groups, spec.extra],
    ["alice", "u-1", ["dev", "system:authenticated"], { scopes: ["a"] }],
  );
  assert.deepStrictEqual(obj.status, {});
  assert.deepStrictEqual(cells(csrs, { ...obj, spec: { ...spec, expirationSeconds: 3600 } }), {
    Age: "0s",
    SignerName: "kubernetes.io/kube-apiserver-client",
    Requestor: "alice",
    RequestedDuration: "60m",
    Condition: "Pending",
  });
});

Deno.test("csr: request, usages, signer name and expiration are validated with field paths", async () => {
  const { errors } = await create(
    csrs,
    csr({
      request: btoa("nope"),
      usages: ["client auth", "flying"],
      signerName: "example",
      expirationSeconds: 60,
    }),
  );
  assert.deepStrictEqual(fieldsOf(errors), [
    "FieldValueInvalid spec.request",
    "FieldValueNotSupported spec.usages[1]",
    "FieldValueInvalid spec.signerName",
    "FieldValueInvalid spec.expirationSeconds",
  ]);
  assert.equal(errors[0].detail, "PEM block type must be CERTIFICATE REQUEST");
  assert.equal(
    errors[2].detail,
    "must be a fully qualified domain and path of the form 'example.com/signer-name'",
  );
  const noUsages = await create(csrs, csr({ request: await csrRequest(), usages: [] }));
  assert.deepStrictEqual(fieldsOf(noUsages.errors), ["FieldValueRequired spec.usages"]);
});

Deno.test("csr: the spec never changes after create", async () => {
  const { obj } = await create(csrs, csr({ request: await csrRequest() }));
  const next = structuredClone(obj);
  (next.spec as Record<string, unknown>).signerName = "example.com/other";
  next.metadata.labels = { team: "a" };
  const res = await update(csrs, next, obj);
  assert.deepStrictEqual(res.errors, []);
  assert.equal(
    (res.obj.spec as Record<string, unknown>).signerName,
    "kubernetes.io/kube-apiserver-client",
  );
  assert.deepStrictEqual(res.obj.metadata.labels, { team: "a" });
});

Deno.test("csr approval: Approved is added with timestamps, Denied then refused, removal forbidden", async () => {
  const s = await testServer([...TEST_DEFS, csrs]);
  try {
    const base = "/apis/certificates.k8s.io/v1/certificatesigningrequests";
    const created = await s.call("POST", base, csr({ request: await csrRequest() }));
    assert.equal(created.status, 201);
    const stored = await created.json();
    assert.equal(stored.spec.username, "system:admin");
    const bySigner = (signer: string) =>
      s.call("GET", `${base}?fieldSelector=${encodeURIComponent(`spec.signerName=${signer}`)}`);
    assert.equal(
      (await (await bySigner("kubernetes.io/kube-apiserver-client")).json()).items.length,
      1,
    );
    assert.equal((await (await bySigner("example.com/other")).json()).items.length, 0);
    const served = s.api.registry.lookup(
      "certificates.k8s.io",
      "v1",
      "certificatesigningrequests",
    )!;
    const hooks: WriteHooks = { subresources: {}, admit: () => Promise.resolve() };
    const approval =
      certificateSubresources["certificates.k8s.io/certificatesigningrequests/approval"];
    const send = async (body: unknown) => {
      const url = new URL(`https://127.0.0.1:6443${base}/alice/approval`);
      const req = new Request(url, {
        method: "PUT",
        body: JSON.stringify(body),
        headers: { "content-type": "application/json" },
      });
      const ctx: RequestContext = {
        req,
        url,
        info: requestInfo("PUT", url),
        user: { name: "system:admin", groups: ["system:masters"] },
        now: new Date("2024-05-01T12:00:00Z"),
        warnings: [],
        signal: new AbortController().signal,
      };
      try {
        return await approval(ctx, served, hooks);
      } catch (err) {
        return respondError(ctx, err);
      }
    };
    const approve = structuredClone(stored);
    approve.spec.signerName = "example.com/ignored";
    approve.status = {
      conditions: [{ type: "Approved", reason: "KubectlApprove", message: "ok" }],
    };
    const res = await send(approve);
    assert.equal(res.status, 200);
    const approved = await res.json();
    assert.deepStrictEqual(approved.status.conditions, [{
      type: "Approved",
      status: "True",
      reason: "KubectlApprove",
      message: "ok",
      lastUpdateTime: "2024-05-01T12:00:00Z",
      lastTransitionTime: "2024-05-01T12:00:00Z",
    }]);
    assert.equal(approved.spec.signerName, "kubernetes.io/kube-apiserver-client");
    const table = await (await s.call("GET", `${base}/alice`, undefined, {
      accept: "application/json;as=Table;v=v1;g=meta.k8s.io",
    })).json();
    assert.equal(table.rows[0].cells.at(-1), "Approved");

    const deny = structuredClone(approved);
    deny.status.conditions.push({ type: "Denied", status: "True", reason: "Nope" });
    const denied = await send(deny);
    assert.equal(denied.status, 422);
    assert.match(
      (await denied.json()).message,
      /status\.conditions\[1\]\.type: Invalid value: "Denied": Approved and Denied conditions are mutually exclusive/,
    );

    const removed = structuredClone(approved);
    removed.status.conditions = [];
    const refused = await send(removed);
    assert.equal(refused.status, 422);
    assert.match(
      (await refused.json()).message,
      /updates may not remove a condition of type "Approved"/,
    );
  } finally {
    await s.close();
  }
});

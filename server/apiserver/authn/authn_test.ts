import assert from "node:assert/strict";
import { SignJWT } from "jose";
import { generateKeyPair } from "../../pki/x509.ts";
import { ADMIN, type AuthnTestServer, authnTestServer } from "./testing.ts";

const SA_PATH = "/api/v1/namespaces/default/serviceaccounts";

function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}

async function tokenFor(
  s: AuthnTestServer,
  sa: string,
  spec: Record<string, unknown> = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  return await s.json("POST", `${SA_PATH}/${sa}/token`, {
    cert: ADMIN,
    body: { apiVersion: "authentication.k8s.io/v1", kind: "TokenRequest", spec },
  });
}

async function whoami(s: AuthnTestServer, token: string) {
  return await s.json("POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews", {
    headers: bearer(token),
    body: { apiVersion: "authentication.k8s.io/v1", kind: "SelfSubjectReview" },
  });
}

async function eventually(fn: () => Promise<boolean>, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}

Deno.test("authentication in the API server pipeline", async (t) => {
  const s = await authnTestServer();
  try {
    await s.json("POST", SA_PATH, { cert: ADMIN, body: { metadata: { name: "bob" } } });

    await t.step(
      "TokenRequest issues a token that authenticates as the service account",
      async () => {
        const r = await tokenFor(s, "bob");
        assert.equal(r.status, 201);
        const status = r.body.status as { token: string; expirationTimestamp: string };
        const spec = r.body.spec as { audiences: string[]; expirationSeconds: number };
        assert.deepEqual(spec.audiences, ["https://kubernetes.default.svc.cluster.local", "k3s"]);
        assert.equal(spec.expirationSeconds, 3600);
        const ttl = Date.parse(status.expirationTimestamp) - Date.now();
        assert.ok(ttl > 3500_000 && ttl <= 3600_000, `expires in ${ttl} ms`);
        const me = await whoami(s, status.token);
        assert.equal(me.status, 201);
        const info = (me.body.status as { userInfo: Record<string, unknown> }).userInfo;
        assert.equal(info.username, "system:serviceaccount:default:bob");
        assert.deepEqual(info.groups, [
          "system:serviceaccounts",
          "system:serviceaccounts:default",
          "system:authenticated",
        ]);
        const extra = info.extra as Record<string, string[]>;
        assert.match(extra["authentication.kubernetes.io/credential-id"][0], /^JTI=[0-9a-f-]{36}$/);
      },
    );

    await t.step("the service account may do only what RBAC grants it", async () => {
      const token = ((await tokenFor(s, "bob")).body.status as { token: string }).token;
      const r = await s.call("GET", "/api/v1/namespaces/default/pods", { headers: bearer(token) });
      assert.equal(r.status, 403);
    });

    await t.step("TokenRequest refuses a lifetime under 10 minutes", async () => {
      const r = await tokenFor(s, "bob", { expirationSeconds: 599 });
      assert.equal(r.status, 422);
      assert.match(String(r.body.message), /may not specify a duration less than 10 minutes/);
    });

    await t.step(
      "TokenRequest takes a null expirationSeconds (kubectl 1.27) as the default",
      async () => {
        const r = await tokenFor(s, "bob", { expirationSeconds: null, audiences: null });
        assert.equal(r.status, 201, JSON.stringify(r.body));
        assert.equal((r.body.spec as { expirationSeconds: number }).expirationSeconds, 3600);
      },
    );

    await t.step("TokenRequest for a missing service account is a 404", async () => {
      assert.equal((await tokenFor(s, "nobody")).status, 404);
    });

    await t.step("a token for another audience is refused", async () => {
      const r = await tokenFor(s, "bob", { audiences: ["vault"] });
      const token = (r.body.status as { token: string }).token;
      assert.equal((await whoami(s, token)).status, 401);
      const review = await s.json("POST", "/apis/authentication.k8s.io/v1/tokenreviews", {
        cert: ADMIN,
        body: {
          apiVersion: "authentication.k8s.io/v1",
          kind: "TokenReview",
          spec: { token, audiences: ["vault"] },
        },
      });
      const status = review.body.status as Record<string, unknown>;
      assert.equal(status.authenticated, true);
      assert.deepEqual(status.audiences, ["vault"]);
    });

    await t.step("a token signed by another key is refused", async () => {
      const good = ((await tokenFor(s, "bob")).body.status as { token: string }).token;
      const payload = JSON.parse(atob(good.split(".")[1].replace(/-/g, "+").replace(/_/g, "/")));
      const other = await generateKeyPair();
      const forged = await new SignJWT(payload).setProtectedHeader({ alg: "ES256" }).sign(
        other.privateKey,
      );
      assert.equal((await whoami(s, forged)).status, 401);
      const review = await s.json("POST", "/apis/authentication.k8s.io/v1/tokenreviews", {
        cert: ADMIN,
        body: {
          apiVersion: "authentication.k8s.io/v1",
          kind: "TokenReview",
          spec: { token: forged },
        },
      });
      const status = review.body.status as Record<string, unknown>;
      assert.equal(status.authenticated, undefined);
      assert.match(String(status.error), /signature is invalid/);
    });

    await t.step("a token stops working when its service account is recreated", async () => {
      await s.json("POST", SA_PATH, { cert: ADMIN, body: { metadata: { name: "carol" } } });
      const token = ((await tokenFor(s, "carol")).body.status as { token: string }).token;
      assert.equal((await whoami(s, token)).status, 201);
      await s.call("DELETE", `${SA_PATH}/carol`, { cert: ADMIN });
      await s.json("POST", SA_PATH, { cert: ADMIN, body: { metadata: { name: "carol" } } });
      await s.settled();
      assert.equal((await whoami(s, token)).status, 401);
    });

    await t.step("a pod-bound token is valid until the pod is deleted", async () => {
      const pod = await s.json("POST", "/api/v1/namespaces/default/pods", {
        cert: ADMIN,
        body: {
          metadata: { name: "p1" },
          spec: { serviceAccountName: "bob", containers: [{ name: "c", image: "busybox" }] },
        },
      });
      assert.equal(pod.status, 201, JSON.stringify(pod.body));
      const r = await tokenFor(s, "bob", {
        boundObjectRef: { kind: "Pod", apiVersion: "v1", name: "p1" },
      });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      const token = (r.body.status as { token: string }).token;
      const me = await whoami(s, token);
      const extra = (me.body.status as { userInfo: { extra: Record<string, string[]> } }).userInfo
        .extra;
      assert.deepEqual(extra["authentication.kubernetes.io/pod-name"], ["p1"]);
      assert.deepEqual(extra["authentication.kubernetes.io/pod-uid"], [
        (pod.body.metadata as { uid: string }).uid,
      ]);
      await s.call("DELETE", "/api/v1/namespaces/default/pods/p1?gracePeriodSeconds=0", {
        cert: ADMIN,
      });
      await s.settled();
      assert.equal((await whoami(s, token)).status, 401);
    });

    await t.step("a token cannot be bound to a pod of another service account", async () => {
      await s.json("POST", "/api/v1/namespaces/default/pods", {
        cert: ADMIN,
        body: { metadata: { name: "p2" }, spec: { containers: [{ name: "c", image: "busybox" }] } },
      });
      const r = await tokenFor(s, "bob", {
        boundObjectRef: { kind: "Pod", apiVersion: "v1", name: "p2" },
      });
      assert.equal(r.status, 400);
      assert.match(String(r.body.message), /different serviceaccount name/);
    });

    await t.step("a legacy service account token secret is filled and authenticates", async () => {
      const created = await s.json("POST", "/api/v1/namespaces/default/secrets", {
        cert: ADMIN,
        body: {
          metadata: {
            name: "bob-token",
            annotations: { "kubernetes.io/service-account.name": "bob" },
          },
          type: "kubernetes.io/service-account-token",
        },
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      let data: Record<string, string> = {};
      await eventually(async () => {
        const got = await s.json("GET", "/api/v1/namespaces/default/secrets/bob-token", {
          cert: ADMIN,
        });
        data = (got.body.data ?? {}) as Record<string, string>;
        return !!data.token;
      });
      assert.equal(atob(data.namespace), "default");
      assert.equal(atob(data["ca.crt"]), s.pki.serverCa.certPem);
      const token = atob(data.token);
      await s.settled();
      const me = await whoami(s, token);
      assert.equal(me.status, 201);
      assert.equal(
        (me.body.status as { userInfo: { username: string } }).userInfo.username,
        "system:serviceaccount:default:bob",
      );
      await s.call("DELETE", "/api/v1/namespaces/default/secrets/bob-token", { cert: ADMIN });
      await s.settled();
      assert.equal((await whoami(s, token)).status, 401);
    });

    await t.step("a legacy token secret for a missing service account is deleted", async () => {
      await s.json("POST", "/api/v1/namespaces/default/secrets", {
        cert: ADMIN,
        body: {
          metadata: {
            name: "ghost-token",
            annotations: { "kubernetes.io/service-account.name": "ghost" },
          },
          type: "kubernetes.io/service-account-token",
        },
      });
      await eventually(async () =>
        (await s.call("GET", "/api/v1/namespaces/default/secrets/ghost-token", { cert: ADMIN }))
          .status === 404
      );
    });

    await t.step("TokenReview needs a token, and a caller allowed to create reviews", async () => {
      const path = "/apis/authentication.k8s.io/v1/tokenreviews";
      const body = { apiVersion: "authentication.k8s.io/v1", kind: "TokenReview", spec: {} };
      const empty = await s.json("POST", path, { cert: ADMIN, body });
      assert.equal(empty.status, 400);
      assert.match(String(empty.body.message), /token is required/);
      const token = ((await tokenFor(s, "bob")).body.status as { token: string }).token;
      const asBob = await s.json("POST", path, {
        headers: bearer(token),
        body: { ...body, spec: { token } },
      });
      assert.equal(asBob.status, 403);
    });

    await t.step("an unknown bearer token is a 401 even on anonymous paths", async () => {
      const r = await s.call("GET", "/ping", { headers: bearer("not-a-token") });
      assert.equal(r.status, 401);
      assert.equal((await s.call("GET", "/ping")).status, 200);
    });
  } finally {
    await s.close();
  }
});

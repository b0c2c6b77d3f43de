import assert from "node:assert/strict";
import type { KubeObject } from "../../../kube/meta.ts";
import { generateKeyPair, privateKeyToPem, publicKeyPemOf } from "../../pki/x509.ts";
import type { ObjectKind, ObjectLookup } from "./lookup.ts";
import { ServiceAccountTokenAuthenticator } from "./sa_authenticator.ts";
import { boundClaims, legacyClaims, ServiceAccountTokenSigner } from "./sa_claims.ts";
import { InvalidTokenError } from "./token.ts";

const ISSUER = "https://kubernetes.default.svc.cluster.local";
const API = [ISSUER, "k3s"];

/** A lookup over a map of `plural/ns/name`, counting syncs. */
function fakeLookup(objects: Record<string, KubeObject>) {
  const lookup = {
    syncs: 0,
    onSync: () => {},
    get(kind: ObjectKind, ns: string, name: string) {
      return Promise.resolve(objects[`${kind.plural}/${ns}/${name}`] ?? null);
    },
    list() {
      return Promise.resolve([]);
    },
    sync() {
      lookup.syncs++;
      lookup.onSync();
      return Promise.resolve();
    },
  };
  return lookup satisfies ObjectLookup;
}

function obj(name: string, uid: string, extra: Partial<KubeObject> = {}): KubeObject {
  return { metadata: { name, namespace: "ns", uid }, ...extra };
}

async function setup(now: Date) {
  const keys = await generateKeyPair();
  const keyPem = await privateKeyToPem(keys.privateKey);
  const publicKeyPem = publicKeyPemOf(keyPem);
  const signer = new ServiceAccountTokenSigner(keyPem, publicKeyPem);
  const objects: Record<string, KubeObject> = {
    "serviceaccounts/ns/sa": obj("sa", "sa-uid"),
    "pods/ns/p": obj("p", "pod-uid"),
    "secrets/ns/s": obj("s", "secret-uid"),
  };
  const lookup = fakeLookup(objects);
  let clock = now;
  const authn = new ServiceAccountTokenAuthenticator({
    publicKeyPems: [publicKeyPem],
    issuers: [ISSUER],
    apiAudiences: API,
    lookup,
    now: () => clock,
  });
  const issue = (over: Partial<Parameters<typeof boundClaims>[0]> = {}) =>
    signer.sign(boundClaims({
      issuer: ISSUER,
      namespace: "ns",
      serviceAccount: { name: "sa", uid: "sa-uid" },
      audiences: API,
      expirationSeconds: 3600,
      now,
      jti: "j-1",
      ...over,
    }));
  return {
    signer,
    objects,
    lookup,
    authn,
    issue,
    setClock: (d: Date) => (clock = d),
  };
}

const NOW = new Date("2026-03-01T12:00:00Z");

async function refused(p: Promise<unknown>, message: RegExp): Promise<void> {
  await assert.rejects(
    p,
    (e: unknown) => e instanceof InvalidTokenError && message.test(e.message),
  );
}

Deno.test("a bound token authenticates as its service account with upstream's user", async () => {
  const { authn, issue } = await setup(NOW);
  const r = await authn.authenticateToken(await issue(), API);
  assert.deepEqual(r, {
    user: {
      name: "system:serviceaccount:ns:sa",
      uid: "sa-uid",
      groups: ["system:serviceaccounts", "system:serviceaccounts:ns"],
      extra: { "authentication.kubernetes.io/credential-id": ["JTI=j-1"] },
    },
    audiences: API,
  });
});

Deno.test("a token past its expiry (beyond the minute of leeway) is refused", async () => {
  const { authn, issue, setClock } = await setup(NOW);
  const token = await issue({ expirationSeconds: 600 });
  setClock(new Date(NOW.getTime() + 630_000));
  assert.ok(await authn.authenticateToken(token, API), "within the leeway");
  setClock(new Date(NOW.getTime() + 661_000));
  await refused(authn.authenticateToken(token, API), /has expired/);
});

Deno.test("a token whose audiences miss the requested ones is refused", async () => {
  const { authn, issue } = await setup(NOW);
  await refused(
    authn.authenticateToken(await issue({ audiences: ["vault"] }), API),
    /token audiences \["vault"\] is invalid/,
  );
  const r = await authn.authenticateToken(await issue({ audiences: ["vault", "k3s"] }), API);
  assert.deepEqual(r?.audiences, ["k3s"]);
});

Deno.test("a token of another issuer or no JWT at all is not the authenticator's", async () => {
  const { authn, issue } = await setup(NOW);
  assert.equal(await authn.authenticateToken(await issue({ issuer: "https://dex" }), API), null);
  assert.equal(await authn.authenticateToken("abcdef.0123456789abcdef", API), null);
});

Deno.test("a token for a deleted or recreated service account is refused", async () => {
  const { authn, issue, objects } = await setup(NOW);
  const token = await issue();
  objects["serviceaccounts/ns/sa"] = obj("sa", "other-uid");
  await refused(authn.authenticateToken(token, API), /does not match claim/);
  delete objects["serviceaccounts/ns/sa"];
  await refused(authn.authenticateToken(token, API), /not found/);
});

Deno.test("a young token waits once for the cache; an old one does not", async () => {
  const { authn, issue, objects, lookup, setClock } = await setup(NOW);
  const token = await issue();
  const sa = objects["serviceaccounts/ns/sa"];
  delete objects["serviceaccounts/ns/sa"];
  lookup.onSync = () => (objects["serviceaccounts/ns/sa"] = sa);
  assert.ok(await authn.authenticateToken(token, API));
  assert.equal(lookup.syncs, 1);
  delete objects["serviceaccounts/ns/sa"];
  setClock(new Date(NOW.getTime() + 60_000));
  await refused(authn.authenticateToken(token, API), /not found/);
  assert.equal(lookup.syncs, 1);
});

Deno.test("pod- and secret-bound tokens die with their object", async () => {
  const { authn, issue, objects } = await setup(NOW);
  const podToken = await issue({
    pod: { name: "p", uid: "pod-uid" },
    node: { name: "n1", uid: "" },
  });
  const r = await authn.authenticateToken(podToken, API);
  assert.deepEqual(r?.user.extra, {
    "authentication.kubernetes.io/pod-name": ["p"],
    "authentication.kubernetes.io/pod-uid": ["pod-uid"],
    "authentication.kubernetes.io/credential-id": ["JTI=j-1"],
    "authentication.kubernetes.io/node-name": ["n1"],
  });
  objects["pods/ns/p"] = obj("p", "pod-uid", {
    metadata: {
      name: "p",
      namespace: "ns",
      uid: "pod-uid",
      deletionTimestamp: new Date(NOW.getTime() - 120_000).toISOString(),
    },
  });
  await refused(authn.authenticateToken(podToken, API), /invalidated/);
  const secretToken = await issue({ secret: { name: "s", uid: "secret-uid" } });
  assert.ok(await authn.authenticateToken(secretToken, API));
  delete objects["secrets/ns/s"];
  await refused(authn.authenticateToken(secretToken, API), /invalidated/);
});

Deno.test("a node-bound token needs its node", async () => {
  const { authn, issue, objects } = await setup(NOW);
  const token = await issue({ node: { name: "n1", uid: "node-uid" } });
  await refused(authn.authenticateToken(token, API), /invalidated/);
  objects["nodes//n1"] = { metadata: { name: "n1", uid: "node-uid" } };
  const r = await authn.authenticateToken(token, API);
  assert.deepEqual(r?.user.extra?.["authentication.kubernetes.io/node-uid"], ["node-uid"]);
});

Deno.test("a legacy token is valid while its secret holds it, for the API audiences only", async () => {
  const { authn, signer, objects } = await setup(NOW);
  const token = await signer.sign(legacyClaims("ns", { name: "sa", uid: "sa-uid" }, "s"));
  objects["secrets/ns/s"] = obj("s", "secret-uid", { data: { token: btoa(token) } });
  const r = await authn.authenticateToken(token, API);
  assert.equal(r?.user.name, "system:serviceaccount:ns:sa");
  await refused(authn.authenticateToken(token, ["vault"]), /invalid for the target audiences/);
  objects["secrets/ns/s"] = obj("s", "secret-uid", { data: { token: btoa("other") } });
  await refused(authn.authenticateToken(token, API), /invalidated/);
});

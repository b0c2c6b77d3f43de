import assert from "node:assert/strict";
import type { KubeObject } from "../../../kube/meta.ts";
import { BootstrapTokenAuthenticator } from "./bootstrap_token.ts";
import type { ObjectLookup } from "./lookup.ts";
import { InvalidTokenError } from "./token.ts";

const NOW = new Date("2026-03-01T12:00:00Z");

function secret(data: Record<string, string>, type = "bootstrap.kubernetes.io/token"): KubeObject {
  const encoded: Record<string, string> = {};
  for (const [k, v] of Object.entries(data)) encoded[k] = btoa(v);
  return {
    metadata: { name: "bootstrap-token-abcdef", namespace: "kube-system" },
    type,
    data: encoded,
  };
}

function authenticator(obj: KubeObject | null) {
  const lookup: ObjectLookup = {
    get: (_k, ns, name) =>
      Promise.resolve(ns === "kube-system" && name === "bootstrap-token-abcdef" ? obj : null),
    list: () => Promise.resolve([]),
    sync: () => Promise.resolve(),
  };
  return new BootstrapTokenAuthenticator(lookup, () => NOW);
}

const VALID = {
  "token-id": "abcdef",
  "token-secret": "0123456789abcdef",
  "usage-bootstrap-authentication": "true",
  "auth-extra-groups": "system:bootstrappers:k3s:default-node-token",
  expiration: "2026-03-02T12:00:00Z",
};

Deno.test("a bootstrap token authenticates as system:bootstrap:<id> with its extra groups", async () => {
  const r = await authenticator(secret(VALID)).authenticateToken("abcdef.0123456789abcdef");
  assert.deepEqual(r?.user, {
    name: "system:bootstrap:abcdef",
    groups: ["system:bootstrappers", "system:bootstrappers:k3s:default-node-token"],
  });
});

Deno.test("bootstrap tokens are refused when anything about the secret is off", async () => {
  const cases: [string, KubeObject | null][] = [
    ["missing secret", null],
    ["wrong secret", secret({ ...VALID, "token-secret": "fedcba9876543210" })],
    ["expired", secret({ ...VALID, expiration: "2026-03-01T11:59:59Z" })],
    ["no authentication usage", secret({ ...VALID, "usage-bootstrap-authentication": "false" })],
    ["wrong type", secret(VALID, "Opaque")],
    ["bad extra group", secret({ ...VALID, "auth-extra-groups": "system:masters" })],
  ];
  for (const [why, obj] of cases) {
    await assert.rejects(
      authenticator(obj).authenticateToken("abcdef.0123456789abcdef"),
      InvalidTokenError,
      why,
    );
  }
});

Deno.test("what is not a bootstrap token is left to other authenticators", async () => {
  assert.equal(await authenticator(secret(VALID)).authenticateToken("eyJhbGciOi.x.y"), null);
});

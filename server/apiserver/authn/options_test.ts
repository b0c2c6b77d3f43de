import assert from "node:assert/strict";
import { authnSettings } from "./options.ts";

Deno.test("authnSettings() defaults to K3s's issuer and audiences", () => {
  assert.deepEqual(authnSettings([], "cluster.local"), {
    issuers: ["https://kubernetes.default.svc.cluster.local"],
    apiAudiences: ["https://kubernetes.default.svc.cluster.local", "k3s"],
  });
});

Deno.test("authnSettings() reads the webhook, issuer, audiences and max expiration", () => {
  const s = authnSettings([
    "authentication-token-webhook-config-file=/etc/webhook.yaml",
    "--authentication-token-webhook-cache-ttl=30s",
    "authentication-token-webhook-version=v1",
    "service-account-issuer=https://issuer.example",
    "api-audiences=a,b",
    "service-account-max-token-expiration=2h",
    "audit-log-path=/x",
  ], "k.local");
  assert.deepEqual(s, {
    issuers: ["https://issuer.example"],
    apiAudiences: ["a", "b"],
    maxTokenExpirationSeconds: 7200,
    webhook: { configFile: "/etc/webhook.yaml", cacheTtlMs: 30_000, version: "v1" },
  });
});

Deno.test("authnSettings() rejects a bad duration naming the argument", () => {
  assert.throws(
    () =>
      authnSettings([
        "authentication-token-webhook-config-file=/w",
        "authentication-token-webhook-cache-ttl=soon",
      ], "c"),
    /authentication-token-webhook-cache-ttl=soon/,
  );
});

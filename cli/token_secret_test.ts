import assert from "node:assert/strict";
import {
  checkNewToken,
  generateToken,
  shortHumanDuration,
  TOKEN_PATTERN,
  tokenFromSecret,
  tokenSecret,
  tokenTable,
} from "./token_secret.ts";

const NOW = new Date("2026-03-01T12:00:00Z");

Deno.test("generateToken() makes kubeadm-shaped tokens", () => {
  const seen = new Set<string>();
  for (let i = 0; i < 50; i++) {
    const t = generateToken();
    assert.match(t, TOKEN_PATTERN);
    seen.add(t);
  }
  assert.equal(seen.size, 50);
});

Deno.test("tokenSecret() writes kubeadm's layout and tokenFromSecret() reads it back", () => {
  const secret = tokenSecret({
    token: "abcdef.0123456789abcdef",
    description: "for the edge",
    ttlMs: 24 * 3_600_000,
    usages: ["signing", "authentication"],
    groups: ["system:bootstrappers:k3s:default-node-token"],
  }, NOW);
  assert.deepEqual(secret.metadata, { name: "bootstrap-token-abcdef", namespace: "kube-system" });
  assert.equal(secret.type, "bootstrap.kubernetes.io/token");
  const data = secret.data as Record<string, string>;
  assert.equal(atob(data.expiration), "2026-03-02T12:00:00Z");
  assert.equal(atob(data["usage-bootstrap-authentication"]), "true");
  assert.deepEqual(tokenFromSecret(secret), {
    token: "abcdef.0123456789abcdef",
    description: "for the edge",
    expires: "2026-03-02T12:00:00Z",
    usages: ["authentication", "signing"],
    groups: ["system:bootstrappers:k3s:default-node-token"],
  });
});

Deno.test("a TTL of 0 never expires", () => {
  const secret = tokenSecret({
    token: "abcdef.0123456789abcdef",
    description: "",
    ttlMs: 0,
    usages: [],
    groups: [],
  }, NOW);
  assert.deepEqual(Object.keys(secret.data as object), ["token-id", "token-secret"]);
});

Deno.test("checkNewToken() refuses unknown usages and groups outside system:bootstrappers", () => {
  const base = {
    token: "abcdef.0123456789abcdef",
    description: "",
    ttlMs: 0,
    usages: [],
    groups: [],
  };
  assert.throws(
    () => checkNewToken({ ...base, usages: ["root"] }),
    /invalid bootstrap token usage/,
  );
  assert.throws(() => checkNewToken({ ...base, groups: ["system:masters"] }), /is invalid/);
});

Deno.test("shortHumanDuration() rounds down as apimachinery does", () => {
  assert.equal(shortHumanDuration(24 * 3_600_000 - 5_000), "23h");
  assert.equal(shortHumanDuration(59_999), "59s");
  assert.equal(shortHumanDuration(3 * 86_400_000), "3d");
  assert.equal(shortHumanDuration(-5_000), "<invalid>");
});

Deno.test("tokenTable() lays out K3s's list like Go's tabwriter", () => {
  const text = tokenTable([
    {
      token: "abcdef.0123456789abcdef",
      expires: "2026-03-02T12:00:00Z",
      usages: ["authentication", "signing"],
      groups: ["system:bootstrappers:k3s:default-node-token"],
    },
    { token: "zzzzzz.0123456789abcdef", description: "forever" },
  ], NOW);
  assert.equal(
    text,
    "TOKEN     TTL         EXPIRES                USAGES                   DESCRIPTION   EXTRA GROUPS\n" +
      "abcdef    1d          2026-03-02T12:00:00Z   authentication,signing   <none>        system:bootstrappers:k3s:default-node-token\n" +
      "zzzzzz    <forever>   <never>                <none>                   forever       <none>\n",
  );
});

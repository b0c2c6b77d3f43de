import assert from "node:assert/strict";
import { hashNodePassword, nodePasswordSecretName, verifyNodePassword } from "./node_password.ts";

// scrypt(N=2^15, r=8, p=1) of "node-pass" with salt 01..08, computed with Python's hashlib.
const INDEPENDENT =
  "$1:0102030405060708:15:8:1:C+c4h0wzjtOx8/5C/ZiowpVmBRzq/DYkZLcSxz8wSTcSDhAgRih0SAtCWBEAwhT+wQFh3p0TfQl6HvtmIYixGQ";

Deno.test("verifyNodePassword() reads K3s's scrypt hash format", async () => {
  assert.equal(await verifyNodePassword(INDEPENDENT, "node-pass"), true);
  assert.equal(await verifyNodePassword(INDEPENDENT, "node-pasS"), false);
  assert.equal(await verifyNodePassword("not a hash", "node-pass"), false);
});

Deno.test("hashNodePassword() makes salted hashes that verify", async () => {
  const a = await hashNodePassword("secret");
  const b = await hashNodePassword("secret");
  assert.match(a, /^\$1:[0-9a-f]{16}:15:8:1:[A-Za-z0-9+/]{86}$/);
  assert.notEqual(a, b);
  assert.equal(await verifyNodePassword(a, "secret"), true);
  assert.equal(await verifyNodePassword(a, "other"), false);
});

Deno.test("nodePasswordSecretName() is K3s's lower-cased name", () => {
  assert.equal(nodePasswordSecretName("Worker-1"), "worker-1.node-password.k3s");
});

import assert from "node:assert/strict";
import { formatStatus, runSecretsEncryptCommand } from "./secrets_encrypt.ts";
import { CliError } from "./errors.ts";

Deno.test("formatStatus() prints K3s's status text with the key table", () => {
  const text = formatStatus({
    stage: "rotate",
    activekey: "AES-CBC aescbckey-2026-01-02T03:04:05Z",
    enable: true,
    hashmatch: true,
    inactivekeys: ["AES-CBC aescbckey"],
  });
  assert.equal(
    text,
    "Encryption Status: Enabled\n" +
      "Current Rotation Stage: rotate\n" +
      "Server Encryption Hashes: All hashes match\n" +
      "\n" +
      "Active  Key Type  Name\n" +
      "------  --------  ----\n" +
      " *      AES-CBC   aescbckey-2026-01-02T03:04:05Z\n" +
      "        AES-CBC   aescbckey\n",
  );
});

Deno.test("formatStatus() shows a disabled server, a hash error and a missing config", () => {
  const text = formatStatus({
    stage: "start",
    activekey: "",
    enable: false,
    hasherror: "hash does not match between a and b",
    inactivekeys: ["aescbckey"],
  });
  assert.match(text, /^Encryption Status: Disabled\n/);
  assert.match(text, /\nServer Encryption Hashes: hash does not match between a and b\n/);
  assert.match(text, /\n {8}AES-CBC {3}aescbckey\n$/);
  assert.ok(!text.includes(" * "));
  assert.equal(
    formatStatus({ stage: "", activekey: "" }),
    "Encryption Status: Disabled, no configuration file found",
  );
});

Deno.test("k3s secrets-encrypt lists its subcommands and refuses unknown ones", async () => {
  const printed: string[] = [];
  assert.equal(await runSecretsEncryptCommand([], {}, { print: (t) => printed.push(t) }), 0);
  for (
    const sub of ["status", "enable", "disable", "prepare", "rotate", "reencrypt", "rotate-keys"]
  ) {
    assert.match(printed[0], new RegExp(`\\n   ${sub} +\\S`));
  }
  await assert.rejects(
    runSecretsEncryptCommand(["bogus"], {}),
    (err: Error) =>
      err instanceof CliError && /unknown command "secrets-encrypt bogus"/.test(err.message),
  );
  printed.length = 0;
  await runSecretsEncryptCommand(["reencrypt", "--help"], {}, { print: (t) => printed.push(t) });
  assert.match(printed[0], /--skip/);
  assert.match(printed[0], /--force/);
});

/**
 * Secrets encryption at rest against a real server on SQLite and the real kubectl:
 * `--secrets-encryption` writes K3s's files, secret values never reach the database in the
 * clear, kubectl reads and watches them as usual, and `k3s secrets-encrypt` reports, rotates,
 * disables and re-enables with every secret still readable, across a restart. Without the flag
 * secrets are stored as they always were.
 *
 * @module
 */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { createHash } from "node:crypto";
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { type K3sServer, kubectlSteps, REPO, run, startServer } from "./harness.ts";

const PREFIX = "k8s:enc:aescbc:v1:";

function k3s(server: K3sServer, args: string[]) {
  return run(Deno.execPath(), [
    "run",
    "-A",
    join(REPO, "main.ts"),
    "secrets-encrypt",
    ...args,
    "--data-dir",
    server.dataDir,
    "--server",
    `https://127.0.0.1:${server.port}`,
  ]);
}

async function k3sOk(server: K3sServer, args: string[]): Promise<string> {
  const r = await k3s(server, args);
  if (r.code !== 0) throw new Error(`secrets-encrypt ${args.join(" ")}: ${r.stderr}${r.stdout}`);
  return r.stdout;
}

/** Every byte the database files hold now (main file and write-ahead log). */
async function dbBytes(server: K3sServer): Promise<Buffer> {
  const db = join(server.dataDir, "server", "db", "state.db");
  const parts = [await readFile(db)];
  parts.push(await readFile(`${db}-wal`).catch(() => Buffer.alloc(0)));
  return Buffer.concat(parts);
}

/** The current stored value of every secret, straight from SQLite. */
function storedSecrets(server: K3sServer): Map<string, Buffer> {
  const db = new DatabaseSync(join(server.dataDir, "server", "db", "state.db"), { readOnly: true });
  try {
    const rows = db.prepare(
      `SELECT name, value, deleted FROM log WHERE id IN (
         SELECT MAX(id) FROM log WHERE name LIKE '/registry/core/secrets/%' GROUP BY name)`,
    ).all() as { name: string; value: Uint8Array | null; deleted: number }[];
    return new Map(
      rows.filter((r) => !r.deleted).map((r) => [r.name, Buffer.from(r.value ?? new Uint8Array())]),
    );
  } finally {
    db.close();
  }
}

function assertAllStoredWith(server: K3sServer, start: string, what: string): number {
  const stored = storedSecrets(server);
  assert.ok(stored.size > 0, "no secrets stored");
  for (const [name, value] of stored) {
    assert.ok(
      value.toString("latin1").startsWith(start),
      `${name} is not ${what}: ${value.toString("latin1").slice(0, 40)}`,
    );
  }
  return stored.size;
}

const b64 = (s: string) => Buffer.from(s).toString("base64");

Deno.test("secrets are encrypted at rest and the keys rotate with k3s secrets-encrypt", async (t) => {
  const server = await startServer({ args: ["--secrets-encryption"] });
  try {
    const cred = join(server.dataDir, "server", "cred");
    const values: { ns: string; name: string; value: string }[] = [];

    await t.step("the encryption files are K3s's, mode 0600", async () => {
      const text = await readFile(join(cred, "encryption-config.json"), "utf8");
      const config = JSON.parse(text);
      assert.equal(config.kind, "EncryptionConfiguration");
      assert.equal(config.apiVersion, "apiserver.config.k8s.io/v1");
      assert.deepEqual(config.resources[0].resources, ["secrets"]);
      const [aescbc, identity] = config.resources[0].providers;
      assert.deepEqual(identity, { identity: {} });
      assert.equal(aescbc.aescbc.keys.length, 1);
      assert.equal(aescbc.aescbc.keys[0].name, "aescbckey");
      assert.equal(Buffer.from(aescbc.aescbc.keys[0].secret, "base64").length, 32);
      assert.equal((await stat(join(cred, "encryption-config.json"))).mode & 0o777, 0o600);
      const state = await readFile(join(cred, "encryption-state.json"), "utf8");
      assert.equal(state, `start-${createHash("sha256").update(text).digest("hex")}`);
      assert.equal((await stat(join(cred, "encryption-state.json"))).mode & 0o777, 0o600);
    });

    await kubectlSteps(t, server, "enc", async (k, t) => {
      const value = `ZebraPlatypus-${k.version}-${crypto.randomUUID().slice(0, 8)}`;
      values.push({ ns: k.namespace, name: "db", value });

      await t.step("a watch started first sees the created secret's value", async () => {
        const watch = k.spawn(["get", "secrets", "--watch", "-o", "jsonpath={.data.pw}{'\\n'}"]);
        let seen = "";
        let stderr = "";
        const read = async (s: ReadableStream<Uint8Array>, into: (t: string) => void) => {
          for await (const chunk of s.pipeThrough(new TextDecoderStream())) into(chunk);
        };
        const reading = Promise.all([
          read(watch.stdout, (c) => seen += c),
          read(watch.stderr, (c) => stderr += c),
        ]);
        try {
          await k.ok(["create", "secret", "generic", "db", `--from-literal=pw=${value}`]);
          // A deadline only so that a missing event fails instead of hanging.
          const deadline = Date.now() + 20_000;
          while (!seen.includes(b64(value)) && Date.now() < deadline) {
            await new Promise((r) => setTimeout(r, 50));
          }
        } finally {
          try {
            watch.kill("SIGTERM");
          } catch { /* already exited */ }
          await watch.status;
          await reading;
        }
        assert.ok(seen.includes(b64(value)), `watch printed: ${seen}${stderr}`);
      });

      await t.step("kubectl get returns the value", async () => {
        const out = await k.ok(["get", "secret", "db", "-o", "jsonpath={.data.pw}"]);
        assert.equal(Buffer.from(out, "base64").toString(), value);
      });
    });

    await t.step("the database never holds a value in the clear", async () => {
      const bytes = await dbBytes(server);
      for (const { value } of values) {
        assert.ok(!bytes.includes(value), `${value} found in the database`);
        assert.ok(!bytes.includes(b64(value)), `base64 of ${value} found in the database`);
      }
      assert.ok(bytes.includes(`${PREFIX}aescbckey:`));
      assertAllStoredWith(server, `${PREFIX}aescbckey:`, "encrypted with aescbckey");
    });

    await t.step("status reports K3s's text", async () => {
      const out = await k3sOk(server, ["status"]);
      assert.equal(
        out,
        [
          "Encryption Status: Enabled",
          "Current Rotation Stage: start",
          "Server Encryption Hashes: All hashes match",
          "",
          "Active  Key Type  Name",
          "------  --------  ----",
          " *      AES-CBC   aescbckey",
          "",
          "",
        ].join("\n"),
      );
    });

    const readBack = async () => {
      for (const { ns, name, value } of values) {
        const out = await server.kubectlOk([
          "-n",
          ns,
          "get",
          "secret",
          name,
          "-o",
          "jsonpath={.data.pw}",
        ]);
        assert.equal(Buffer.from(out, "base64").toString(), value, `${ns}/${name}`);
      }
    };

    let newKey = "";
    await t.step(
      "rotate-keys re-encrypts every secret with a new key and drops the old",
      async () => {
        assert.equal(
          (await k3sOk(server, ["rotate-keys"])).trim(),
          "keys rotated, reencryption finished",
        );
        const status = JSON.parse(await k3sOk(server, ["status", "-o", "json"]));
        assert.equal(status.stage, "reencrypt_finished");
        assert.equal(status.enable, true);
        assert.match(status.activekey, /^AES-CBC aescbckey-\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
        assert.equal(status.inactivekeys, undefined);
        newKey = status.activekey.slice("AES-CBC ".length);
        const config = JSON.parse(await readFile(join(cred, "encryption-config.json"), "utf8"));
        assert.deepEqual(
          config.resources[0].providers[0].aescbc.keys.map((k: { name: string }) => k.name),
          [newKey],
        );
        assertAllStoredWith(server, `${PREFIX}${newKey}:`, `encrypted with ${newKey}`);
        await readBack();
      },
    );

    await t.step("prepare, rotate, reencrypt: the multi-stage rotation", async () => {
      const keys = async () => {
        const s = JSON.parse(await k3sOk(server, ["status", "-o", "json"]));
        const name = (k: string) => k.replace(/^AES-CBC /, "");
        return {
          stage: s.stage,
          active: name(s.activekey),
          inactive: (s.inactivekeys ?? []).map(name),
        };
      };
      assert.equal((await k3sOk(server, ["prepare"])).trim(), "prepare completed successfully");
      const prepared = await keys();
      assert.equal(prepared.stage, "prepare");
      assert.equal(prepared.active, newKey, "prepare adds a key but does not write with it");
      assert.equal(prepared.inactive.length, 1);
      const added = prepared.inactive[0];
      assert.notEqual(added, newKey);
      assertAllStoredWith(server, `${PREFIX}${newKey}:`, `still encrypted with ${newKey}`);

      assert.equal((await k3sOk(server, ["rotate"])).trim(), "rotate completed successfully");
      assert.deepEqual(await keys(), { stage: "rotate", active: added, inactive: [newKey] });
      await readBack();

      assert.equal((await k3sOk(server, ["reencrypt"])).trim(), "reencryption started");
      assert.deepEqual(await keys(), { stage: "reencrypt_finished", active: added, inactive: [] });
      assertAllStoredWith(server, `${PREFIX}${added}:`, `encrypted with ${added}`);
      await readBack();
      newKey = added;
    });

    await t.step("a stage out of order is refused, with the cause in the server log", async () => {
      const r = await k3s(server, ["rotate"]);
      assert.equal(r.code, 1);
      assert.match(
        r.stderr,
        /see server log for details: .*\/v1-k3s\/encrypt\/config: 400 Bad Request secret-encrypt error ID \d{5}/,
      );
      const id = /error ID (\d{5})/.exec(r.stderr)![1];
      assert.match(
        server.logs(),
        new RegExp(`secret-encrypt error ID ${id}: incorrect stage: reencrypt_finished`),
      );
    });

    await t.step("disable, then reencrypt --force --skip, stores them in plain again", async () => {
      assert.equal((await k3sOk(server, ["disable"])).trim(), "secrets-encryption disabled");
      assert.equal(
        (await k3sOk(server, ["reencrypt", "--force", "--skip"])).trim(),
        "reencryption started",
      );
      const out = await k3sOk(server, ["status"]);
      assert.match(out, /^Encryption Status: Disabled\n/);
      assert.match(out, /\n {8}AES-CBC {3}aescbckey-/);
      assertAllStoredWith(server, "{", "plain JSON");
      const bytes = storedSecrets(server);
      for (const { ns, name, value } of values) {
        assert.ok(bytes.get(`/registry/core/secrets/${ns}/${name}`)!.includes(b64(value)));
      }
      await readBack();
    });

    await t.step("a restarted server reads them, and again after enable", async () => {
      await server.restart();
      await readBack();
      assert.equal((await k3sOk(server, ["enable"])).trim(), "secrets-encryption enabled");
      assertAllStoredWith(server, `${PREFIX}${newKey}:`, `encrypted with ${newKey}`);
      await server.restart();
      await readBack();
      assert.match(await k3sOk(server, ["status"]), /^Encryption Status: Enabled\n/);
    });
  } finally {
    await server.close();
  }
});

Deno.test("without --secrets-encryption secrets are stored as before and the tool says so", async () => {
  const server = await startServer();
  try {
    const value = `PlainOkapi-${crypto.randomUUID().slice(0, 8)}`;
    await server.kubectlOk(["create", "secret", "generic", "plain", `--from-literal=pw=${value}`]);
    assert.ok(
      storedSecrets(server).get("/registry/core/secrets/default/plain")!.includes(b64(value)),
    );
    assertAllStoredWith(server, "{", "plain JSON");
    await assert.rejects(stat(join(server.dataDir, "server", "cred", "encryption-config.json")));
    assert.equal(
      await k3sOk(server, ["status"]),
      "Encryption Status: Disabled, no configuration file found\n",
    );
    const r = await k3s(server, ["rotate-keys"]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /400 Bad Request secret-encrypt error ID \d{5}/);
    assert.match(server.logs(), /secrets encryption is not enabled on this server/);
    // The endpoints are the server token's only, not the admin's.
    const admin = await server.request("GET", "/v1-k3s/encrypt/status");
    assert.equal(admin.status, 403);
    const bad = await run(Deno.execPath(), [
      "run",
      "-A",
      join(REPO, "main.ts"),
      "secrets-encrypt",
      "status",
      "--data-dir",
      server.dataDir,
      "--server",
      `https://127.0.0.1:${server.port}`,
      "--token",
      "wrong-secret",
    ]);
    assert.equal(bad.code, 1, bad.stdout);
  } finally {
    await server.close();
  }
});

import assert from "node:assert/strict";
import { DatastoreUnavailableError } from "../backend.ts";
import { bytes, text } from "../conformance_helpers.ts";
import { SqliteBackend } from "./mod.ts";

async function withDataDir(body: (dbPath: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "datastore-durability-" });
  try {
    await Deno.mkdir(`${dir}/server/db`, { recursive: true });
    await body(`${dir}/server/db/state.db`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** start() must fail with a DatastoreUnavailableError that names the file, changing no byte. */
async function assertRefused(path: string): Promise<void> {
  const before = await Deno.readFile(path);
  const backend = new SqliteBackend({ path });
  const error = await backend.start().then(() => null, (error) => error);
  await backend.close();
  assert.ok(error instanceof DatastoreUnavailableError, `got ${error}`);
  assert.match(error.message, new RegExp(path.replaceAll(".", "\\.")));
  assert.deepEqual(await Deno.readFile(path), before, "the file is left untouched");
}

Deno.test("SqliteBackend.start() refuses a file of garbage, naming it and leaving it as is", async () => {
  await withDataDir(async (path) => {
    await Deno.writeFile(path, crypto.getRandomValues(new Uint8Array(64 * 1024)));
    await assertRefused(path);
  });
});

Deno.test("SqliteBackend.start() refuses a database with a damaged page", async () => {
  await withDataDir(async (path) => {
    const backend = new SqliteBackend({ path });
    await backend.start();
    const value = new Uint8Array(200).fill(1);
    await Promise.all(Array.from({ length: 2000 }, (_, i) => backend.create(`/k/${i}`, value)));
    await backend.close();
    const file = await Deno.open(path, { write: true });
    try {
      await file.seek(4096 * 10, Deno.SeekMode.Start);
      await file.write(crypto.getRandomValues(new Uint8Array(4096)));
    } finally {
      file.close();
    }
    await assertRefused(path);
  });
});

Deno.test("SqliteBackend loses no acknowledged write when its process is SIGKILLed mid-storm", async () => {
  await withDataDir(async (path) => {
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", new URL("./testdata/write_storm.ts", import.meta.url).pathname, path],
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const lines: string[] = [];
    let killed = false;
    try {
      let pending = "";
      const decoder = new TextDecoder();
      for await (const chunk of child.stdout) {
        pending += decoder.decode(chunk, { stream: true });
        const parts = pending.split("\n");
        pending = parts.pop()!;
        lines.push(...parts);
        if (!killed && lines.length >= 4000) {
          child.kill("SIGKILL");
          killed = true;
        }
      }
    } finally {
      if (!killed) child.kill("SIGKILL");
      const status = await child.status;
      const stderr = new TextDecoder().decode(await new Response(child.stderr).arrayBuffer());
      assert.equal(status.signal, "SIGKILL", `the writer died by itself: ${stderr}`);
    }
    const backend = new SqliteBackend({ path });
    await backend.start();
    try {
      const updates = new Map<string, { revision: number; value: string }>();
      for (const line of lines) {
        const [kind, revision, key, value] = line.split(" ");
        if (kind === "U") updates.set(key, { revision: Number(revision), value });
        if (kind !== "C") continue;
        const { kv } = await backend.get(key);
        assert.equal(text(kv?.value), value, `acknowledged create of ${key} is lost`);
        assert.equal(kv?.createRevision, Number(revision));
      }
      for (const [key, acknowledged] of updates) {
        const { kv } = await backend.get(key);
        assert.ok(kv && kv.modRevision >= acknowledged.revision, `update of ${key} is lost`);
        if (kv.modRevision === acknowledged.revision) {
          assert.equal(text(kv.value), acknowledged.value);
        }
      }
      assert.ok(lines.length >= 4000);
      // The store is still writable after recovery.
      await backend.create("/after-crash", bytes("ok"));
    } finally {
      await backend.close();
    }
  });
});

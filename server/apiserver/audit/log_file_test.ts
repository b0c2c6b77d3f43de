import assert from "node:assert/strict";
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { AuditLogFile } from "./log_file.ts";
import type { AuditEvent } from "./trail.ts";

function event(n: number, padding = 0): AuditEvent {
  return {
    kind: "Event",
    apiVersion: "audit.k8s.io/v1",
    level: "Metadata",
    auditID: `id-${n}`,
    stage: "ResponseComplete",
    requestURI: "/" + "x".repeat(padding),
    verb: "get",
    user: { username: "u" },
    sourceIPs: [],
    requestReceivedTimestamp: "",
    stageTimestamp: "",
  };
}

Deno.test("AuditLogFile writes one JSON line per event, buffered until flushed or closed", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "sub", "audit.log");
    const log = await AuditLogFile.open({
      path,
      maxSizeMb: 0,
      maxBackups: 0,
      maxAgeDays: 0,
      flushIntervalMs: 60_000,
    });
    log.write(event(1));
    log.write(event(2));
    assert.equal(await readFile(path, "utf8"), "", "nothing is written in the request's path");
    await log.close();
    const lines = (await readFile(path, "utf8")).trim().split("\n").map((l) => JSON.parse(l));
    assert.deepEqual(lines.map((e) => e.auditID), ["id-1", "id-2"]);
    assert.equal((await stat(path)).mode & 0o777, 0o600);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("AuditLogFile rotates at maxsize and keeps maxbackup old files", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "audit.log");
    const log = await AuditLogFile.open({ path, maxSizeMb: 1, maxBackups: 1, maxAgeDays: 0 });
    for (let i = 0; i < 8; i++) {
      log.write(event(i, 400 * 1024));
      // Separate flushes, so the backups get distinct timestamps.
      await log.flush();
      await new Promise((r) => setTimeout(r, 2));
    }
    await log.close();
    const files = (await readdir(dir)).sort();
    assert.equal(files.length, 2, files.join(", "));
    assert.match(files[0], /^audit-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.\d{3}\.log$/);
    assert.equal(files[1], "audit.log");
    const ids = async (f: string) =>
      (await readFile(join(dir, f), "utf8")).trim().split("\n").map((l) => JSON.parse(l).auditID);
    // Two 400 KiB events fit in 1 MiB: files of 0-1, 2-3, 4-5 and 6-7; one backup is kept.
    assert.deepEqual(await ids(files[0]), ["id-4", "id-5"]);
    assert.deepEqual(await ids("audit.log"), ["id-6", "id-7"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

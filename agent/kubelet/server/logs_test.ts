import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { logOptionsFrom, parseCriLine, readLogs } from "./logs.ts";

const LOG = [
  "2026-01-01T00:00:01.000000001Z stdout F first",
  "2026-01-01T00:00:02.000000002Z stderr F an error",
  "2026-01-01T00:00:03.000000003Z stdout P split ",
  "2026-01-01T00:00:03.000000004Z stdout F line",
  "2026-01-01T00:00:04.000000005Z stdout F last",
  "",
].join("\n");

async function read(query: string, text = LOG): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "k3s-logs-"));
  try {
    const path = join(dir, "0.log");
    await writeFile(path, text);
    let out = "";
    await readLogs(
      path,
      logOptionsFrom(new URLSearchParams(query), Date.parse("2026-01-01T00:00:05Z")),
      (c) => {
        out += c;
      },
      () => Promise.resolve(false),
    );
    return out;
  } finally {
    await rm(dir, { recursive: true });
  }
}

Deno.test("parseCriLine() reads time, stream, partial tag and content", () => {
  assert.deepEqual(parseCriLine("2026-01-01T00:00:01Z stdout P hello world"), {
    time: "2026-01-01T00:00:01Z",
    stream: "stdout",
    partial: true,
    content: "hello world",
  });
  assert.equal(parseCriLine("garbage"), undefined);
});

Deno.test("readLogs() joins partial lines and applies tailLines, timestamps, sinceSeconds and limitBytes", async () => {
  assert.equal(await read(""), "first\nan error\nsplit line\nlast\n");
  assert.equal(await read("tailLines=2"), "split line\nlast\n");
  assert.equal(
    await read("tailLines=1&timestamps=true"),
    "2026-01-01T00:00:04.000000005Z last\n",
  );
  assert.equal(await read("sinceSeconds=2"), "split line\nlast\n");
  assert.equal(await read("limitBytes=8"), "first\nan");
  assert.equal(await read("stream=Stderr"), "an error\n");
});

Deno.test("readLogs() follows a growing file until the container stops", async () => {
  const dir = await mkdtemp(join(tmpdir(), "k3s-logs-"));
  try {
    const path = join(dir, "0.log");
    await writeFile(path, "2026-01-01T00:00:01Z stdout F one\n");
    let out = "";
    let running = true;
    const done = readLogs(path, { follow: true }, (c) => {
      out += c;
    }, () => Promise.resolve(running));
    await new Promise((r) => setTimeout(r, 300));
    await writeFile(path, "2026-01-01T00:00:01Z stdout F one\n2026-01-01T00:00:02Z stdout F two\n");
    await new Promise((r) => setTimeout(r, 500));
    running = false;
    await done;
    assert.equal(out, "one\ntwo\n");
  } finally {
    await rm(dir, { recursive: true });
  }
});

Deno.test("logOptionsFrom() refuses negative numbers", () => {
  assert.throws(
    () => logOptionsFrom(new URLSearchParams("tailLines=-1")),
    /tailLines must be a non-negative integer/,
  );
});

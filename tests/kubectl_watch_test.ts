/**
 * `kubectl get -w --output-watch-events` with the oldest and newest kubectl: changes made over
 * HTTP while kubectl watches show up as ADDED, MODIFIED and DELETED rows, in order, and a label
 * selector filters them as upstream does (an object entering the selection is ADDED, one leaving
 * it is DELETED).
 *
 * @module
 */
import assert from "node:assert/strict";
import { kubectlSteps, startServer } from "./harness.ts";

const DEADLINE_MS = 15_000;

/** A running `kubectl get -w`: its stdout as table rows, awaited with a deadline. */
function watchRows(child: Deno.ChildProcess) {
  let text = "";
  let stderr = "";
  let wake = () => {};
  const decode = async (s: ReadableStream<Uint8Array>, into: (t: string) => void) => {
    for await (const chunk of s.pipeThrough(new TextDecoderStream())) {
      into(chunk);
      wake();
    }
  };
  const reading = Promise.all([
    decode(child.stdout, (t) => text += t),
    decode(child.stderr, (t) => stderr += t),
  ]);
  const rows = () => text.split("\n").slice(0, -1).slice(1).map((l) => l.trim().split(/\s+/));
  return {
    /** Waits until `done(rows)` holds; rows are `[EVENT, NAME, DATA, AGE]` after the header. */
    async until(done: (rows: string[][]) => boolean, what: string): Promise<string[][]> {
      const deadline = Date.now() + DEADLINE_MS;
      while (!done(rows())) {
        const left = deadline - Date.now();
        if (left <= 0) {
          assert.fail(`no ${what} within ${DEADLINE_MS} ms; kubectl printed:\n${text}${stderr}`);
        }
        let timer: ReturnType<typeof setTimeout> | undefined;
        await new Promise<void>((r) => {
          wake = r;
          timer = setTimeout(r, left);
        });
        clearTimeout(timer);
      }
      return rows();
    },
    header: () => text.split("\n")[0].trim().split(/\s+/),
    async stop() {
      try {
        child.kill("SIGTERM");
      } catch { /* already exited */ }
      await child.status;
      await reading;
    },
  };
}

const events = (rows: string[][], name: string) =>
  rows.filter((r) => r[1] === name).map((r) => `${r[0]} ${r[2]}`);

Deno.test("kubectl get -w prints watch events", async (t) => {
  const server = await startServer();
  try {
    await kubectlSteps(t, server, "watch", async (k, t) => {
      const cms = `/api/v1/namespaces/${k.namespace}/configmaps`;
      const create = (name: string, labels: Record<string, string> = {}) =>
        server.requestOk("POST", cms, {
          apiVersion: "v1",
          kind: "ConfigMap",
          metadata: { name, labels },
          data: { v: "1" },
        });
      const patch = (name: string, body: unknown) =>
        server.requestOk("PATCH", `${cms}/${name}`, body, "application/merge-patch+json");
      const remove = (name: string) => server.requestOk("DELETE", `${cms}/${name}`);

      await t.step("ADDED, MODIFIED, DELETED in order", async () => {
        await create("sentinel");
        const watch = watchRows(k.spawn(["get", "configmaps", "-w", "--output-watch-events"]));
        try {
          // The sentinel from the initial list means the watch has started after it.
          await watch.until((rows) => events(rows, "sentinel").length > 0, "sentinel row");
          assert.deepEqual(watch.header(), ["EVENT", "NAME", "DATA", "AGE"]);
          await create("w-1");
          await patch("w-1", { data: { w: "2" } });
          await remove("w-1");
          const rows = await watch.until(
            (rows) => events(rows, "w-1").length >= 3,
            "three w-1 rows",
          );
          assert.deepEqual(events(rows, "w-1"), ["ADDED 1", "MODIFIED 2", "DELETED 2"]);
          assert.deepEqual(events(rows, "sentinel"), ["ADDED 1"]);
        } finally {
          await watch.stop();
        }
      });

      await t.step("a label selector filters events like upstream", async () => {
        await create("sel-sentinel", { watched: "yes" });
        const watch = watchRows(
          k.spawn(["get", "configmaps", "-w", "--output-watch-events", "-l", "watched=yes"]),
        );
        try {
          await watch.until((rows) => events(rows, "sel-sentinel").length > 0, "sentinel row");
          await create("outside");
          await patch("outside", { metadata: { labels: { watched: "yes" } } });
          await patch("outside", { metadata: { labels: { watched: "no" } } });
          await create("marker", { watched: "yes" });
          const rows = await watch.until(
            (rows) => events(rows, "marker").length > 0,
            "marker row",
          );
          assert.deepEqual(events(rows, "outside"), ["ADDED 1", "DELETED 1"]);
          assert.deepEqual(rows.map((r) => r[1]), [
            "sel-sentinel",
            "outside",
            "outside",
            "marker",
          ]);
        } finally {
          await watch.stop();
        }
      });
    });
  } finally {
    await server.close();
  }
});

/**
 * Deleting and waiting with the oldest and newest kubectl: `delete` by name, by `-l`, `--all`,
 * a forced delete of a pod bound to a node, and `wait --for=delete` / `--for=jsonpath=…`, which
 * must keep waiting until the change made over HTTP lands.
 *
 * @module
 */
import assert from "node:assert/strict";
import { kubectlSteps, startServer } from "./harness.ts";

/** How long a `kubectl wait` must keep waiting before the awaited change is made. */
const BLOCKS_FOR_MS = 1_000;

/** A running `kubectl wait`: its output is collected from the start; `stop()` ends it. */
function background(child: Deno.ChildProcess) {
  const dec = new TextDecoder();
  const result = child.output().then((o) => ({
    code: o.code,
    stdout: dec.decode(o.stdout),
    stderr: dec.decode(o.stderr),
  }));
  return {
    result,
    /** Fails when the command exits within `ms`: it must still be waiting. */
    async assertStillRunning(ms: number) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const elapsed = new Promise<"running">((r) => timer = setTimeout(() => r("running"), ms));
      const first = await Promise.race([child.status.then(() => "exited" as const), elapsed]);
      clearTimeout(timer);
      if (first === "exited") {
        const r = await result;
        assert.fail(`kubectl wait exited (${r.code}) before the change:\n${r.stdout}${r.stderr}`);
      }
    },
    async stop() {
      try {
        child.kill("SIGKILL");
      } catch { /* already exited */ }
      await result;
    },
  };
}

Deno.test("kubectl delete and wait", async (t) => {
  const server = await startServer();
  try {
    await kubectlSteps(t, server, "delete", async (k, t) => {
      const cms = `/api/v1/namespaces/${k.namespace}/configmaps`;
      const pods = `/api/v1/namespaces/${k.namespace}/pods`;
      const createCm = (name: string, extra: Record<string, unknown> = {}) =>
        server.requestOk("POST", cms, {
          apiVersion: "v1",
          kind: "ConfigMap",
          ...extra,
          metadata: { name, ...(extra.metadata as object) },
        });
      const cmNames = async () =>
        (await server.requestOk<{ items: { metadata: { name: string } }[] }>("GET", cms)).items
          .map((i) => i.metadata.name)
          // The root CA publisher's bundle is in every namespace.
          .filter((n) => n !== "kube-root-ca.crt");
      const status = async (path: string) => (await server.request("GET", path)).status;
      // kubectl 1.35 adds " from <namespace> namespace" to its delete messages.
      const deleted = (what: string) => new RegExp(`^${what} deleted( from \\S+ namespace)?$`);

      await t.step("delete by name", async () => {
        await createCm("by-name");
        const out = await k.ok(["delete", "configmap", "by-name"]);
        assert.match(out.trim(), deleted('configmap "by-name"'));
        assert.equal(await status(`${cms}/by-name`), 404);
      });

      await t.step("delete -l deletes exactly the selected objects", async () => {
        await createCm("sel-1", { metadata: { labels: { tier: "x" } } });
        await createCm("sel-2", { metadata: { labels: { tier: "x" } } });
        await createCm("sel-3", { metadata: { labels: { tier: "y" } } });
        const out = await k.ok(["delete", "configmap", "-l", "tier=x"]);
        const lines = out.trim().split("\n").sort();
        assert.equal(lines.length, 2, out);
        assert.match(lines[0], deleted('configmap "sel-1"'));
        assert.match(lines[1], deleted('configmap "sel-2"'));
        assert.deepEqual(await cmNames(), ["sel-3"]);
      });

      await t.step("delete --all", async () => {
        await createCm("all-1");
        await createCm("all-2");
        const out = await k.ok(["delete", "configmap", "--all"]);
        assert.match(out, /configmap "all-1" deleted/);
        assert.match(out, /configmap "all-2" deleted/);
        assert.deepEqual((await cmNames()).filter((n) => n !== "kube-root-ca.crt"), []);
      });

      await t.step("delete --grace-period=0 --force removes a bound pod at once", async () => {
        const pod = (name: string) => ({
          apiVersion: "v1",
          kind: "Pod",
          metadata: { name },
          spec: { nodeName: "gone-node", containers: [{ name: "c", image: "busybox:1.36" }] },
        });
        // A graceful delete of a pod on a node leaves it for the kubelet to finish ...
        await server.requestOk("POST", pods, pod("graceful"));
        await k.ok(["delete", "pod", "graceful", "--wait=false"]);
        const left = await server.requestOk<{ metadata: Record<string, unknown> }>(
          "GET",
          `${pods}/graceful`,
        );
        assert.ok(left.metadata.deletionTimestamp, "graceful delete sets deletionTimestamp");
        assert.equal(left.metadata.deletionGracePeriodSeconds, 30);
        // ... and a forced one does not wait for it.
        for (const name of ["graceful", "forced"]) {
          if (name === "forced") await server.requestOk("POST", pods, pod(name));
          const r = await k.run(["delete", "pod", name, "--grace-period=0", "--force"]);
          assert.equal(r.code, 0, r.stderr);
          assert.match(r.stdout.trim(), deleted(`pod "${name}" force`));
          assert.match(r.stderr, /Immediate deletion does not wait for confirmation/);
          assert.equal(await status(`${pods}/${name}`), 404);
        }
      });

      await t.step("wait --for=delete waits until the object is gone", async () => {
        await createCm("doomed", { metadata: { finalizers: ["example.com/hold"] } });
        await server.requestOk("DELETE", `${cms}/doomed`);
        const wait = background(
          k.spawn(["wait", "--for=delete", "configmap/doomed", "--timeout=30s"]),
        );
        try {
          await wait.assertStillRunning(BLOCKS_FOR_MS);
          await server.requestOk(
            "PATCH",
            `${cms}/doomed`,
            { metadata: { finalizers: null } },
            "application/merge-patch+json",
          );
          const r = await wait.result;
          assert.equal(r.code, 0, r.stderr);
          assert.equal(r.stdout, "configmap/doomed condition met\n");
        } finally {
          await wait.stop();
        }
        assert.equal(await status(`${cms}/doomed`), 404);
      });

      await t.step("wait --for=jsonpath waits until the value matches", async () => {
        await createCm("flag", { data: { state: "pending" } });
        const wait = background(k.spawn([
          "wait",
          "--for=jsonpath={.data.state}=ready",
          "configmap/flag",
          "--timeout=30s",
        ]));
        try {
          await wait.assertStillRunning(BLOCKS_FOR_MS);
          await server.requestOk(
            "PATCH",
            `${cms}/flag`,
            { data: { state: "ready" } },
            "application/merge-patch+json",
          );
          const r = await wait.result;
          assert.equal(r.code, 0, r.stderr);
          assert.equal(r.stdout, "configmap/flag condition met\n");
        } finally {
          await wait.stop();
        }
      });
    });
  } finally {
    await server.close();
  }
});

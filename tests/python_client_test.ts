/**
 * The official Python client (Debian's `python3-kubernetes`, for `/usr/bin/python3`) against a
 * real server: it loads the kubeconfig, lists ConfigMaps, then watches from the list's
 * resourceVersion while the test creates two; it must report exactly those two as ADDED.
 *
 * @module
 */
import assert from "node:assert/strict";
import { startServer } from "./harness.ts";

const PYTHON = "/usr/bin/python3";
const SCRIPT = new URL("./testdata/watch_configmaps.py", import.meta.url).pathname;
const DEADLINE_MS = 40_000;

Deno.test("python client lists, then watches from the list's resourceVersion", async () => {
  const server = await startServer();
  const ns = "python";
  const cms = `/api/v1/namespaces/${ns}/configmaps`;
  const configMap = (name: string) => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name } });
  let child: Deno.ChildProcess | null = null;
  let reading: Promise<unknown> = Promise.resolve();
  try {
    await server.requestOk("POST", "/api/v1/namespaces", {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: ns },
    });
    await server.requestOk("POST", cms, configMap("py-existing"));

    child = new Deno.Command(PYTHON, {
      args: [SCRIPT, ns, "2"],
      env: { KUBECONFIG: server.kubeconfig, HOME: server.dataDir },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    let stdout = "";
    let stderr = "";
    const collect = async (s: ReadableStream<Uint8Array>, add: (t: string) => void) => {
      for await (const text of s.pipeThrough(new TextDecoderStream())) add(text);
    };
    reading = Promise.all([
      collect(child.stdout, (t) => stdout += t),
      collect(child.stderr, (t) => stderr += t),
    ]);
    const deadline = Date.now() + DEADLINE_MS;
    // Whole lines only: a line may reach the pipe in several writes.
    const lines = () => stdout.split("\n").slice(0, -1).filter((l) => l !== "");

    // Poll for the LISTED line: the objects below must be created after the list.
    let exited = false;
    child.status.then(() => exited = true);
    while (!lines().some((l) => l.startsWith("LISTED "))) {
      if (exited || Date.now() > deadline) {
        await reading;
        assert.fail(`the script did not list ConfigMaps:\n${stdout}${stderr}`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    const [, listRv, listed] = lines()[0].split(" ");
    // kube-root-ca.crt is the root CA configmap a controller puts in every namespace.
    assert.deepEqual(listed.split(",").filter((n) => n !== "kube-root-ca.crt"), ["py-existing"]);

    const one = await server.requestOk<{ metadata: { resourceVersion: string } }>(
      "POST",
      cms,
      configMap("py-one"),
    );
    const two = await server.requestOk<{ metadata: { resourceVersion: string } }>(
      "POST",
      cms,
      configMap("py-two"),
    );
    assert.ok(BigInt(one.metadata.resourceVersion) > BigInt(listRv));

    const timer = setTimeout(() => child?.kill("SIGKILL"), Math.max(0, deadline - Date.now()));
    const status = await child.status;
    clearTimeout(timer);
    await reading;
    assert.equal(status.code, 0, `python exited ${status.code}:\n${stdout}${stderr}`);
    assert.deepEqual(lines().slice(1), [
      `EVENT ADDED py-one ${one.metadata.resourceVersion}`,
      `EVENT ADDED py-two ${two.metadata.resourceVersion}`,
      "DONE 2",
    ], stderr);
  } finally {
    try {
      child?.kill("SIGKILL");
    } catch { /* already exited */ }
    await child?.status;
    await reading;
    await server.close();
  }
});

/**
 * `kubectl get --chunk-size` over 1,000 ConfigMaps with the oldest and newest kubectl: kubectl
 * pages through the list with `limit` and `continue`, and every object comes back exactly once.
 *
 * @module
 */
import assert from "node:assert/strict";
import { type K3sServer, oldestAndNewestKubectl, startServer } from "./harness.ts";

const NAMESPACE = "chunked";
const COUNT = 1_000;
const CHUNK = 100;

async function createConfigMaps(server: K3sServer, names: string[]): Promise<void> {
  const path = `/api/v1/namespaces/${NAMESPACE}/configmaps`;
  let next = 0;
  const worker = async () => {
    while (next < names.length) {
      const name = names[next++];
      await server.requestOk("POST", path, {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name },
        data: { index: name.slice(3) },
      });
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
}

/** The list requests kubectl logged at -v=6 (1.27: `GET <url> 200 OK`; 1.35: `url="<url>"`). */
function listRequests(log: string): URL[] {
  const urls: URL[] = [];
  for (const line of log.split("\n")) {
    const m = /(?:GET |url=")(https:\/\/[^\s"]+\/configmaps\?[^\s"]*)/.exec(line);
    if (m && /\b200 OK\b/.test(line)) urls.push(new URL(m[1]));
  }
  return urls;
}

Deno.test("kubectl get --chunk-size pages through 1,000 ConfigMaps", async (t) => {
  const server = await startServer();
  try {
    await server.requestOk("POST", "/api/v1/namespaces", {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: NAMESPACE },
    });
    const names = Array.from({ length: COUNT }, (_, i) => `cm-${String(i).padStart(4, "0")}`);
    await createConfigMaps(server, names);

    for (const { version, path } of oldestAndNewestKubectl()) {
      await t.step(`kubectl ${version}`, async () => {
        const r = await server.kubectl(
          ["get", "configmaps", "-n", NAMESPACE, `--chunk-size=${CHUNK}`, "-v=6", "-o", "name"],
          { binary: path },
        );
        assert.equal(r.code, 0, r.stderr);

        const requests = listRequests(r.stderr);
        assert.ok(
          requests.length >= COUNT / CHUNK,
          `${requests.length} list requests:\n${r.stderr}`,
        );
        assert.ok(
          requests.every((u) => u.pathname === `/api/v1/namespaces/${NAMESPACE}/configmaps`),
        );
        assert.ok(requests.every((u) => u.searchParams.get("limit") === String(CHUNK)));
        assert.equal(requests[0].searchParams.get("continue"), null);
        const tokens = requests.slice(1).map((u) => u.searchParams.get("continue"));
        assert.ok(tokens.every((c) => c), "every later page carries a continue token");
        assert.equal(new Set(tokens).size, tokens.length, "no continue token is reused");

        const got = r.stdout.trim().split("\n").map((l) => l.replace(/^configmap\//, ""));
        const mine = got.filter((n) => n !== "kube-root-ca.crt");
        assert.equal(mine.length, COUNT, "exactly 1,000 names");
        assert.equal(new Set(mine).size, COUNT, "each name once");
        assert.deepEqual([...mine].sort(), names);
      });
    }
  } finally {
    await server.close();
  }
});

import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { InvalidTokenError } from "./token.ts";
import { WebhookTokenAuthenticator } from "./webhook.ts";

const API = ["https://kubernetes.default.svc.cluster.local", "k3s"];

/** A token webhook on loopback: "good" is alice, "flaky" fails once, anything else is refused. */
async function webhook() {
  const seen: Record<string, unknown>[] = [];
  let flaky = 0;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      const review = JSON.parse(body);
      seen.push(review);
      const token = review.spec.token;
      if (token === "flaky" && flaky++ === 0) {
        res.writeHead(500).end();
        return;
      }
      const status = token === "good" || token === "flaky"
        ? {
          authenticated: true,
          user: { username: "alice", uid: "42", groups: ["devs"], extra: { team: ["a"] } },
        }
        : { authenticated: false, error: "unknown token" };
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ ...review, status }));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  const dir = await mkdtemp(join(tmpdir(), "webhook-test-"));
  const configFile = join(dir, "webhook.yaml");
  await writeFile(
    configFile,
    [
      "apiVersion: v1",
      "kind: Config",
      "clusters:",
      "- name: hook",
      "  cluster:",
      `    server: http://127.0.0.1:${port}/authenticate`,
      "users:",
      "- name: apiserver",
      "  user: {}",
      "contexts:",
      "- name: hook",
      "  context: {cluster: hook, user: apiserver}",
      "current-context: hook",
      "",
    ].join("\n"),
  );
  return {
    seen,
    configFile,
    async close() {
      await new Promise<void>((r) => server.close(() => r()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

Deno.test("the webhook's answer authenticates, and is cached for the TTL", async () => {
  const hook = await webhook();
  let now = 1_000_000;
  try {
    const a = new WebhookTokenAuthenticator({
      configFile: hook.configFile,
      cacheTtlMs: 120_000,
      apiAudiences: API,
      now: () => now,
    });
    const r = await a.authenticateToken("good", API);
    assert.deepEqual(r, {
      user: { name: "alice", uid: "42", groups: ["devs"], extra: { team: ["a"] } },
      audiences: API,
    });
    assert.deepEqual(hook.seen[0], {
      apiVersion: "authentication.k8s.io/v1beta1",
      kind: "TokenReview",
      spec: { token: "good", audiences: API },
    });
    now += 119_000;
    await a.authenticateToken("good", API);
    assert.equal(hook.seen.length, 1, "served from the cache");
    now += 2_000;
    await a.authenticateToken("good", API);
    assert.equal(hook.seen.length, 2, "asked again after the TTL");
  } finally {
    await hook.close();
  }
});

Deno.test("a refused token is an error with the webhook's reason; 5xx is retried", async () => {
  const hook = await webhook();
  try {
    const a = new WebhookTokenAuthenticator({ configFile: hook.configFile, apiAudiences: API });
    await assert.rejects(
      a.authenticateToken("bad", API),
      (e: unknown) => e instanceof InvalidTokenError && e.message === "unknown token",
    );
    assert.equal((await a.authenticateToken("flaky", API))?.user.name, "alice");
    assert.equal(
      hook.seen.filter((r) => (r.spec as { token: string }).token === "flaky").length,
      2,
    );
  } finally {
    await hook.close();
  }
});

Deno.test("a webhook that answers for no matching audience does not authenticate", async () => {
  const a = new WebhookTokenAuthenticator({
    configFile: "/unused",
    apiAudiences: API,
    post: (review) =>
      Promise.resolve({
        status: 200,
        body: JSON.stringify({
          ...review,
          status: { authenticated: true, user: { username: "x" }, audiences: ["other"] },
        }),
      }),
  });
  await assert.rejects(a.authenticateToken("t", API), InvalidTokenError);
});

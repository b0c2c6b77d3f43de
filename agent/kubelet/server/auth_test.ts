import assert from "node:assert/strict";
import type { IncomingMessage } from "node:http";
import type { KubeClient } from "../../../kube/client/client.ts";
import { KubeletAuth, subresourceOf, verbOf } from "./auth.ts";

interface Call {
  path: string;
  body: { spec: Record<string, unknown> };
}

function fakeClient(answers: { tokenUser?: string; allowed: boolean }) {
  const calls: Call[] = [];
  const client = {
    request: (_method: string, path: string, body: Call["body"]) => {
      calls.push({ path, body });
      if (path.endsWith("/tokenreviews")) {
        return Promise.resolve({
          status: answers.tokenUser
            ? { authenticated: true, user: { username: answers.tokenUser, groups: ["g"] } }
            : { authenticated: false },
        });
      }
      return Promise.resolve({ status: { allowed: answers.allowed } });
    },
  };
  return { client: client as unknown as KubeClient, calls };
}

function request(
  socket: { authorized: boolean; cn?: string; o?: string[] },
  authorization?: string,
): IncomingMessage {
  return {
    headers: authorization ? { authorization } : {},
    socket: {
      authorized: socket.authorized,
      getPeerCertificate: () => socket.cn ? { subject: { CN: socket.cn, O: socket.o } } : {},
    },
  } as unknown as IncomingMessage;
}

Deno.test("KubeletAuth trusts a client certificate only when TLS verified it", async () => {
  const { client, calls } = fakeClient({ allowed: true });
  const auth = new KubeletAuth(client, "node-1");
  const user = await auth.authenticate(
    request({ authorized: true, cn: "system:kube-apiserver", o: ["system:masters"] }),
  );
  assert.deepEqual(user, {
    name: "system:kube-apiserver",
    groups: ["system:masters", "system:authenticated"],
  });
  assert.equal(
    await auth.authenticate(request({ authorized: false, cn: "system:admin" })),
    undefined,
  );
  assert.equal(calls.length, 0, "no token: no review");
});

Deno.test("KubeletAuth checks bearer tokens with a TokenReview", async () => {
  const { client, calls } = fakeClient({ tokenUser: "alice", allowed: true });
  const auth = new KubeletAuth(client, "node-1");
  const user = await auth.authenticate(request({ authorized: false }, "Bearer abc"));
  assert.equal(user?.name, "alice");
  assert.equal(calls[0].path, "/apis/authentication.k8s.io/v1/tokenreviews");
  assert.equal(calls[0].body.spec.token, "abc");
  const nobody = new KubeletAuth(fakeClient({ allowed: true }).client, "n");
  assert.equal(await nobody.authenticate(request({ authorized: false }, "Bearer bad")), undefined);
});

Deno.test("KubeletAuth asks a SubjectAccessReview for nodes/<subresource> of this node, and caches it", async () => {
  const { client, calls } = fakeClient({ allowed: false });
  const auth = new KubeletAuth(client, "node-1");
  const bob = { name: "bob", groups: ["dev"] };
  const decision = await auth.authorize(bob, "POST", "/exec/ns/pod/c");
  assert.equal(decision.allowed, false);
  assert.match(decision.reason, /user=bob, verb=create, resource=nodes, subresource=proxy/);
  assert.deepEqual(calls[0].body.spec.resourceAttributes, {
    verb: "create",
    resource: "nodes",
    subresource: "proxy",
    name: "node-1",
    group: "",
    version: "v1",
  });
  await auth.authorize(bob, "POST", "/exec/ns/other/c");
  assert.equal(calls.length, 1, "the same question is answered from the cache");
});

Deno.test("subresourceOf() and verbOf() map kubelet paths and methods as upstream", () => {
  assert.equal(subresourceOf("/stats/summary"), "stats");
  assert.equal(subresourceOf("/metrics/cadvisor"), "metrics");
  assert.equal(subresourceOf("/logs/syslog"), "log");
  assert.equal(subresourceOf("/containerLogs/ns/p/c"), "proxy");
  assert.equal(verbOf("GET"), "get");
  assert.equal(verbOf("POST"), "create");
});

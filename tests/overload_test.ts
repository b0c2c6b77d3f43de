/**
 * Overload protection on a real `k3s server` started with small limits
 * (`--kube-apiserver-arg=max-requests-inflight=20`, `max-mutating-requests-inflight=10`): one
 * ordinary user (a client certificate, no system group) fires 2,000 concurrent list and create
 * requests over separate HTTP/1.1 connections. Some are refused with 429, `Retry-After: 1` and a
 * TooManyRequests Status, none fails at the connection, and the server answers /readyz after.
 * While the flood runs, a kubelet (`system:node:n1` in `system:nodes`) updates its node status
 * and its lease, and both succeed: they belong to another priority level than the flood. A
 * FlowSchema created afterwards sends the flooder to the exempt level.
 *
 * @module
 */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { Agent, request as httpsRequest } from "node:https";
import { type K3sServer, startServer, type UserCredentials, userCredentials } from "./harness.ts";

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function send(
  server: K3sServer,
  who: UserCredentials | null,
  agent: Agent,
  method: string,
  path: string,
  body?: unknown,
  contentType = "application/json",
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = httpsRequest({
      host: "127.0.0.1",
      port: server.port,
      method,
      path,
      agent,
      ca: who?.caPem ?? undefined,
      cert: who?.certPem,
      key: who?.keyPem,
      rejectUnauthorized: who !== null,
      headers: {
        accept: "application/json",
        ...(payload ? { "content-type": contentType } : {}),
      },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("error", reject);
      res.on("end", () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString("utf8"),
        }));
    });
    req.on("error", reject);
    req.end(payload);
  });
}

Deno.test("a flood from one user gets 429s while a kubelet's node status and lease updates succeed", async () => {
  const server = await startServer({
    args: [
      "--kube-apiserver-arg=max-requests-inflight=20",
      "--kube-apiserver-arg=max-mutating-requests-inflight=10",
    ],
  });
  const agents: Agent[] = [];
  const newAgent = (maxSockets: number, keepAlive = false) => {
    const a = new Agent({ keepAlive, maxSockets });
    agents.push(a);
    return a;
  };
  try {
    await server.kubectlOk(["create", "namespace", "flood"]);
    await server.kubectlOk([
      "create",
      "rolebinding",
      "flooder",
      "-n",
      "flood",
      "--clusterrole=edit",
      "--user=flooder",
    ]);
    await server.kubectlOk(["apply", "-f", "-"], {
      stdin: JSON.stringify({ apiVersion: "v1", kind: "Node", metadata: { name: "n1" } }),
    });
    const uid = async (name: string) =>
      await server.kubectlOk([
        "get",
        "prioritylevelconfiguration",
        name,
        "-o",
        "jsonpath={.metadata.uid}",
      ]);
    const nodeHighUid = await uid("node-high");
    const globalDefaultUid = await uid("global-default");

    const flooder = await userCredentials(server, "flooder", ["flood-users"]);
    const kubelet = await userCredentials(server, "system:node:n1", ["system:nodes"]);
    // The kubelet keeps its two connections open, as a real one does: its requests during the
    // flood do not wait behind the flood's TLS handshakes.
    const kubeletAgent = newAgent(2, true);
    const [lease, node] = await Promise.all([
      send(
        server,
        kubelet,
        kubeletAgent,
        "POST",
        "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases",
        {
          apiVersion: "coordination.k8s.io/v1",
          kind: "Lease",
          metadata: { name: "n1" },
          spec: { holderUserCredentials: "n1", leaseDurationSeconds: 40 },
        },
      ),
      send(server, kubelet, kubeletAgent, "GET", "/api/v1/nodes/n1"),
    ]);
    assert.equal(lease.status, 201, lease.body);
    assert.equal(node.status, 200, node.body);

    // The flood: 2,000 requests at once, each on its own connection.
    const floodAgent = newAgent(2000);
    let done = 0;
    let first429: () => void = () => {};
    const saw429 = new Promise<void>((resolve) => (first429 = resolve));
    const flood = Array.from({ length: 2000 }, (_, i) => {
      const answer = i % 2
        ? send(server, flooder, floodAgent, "POST", "/api/v1/namespaces/flood/configmaps", {
          apiVersion: "v1",
          kind: "ConfigMap",
          metadata: { generateName: "f-" },
          data: { i: String(i) },
        })
        : send(server, flooder, floodAgent, "GET", "/api/v1/namespaces/flood/configmaps?limit=5");
      return answer.then(
        (a) => {
          done++;
          if (a.status === 429) first429();
          return a;
        },
        (err: Error) => {
          done++;
          return { status: 0, headers: {}, body: err.message } as Answer;
        },
      );
    });

    // Once the flood is being refused, the kubelet reports in.
    await Promise.race([saw429, Promise.all(flood)]);
    const leaseNow = JSON.parse(lease.body);
    const [status, renewed] = await Promise.all([
      send(
        server,
        kubelet,
        kubeletAgent,
        "PATCH",
        "/api/v1/nodes/n1/status",
        {
          status: {
            conditions: [{ type: "Ready", status: "True", reason: "KubeletReady", message: "ok" }],
          },
        },
        "application/strategic-merge-patch+json",
      ),
      send(
        server,
        kubelet,
        kubeletAgent,
        "PUT",
        "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/n1",
        {
          ...leaseNow,
          spec: { ...leaseNow.spec, renewTime: new Date().toISOString().replace("Z", "000Z") },
        },
      ),
    ]);
    const outstanding = 2000 - done;
    const answers = await Promise.all(flood);

    assert.equal(status.status, 200, status.body);
    assert.equal(JSON.parse(status.body).status.conditions[0].reason, "KubeletReady");
    assert.equal(renewed.status, 200, renewed.body);
    assert.equal(status.headers["x-kubernetes-pf-prioritylevel-uid"], nodeHighUid);
    assert.ok(outstanding > 0, "the kubelet's requests were answered while the flood was running");

    const failed = answers.filter((a) => a.status === 0);
    assert.deepEqual(failed.map((a) => a.body).slice(0, 3), [], "no connection errors");
    const refused = answers.filter((a) => a.status === 429);
    const served = answers.filter((a) => a.status === 200 || a.status === 201);
    assert.equal(
      refused.length + served.length,
      2000,
      `unexpected answers: ${
        answers.filter((a) => ![200, 201, 429].includes(a.status)).slice(0, 2).map((a) => a.body)
      }`,
    );
    assert.ok(refused.length > 0, "some requests are refused");
    assert.ok(served.length > 0, "some requests are served");
    for (const r of refused.slice(0, 20)) {
      assert.equal(r.headers["retry-after"], "1");
      assert.equal(r.headers["x-kubernetes-pf-prioritylevel-uid"], globalDefaultUid);
      const s = JSON.parse(r.body);
      assert.equal(s.kind, "Status");
      assert.equal(s.reason, "TooManyRequests");
      assert.equal(s.code, 429);
      assert.equal(s.message, "Too many requests, please try again later.");
      assert.equal(s.details.retryAfterSeconds, 1);
    }

    // A FlowSchema of one's own takes effect: the flooder is now exempt.
    const schema = await server.requestOk(
      "POST",
      "/apis/flowcontrol.apiserver.k8s.io/v1/flowschemas",
      {
        apiVersion: "flowcontrol.apiserver.k8s.io/v1",
        kind: "FlowSchema",
        metadata: { name: "flooder-exempt" },
        spec: {
          priorityLevelConfiguration: { name: "exempt" },
          matchingPrecedence: 50,
          rules: [{
            subjects: [{ kind: "User", user: { name: "flooder" } }],
            resourceRules: [{
              verbs: ["*"],
              apiGroups: ["*"],
              resources: ["*"],
              namespaces: ["*"],
            }],
          }],
        },
      },
    );
    const schemaUid = (schema.metadata as { uid: string }).uid;
    const calm = newAgent(1);
    const deadline = Date.now() + 10_000;
    for (;;) {
      const r = await send(
        server,
        flooder,
        calm,
        "GET",
        "/api/v1/namespaces/flood/configmaps?limit=1",
      );
      assert.equal(r.status, 200, r.body);
      if (r.headers["x-kubernetes-pf-flowschema-uid"] === schemaUid) break;
      assert.ok(
        Date.now() < deadline,
        "the new FlowSchema never classified the flooder's requests",
      );
      await new Promise((r) => setTimeout(r, 100));
    }

    const ready = await send(server, null, newAgent(1), "GET", "/readyz");
    assert.equal(ready.status, 200, ready.body);
    assert.equal(ready.body, "ok");
  } finally {
    for (const a of agents) a.destroy();
    await server.close();
  }
});

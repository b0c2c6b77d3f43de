/**
 * Audit logging on a real `k3s server` with `--kube-apiserver-arg=audit-policy-file=...` and
 * `audit-log-path=...`, driven by the real kubectl: `kubectl get pods` gives RequestReceived and
 * ResponseComplete events carrying the `Audit-Id` kubectl was answered with; a Metadata event has
 * no bodies; a None rule drops events; configmaps at RequestResponse carry both bodies; secrets
 * at RequestResponse still never show their value (nor its base64), nor do TokenRequest and
 * TokenReview show a token; a 403 is logged with decision forbid; impersonation names both users;
 * the log rotates at `audit-log-maxsize` keeping `audit-log-maxbackup` files; and a bad policy
 * file or an unknown kube-apiserver flag stops the server with a message naming it.
 *
 * @module
 */
import assert from "node:assert/strict";
import { readdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { startServer, userKubeconfig } from "./harness.ts";

// deno-lint-ignore no-explicit-any
type Json = Record<string, any>;

const POLICY = `
apiVersion: audit.k8s.io/v1
kind: Policy
rules:
- level: None
  nonResourceURLs: ["/healthz*", "/readyz*", "/livez*"]
- level: None
  userGroups: ["system:serviceaccounts:kube-system"]
- level: None
  users: ["system:kube-controller-manager", "system:kube-scheduler"]
- level: None
  resources:
  - group: ""
    resources: ["services"]
- level: RequestResponse
  resources:
  - group: ""
    resources: ["secrets", "configmaps", "serviceaccounts/token"]
  - group: authentication.k8s.io
    resources: ["tokenreviews"]
- level: Metadata
`;

async function events(path: string): Promise<Json[]> {
  const text = await readFile(path, "utf8").catch(() => "");
  return text.split("\n").filter((l) => l).map((l) => JSON.parse(l));
}

/** Polls the log until `pick` finds what it wants (the log is written at least every second). */
async function waitFor<T>(path: string, pick: (all: Json[]) => T | undefined): Promise<T> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const found = pick(await events(path));
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`audit log ${path} never showed what was expected`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The `Audit-Id` of kubectl's last request (after any discovery), from its `-v=8` output. */
function auditIdOf(stderr: string): string {
  const ids = [...stderr.matchAll(/Audit-Id: ([0-9a-f-]{36})/g)].map((m) => m[1]);
  if (!ids.length) throw new Error(`no Audit-Id in kubectl output:\n${stderr.slice(0, 2000)}`);
  return ids.at(-1)!;
}

const MICRO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/;

Deno.test("audit log: stages, levels, bodies, secrets kept out, forbid decisions", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "k3s-audit-" });
  const policyFile = join(dir, "policy.yaml");
  const log = join(dir, "logs", "audit.log");
  await writeFile(policyFile, POLICY);
  const server = await startServer({
    args: [
      `--kube-apiserver-arg=audit-policy-file=${policyFile}`,
      `--kube-apiserver-arg=audit-log-path=${log}`,
    ],
  });
  try {
    await t.step(
      "kubectl get pods: RequestReceived and ResponseComplete with its Audit-Id",
      async () => {
        const r = await server.kubectl(["get", "pods", "-n", "default", "-v=8"]);
        assert.equal(r.code, 0, r.stderr);
        const id = auditIdOf(r.stderr);
        const mine = await waitFor(log, (all) => {
          const e = all.filter((e) => e.auditID === id);
          return e.some((x) => x.stage === "ResponseComplete") ? e : undefined;
        });
        assert.deepEqual(mine.map((e) => e.stage), ["RequestReceived", "ResponseComplete"]);
        const done = mine[1];
        assert.equal(done.kind, "Event");
        assert.equal(done.apiVersion, "audit.k8s.io/v1");
        assert.equal(done.level, "Metadata");
        assert.equal(done.verb, "list");
        assert.equal(done.user.username, "system:admin");
        assert.ok(done.user.groups.includes("system:masters"));
        assert.deepEqual(done.sourceIPs, ["127.0.0.1"]);
        assert.match(done.userAgent, /^kubectl/);
        assert.deepEqual(done.objectRef, {
          resource: "pods",
          namespace: "default",
          apiVersion: "v1",
        });
        assert.match(done.requestURI, /^\/api\/v1\/namespaces\/default\/pods\?/);
        assert.deepEqual(done.responseStatus, { metadata: {}, code: 200 });
        assert.equal(done.annotations["authorization.k8s.io/decision"], "allow");
        assert.match(done.requestReceivedTimestamp, MICRO_TIME);
        assert.match(done.stageTimestamp, MICRO_TIME);
        assert.equal(done.requestReceivedTimestamp, mine[0].requestReceivedTimestamp);
        // Metadata: no bodies.
        assert.equal(done.requestObject, undefined);
        assert.equal(done.responseObject, undefined);
      },
    );

    await t.step("the Audit-Id response header is the event's auditID", async () => {
      const res = await server.request("GET", "/api/v1/namespaces/default/endpoints");
      assert.equal(res.status, 200);
      const id = res.headers["audit-id"] as string;
      assert.match(id, /^[0-9a-f-]{36}$/);
      const e = await waitFor(
        log,
        (all) => all.find((e) => e.auditID === id && e.stage === "ResponseComplete"),
      );
      assert.equal(e.objectRef.resource, "endpoints");
    });

    await t.step("a None rule drops the request's events", async () => {
      const none = await server.kubectl(["get", "services", "-n", "default", "-v=8"]);
      assert.equal(none.code, 0, none.stderr);
      const dropped = auditIdOf(none.stderr);
      // A later request's events mark that everything before them was written.
      const marker = await server.kubectl(["get", "pods", "-n", "default", "-v=8"]);
      const markerId = auditIdOf(marker.stderr);
      const all = await waitFor(
        log,
        (all) =>
          all.some((e) => e.auditID === markerId && e.stage === "ResponseComplete")
            ? all
            : undefined,
      );
      assert.deepEqual(all.filter((e) => e.auditID === dropped), []);
      assert.deepEqual(
        all.filter((e) =>
          e.objectRef?.resource === "services" && e.user.username === "system:admin"
        ),
        [],
      );
    });

    await t.step("configmaps at RequestResponse carry request and response bodies", async () => {
      const r = await server.kubectl([
        "create",
        "configmap",
        "audited",
        "-n",
        "default",
        "--from-literal=color=ultramarine-7731",
        "-v=8",
      ]);
      assert.equal(r.code, 0, r.stderr);
      const id = auditIdOf(r.stderr);
      const e = await waitFor(
        log,
        (all) => all.find((e) => e.auditID === id && e.stage === "ResponseComplete"),
      );
      assert.equal(e.level, "RequestResponse");
      assert.equal(e.verb, "create");
      assert.equal(e.objectRef.name, "audited", JSON.stringify(e).slice(0, 3000));
      assert.equal(e.responseStatus.code, 201);
      assert.equal(e.requestObject.data.color, "ultramarine-7731");
      assert.equal(e.responseObject.data.color, "ultramarine-7731");
      assert.equal(e.responseObject.metadata.name, "audited");
      // RequestReceived comes before the body is read: no bodies there.
      const received = (await events(log)).find((x) =>
        x.auditID === id && x.stage === "RequestReceived"
      );
      assert.equal(received?.requestObject, undefined);
    });

    await t.step("secret values never reach the log, even at RequestResponse", async () => {
      const value = `s3cr3t-${crypto.randomUUID()}`;
      const b64 = btoa(value);
      const r = await server.kubectl([
        "create",
        "secret",
        "generic",
        "db",
        "-n",
        "default",
        `--from-literal=password=${value}`,
        "-v=8",
      ]);
      assert.equal(r.code, 0, r.stderr);
      const createId = auditIdOf(r.stderr);
      const got = await server.kubectl([
        "get",
        "secret",
        "db",
        "-n",
        "default",
        "-o",
        "yaml",
        "-v=8",
      ]);
      assert.ok(got.stdout.includes(b64), "the secret was stored");
      const getId = auditIdOf(got.stderr);
      await server.kubectl([
        "patch",
        "secret",
        "db",
        "-n",
        "default",
        "-p",
        JSON.stringify({ stringData: { other: value } }),
      ]);
      await server.request("POST", "/api/v1/namespaces/default/secrets", {
        body: JSON.stringify({
          apiVersion: "v1",
          kind: "Secret",
          metadata: { name: "db2" },
          stringData: { v: value },
        }),
      });
      const listed = await server.kubectl(["get", "secrets", "-A", "-o", "json", "-v=8"]);
      const listId = auditIdOf(listed.stderr);
      await waitFor(
        log,
        (all) => all.find((e) => e.auditID === listId && e.stage === "ResponseComplete"),
      );
      const text = await readFile(log, "utf8");
      assert.ok(!text.includes(value), "the secret value is in the audit log");
      assert.ok(!text.includes(b64), "the secret's base64 value is in the audit log");
      // The events are there, at the policy's level, without bodies.
      const all = await events(log);
      for (const id of [createId, getId]) {
        const e = all.find((e) => e.auditID === id && e.stage === "ResponseComplete");
        assert.ok(e, `no event for ${id}`);
        assert.equal(e.level, "RequestResponse");
        assert.equal(e.objectRef.resource, "secrets");
        assert.equal(e.requestObject, undefined);
        assert.equal(e.responseObject, undefined);
      }
      assert.equal(
        all.find((e) => e.auditID === createId && e.stage === "ResponseComplete")?.objectRef.name,
        "db",
      );
    });

    await t.step("TokenRequest and TokenReview tokens never reach the log", async () => {
      await server.kubectlOk(["create", "serviceaccount", "robot", "-n", "default"]);
      const token = (await server.kubectlOk(["create", "token", "robot", "-n", "default"])).trim();
      assert.ok(token.length > 100);
      const review = await server.requestOk("POST", "/apis/authentication.k8s.io/v1/tokenreviews", {
        apiVersion: "authentication.k8s.io/v1",
        kind: "TokenReview",
        spec: { token },
      });
      assert.equal((review.status as Json).authenticated, true);
      const e = await waitFor(
        log,
        (all) =>
          all.find((e) =>
            e.objectRef?.resource === "tokenreviews" && e.stage === "ResponseComplete"
          ),
      );
      assert.equal(e.level, "RequestResponse");
      assert.equal(e.responseObject.status.user.username, "system:serviceaccount:default:robot");
      assert.equal(e.requestObject.spec.token, undefined);
      const tr = (await events(log)).find((e) =>
        e.objectRef?.subresource === "token" && e.stage === "ResponseComplete"
      );
      assert.ok(tr, "the TokenRequest is audited");
      assert.equal(tr.responseObject.kind, "TokenRequest");
      assert.equal(tr.responseObject.status.token, undefined);
      const text = await readFile(log, "utf8");
      assert.ok(!text.includes(token), "a token is in the audit log");
      assert.ok(!text.includes(token.split(".")[2]), "a token signature is in the audit log");
    });

    await t.step("a 403 is logged with decision forbid", async () => {
      const kubeconfig = await userKubeconfig(server, "eve");
      const r = await server.kubectl(["get", "pods", "-n", "default", "-v=8"], {
        env: { KUBECONFIG: kubeconfig },
      });
      assert.notEqual(r.code, 0);
      const id = auditIdOf(r.stderr);
      const e = await waitFor(
        log,
        (all) => all.find((e) => e.auditID === id && e.stage === "ResponseComplete"),
      );
      assert.equal(e.user.username, "eve");
      assert.equal(e.annotations["authorization.k8s.io/decision"], "forbid");
      assert.equal(e.responseStatus.code, 403);
      assert.equal(e.responseStatus.reason, "Forbidden");
      assert.equal(e.responseStatus.status, "Failure");
      assert.match(e.responseStatus.message, /User "eve" cannot list resource "pods"/);
    });

    await t.step(
      "a request that fails authentication is logged once, as ResponseStarted",
      async () => {
        const res = await server.request("GET", "/api/v1/namespaces/default/pods", {
          anonymous: true,
        });
        assert.equal(res.status, 401);
        const id = res.headers["audit-id"] as string;
        const e = await waitFor(log, (all) => {
          const mine = all.filter((e) => e.auditID === id);
          return mine.length ? mine : undefined;
        });
        assert.deepEqual(e.map((x) => x.stage), ["ResponseStarted"]);
        assert.equal(e[0].responseStatus.code, 401);
        assert.equal(e[0].responseStatus.reason, "Unauthorized");
      },
    );

    await t.step("impersonation: the user who asked and the user acted as", async () => {
      await server.kubectlOk([
        "create",
        "rolebinding",
        "bob-view",
        "-n",
        "default",
        "--clusterrole=view",
        "--user=bob",
      ]);
      const r = await server.kubectl(["get", "pods", "-n", "default", "--as=bob", "-v=8"]);
      assert.equal(r.code, 0, r.stderr);
      const id = auditIdOf(r.stderr);
      const e = await waitFor(
        log,
        (all) => all.find((e) => e.auditID === id && e.stage === "ResponseComplete"),
      );
      assert.equal(e.user.username, "system:admin");
      assert.equal(e.impersonatedUser.username, "bob");
      assert.equal(e.annotations["authorization.k8s.io/decision"], "allow");
    });

    await t.step("a watch is logged as started, then complete when it ends", async () => {
      // The server ends the watch after timeoutSeconds.
      const res = await server.request(
        "GET",
        "/api/v1/namespaces/default/configmaps?watch=1&timeoutSeconds=1",
      );
      assert.equal(res.status, 200);
      const id = res.headers["audit-id"] as string;
      const e = await waitFor(log, (all) => {
        const mine = all.filter((e) => e.auditID === id);
        return mine.some((x) => x.stage === "ResponseComplete") ? mine : undefined;
      });
      assert.deepEqual(e.map((x) => x.stage), [
        "RequestReceived",
        "ResponseStarted",
        "ResponseComplete",
      ]);
      assert.equal(e[1].verb, "watch");
      assert.deepEqual(e[1].responseStatus, { metadata: {}, code: 200 });
      assert.ok(e[2].stageTimestamp > e[1].stageTimestamp);
    });
  } finally {
    await server.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("audit log rotates at audit-log-maxsize and keeps audit-log-maxbackup files", async () => {
  const dir = await Deno.makeTempDir({ prefix: "k3s-audit-" });
  const policyFile = join(dir, "policy.yaml");
  const log = join(dir, "audit.log");
  await writeFile(
    policyFile,
    `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: ["RequestReceived"]
rules:
- level: Request
  resources: [{group: "", resources: ["configmaps"]}]
  users: ["system:admin"]
`,
  );
  const server = await startServer({
    args: [
      `--kube-apiserver-arg=audit-policy-file=${policyFile}`,
      `--kube-apiserver-arg=audit-log-path=${log}`,
      "--kube-apiserver-arg=audit-log-maxsize=1",
      "--kube-apiserver-arg=audit-log-maxbackup=2",
    ],
  });
  try {
    const big = "x".repeat(300 * 1024);
    for (let i = 0; i < 10; i++) {
      await server.requestOk("POST", "/api/v1/namespaces/default/configmaps", {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: `big-${i}` },
        data: { big },
      });
    }
    // Ten events of 300 KiB: past 1 MiB three times at least; the newest event ends the wait.
    await waitFor(log, (all) => all.find((e) => e.objectRef?.name === "big-9"));
    const files = (await readdir(dir)).filter((f) => f.startsWith("audit"));
    const backups = files.filter((f) =>
      /^audit-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.\d{3}\.log$/.test(f)
    );
    assert.equal(backups.length, 2, `files: ${files.join(", ")}`);
    assert.deepEqual(files.sort(), [...backups, "audit.log"].sort());
    for (const f of files) {
      assert.ok((await stat(join(dir, f))).size <= 1024 * 1024, `${f} is larger than 1 MiB`);
    }
    // Every event is one whole JSON line in some file; the kept files hold the newest ones.
    const names = (await Promise.all(files.map((f) => events(join(dir, f))))).flat()
      .map((e) => e.objectRef.name);
    assert.ok(names.includes("big-9") && names.includes("big-8"));
    assert.ok(!names.includes("big-0"), "the oldest backups were removed");
  } finally {
    await server.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a bad audit policy file or an unknown kube-apiserver flag stops the server, naming it", async () => {
  const dir = await Deno.makeTempDir({ prefix: "k3s-audit-" });
  try {
    const policyFile = join(dir, "bad-policy.yaml");
    await writeFile(
      policyFile,
      "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Verbose\n",
    );
    await assert.rejects(
      startServer({
        args: [
          `--kube-apiserver-arg=audit-policy-file=${policyFile}`,
          `--kube-apiserver-arg=audit-log-path=${join(dir, "audit.log")}`,
        ],
      }),
      (err: Error) => {
        assert.match(err.message, /exited during start/);
        assert.ok(err.message.includes(policyFile), err.message);
        assert.match(err.message, /rules\[0\]\.level: Unsupported value: "Verbose"/);
        return true;
      },
    );
    await assert.rejects(
      startServer({ args: ["--kube-apiserver-arg=audit-log-paht=/tmp/x.log"] }),
      (err: Error) => {
        assert.match(err.message, /kube-apiserver has no flag --audit-log-paht/);
        return true;
      },
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

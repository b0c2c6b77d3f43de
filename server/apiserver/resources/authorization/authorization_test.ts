import assert from "node:assert/strict";
import { ADMIN_USER, type RbacTestServer, rbacTestServer } from "../../authz/rbac_testing.ts";
import type { UserInfo } from "../../resource.ts";

const AUTHZ = "/apis/authorization.k8s.io/v1";
const alice: UserInfo = { name: "alice", groups: [] };

async function withAliceReadingPods(fn: (s: RbacTestServer) => Promise<void>) {
  const s = await rbacTestServer();
  try {
    const rbac = "/apis/rbac.authorization.k8s.io/v1/namespaces/a";
    await s.json(ADMIN_USER, "POST", `${rbac}/roles`, {
      metadata: { name: "pod-reader" },
      rules: [{ verbs: ["get"], apiGroups: [""], resources: ["pods"] }],
    });
    await s.json(ADMIN_USER, "POST", `${rbac}/rolebindings`, {
      metadata: { name: "alice" },
      roleRef: { kind: "Role", name: "pod-reader" },
      subjects: [{ kind: "User", name: "alice" }],
    });
    await s.rbac.settled();
    await fn(s);
  } finally {
    await s.close();
  }
}

const getPods = (namespace: string) => ({
  resourceAttributes: { namespace, verb: "get", resource: "pods" },
});

Deno.test("SelfSubjectAccessReview answers for the requesting (or impersonated) user", async () => {
  await withAliceReadingPods(async (s) => {
    const review = (user: UserInfo, spec: unknown, headers?: Record<string, string>) =>
      s.json(user, "POST", `${AUTHZ}/selfsubjectaccessreviews`, {
        apiVersion: "authorization.k8s.io/v1",
        kind: "SelfSubjectAccessReview",
        metadata: { creationTimestamp: null },
        spec,
      }, headers);
    const yes = await review(alice, getPods("a"));
    assert.equal(yes.status, 201);
    assert.equal(yes.body.kind, "SelfSubjectAccessReview");
    assert.deepEqual(yes.body.status, {
      allowed: true,
      reason: 'RBAC: allowed by RoleBinding "alice/a" of Role "pod-reader" to User "alice"',
    });
    assert.deepEqual((await review(alice, getPods("b"))).body.status, { allowed: false });
    const impersonated = await review(ADMIN_USER, getPods("a"), { "Impersonate-User": "alice" });
    assert.equal((impersonated.body.status as { allowed: boolean }).allowed, true);
    const path = await review(alice, { nonResourceAttributes: { verb: "get", path: "/apis" } });
    assert.equal((path.body.status as { allowed: boolean }).allowed, true);
    const neither = await review(alice, {});
    assert.equal(neither.status, 422);
    assert.match(
      String(neither.body.message),
      /^SelfSubjectAccessReview\.authorization\.k8s\.io "" is invalid: spec\.resourceAttributes: Invalid value: null: exactly one of nonResourceAttributes or resourceAttributes must be specified$/,
    );
  });
});

Deno.test("SubjectAccessReview asks about the user in the spec; needs a user or group", async () => {
  await withAliceReadingPods(async (s) => {
    const review = (user: UserInfo, spec: unknown, metadata: unknown = {}) =>
      s.json(user, "POST", `${AUTHZ}/subjectaccessreviews`, { metadata, spec });
    const r = await review(ADMIN_USER, { user: "alice", ...getPods("a") });
    assert.equal(r.status, 201);
    assert.equal((r.body.status as { allowed: boolean }).allowed, true);
    const masters = await review(ADMIN_USER, { groups: ["system:masters"], ...getPods("b") });
    assert.equal((masters.body.status as { allowed: boolean }).allowed, true);
    const nobody = await review(ADMIN_USER, getPods("a"));
    assert.equal(nobody.status, 422);
    assert.match(
      String(nobody.body.message),
      /spec\.user: Invalid value: "": at least one of user or group must be specified/,
    );
    const named = await review(ADMIN_USER, { user: "alice", ...getPods("a") }, { name: "x" });
    assert.match(String(named.body.message), /metadata: Invalid value: .*: must be empty/);
    // Alice may not ask about others.
    const denied = await review(alice, { user: "bob", ...getPods("a") });
    assert.equal(denied.status, 403);
  });
});

Deno.test("LocalSubjectAccessReview is bound to its namespace", async () => {
  await withAliceReadingPods(async (s) => {
    const path = `${AUTHZ}/namespaces/a/localsubjectaccessreviews`;
    const ok = await s.json(ADMIN_USER, "POST", path, { spec: { user: "alice", ...getPods("a") } });
    assert.equal(ok.status, 201);
    assert.equal((ok.body.metadata as { namespace: string }).namespace, "a");
    assert.equal((ok.body.status as { allowed: boolean }).allowed, true);
    const other = await s.json(ADMIN_USER, "POST", path, {
      spec: { user: "alice", ...getPods("b") },
    });
    assert.equal(other.status, 422);
    assert.match(
      String(other.body.message),
      /spec\.resourceAttributes\.namespace: Invalid value: "b": must match metadata\.namespace/,
    );
  });
});

Deno.test("SelfSubjectRulesReview lists the user's rules in a namespace", async () => {
  await withAliceReadingPods(async (s) => {
    const rules = (ns: string, user = alice) =>
      s.json(user, "POST", `${AUTHZ}/selfsubjectrulesreviews`, { spec: { namespace: ns } });
    const r = await rules("a");
    assert.equal(r.status, 201);
    const status = r.body.status as {
      resourceRules: { resources?: string[]; verbs: string[] }[];
      nonResourceRules: { nonResourceURLs?: string[] }[];
      incomplete: boolean;
    };
    assert.equal(status.incomplete, false);
    assert.ok(
      status.resourceRules.some((x) => x.resources?.[0] === "pods" && x.verbs[0] === "get"),
    );
    assert.ok(
      status.resourceRules.some((x) => x.resources?.includes("selfsubjectaccessreviews")),
      "system:basic-user through system:authenticated",
    );
    assert.ok(status.nonResourceRules.some((x) => x.nonResourceURLs?.includes("/api/*")));
    const b = (await rules("b")).body.status as typeof status;
    assert.ok(!b.resourceRules.some((x) => x.resources?.[0] === "pods"));
    assert.equal(
      (await s.json(alice, "POST", `${AUTHZ}/selfsubjectrulesreviews`, { spec: {} })).status,
      400,
    );
  });
});

import assert from "node:assert/strict";
import type { KubeObject } from "../../../../kube/meta.ts";
import { ADMIN_USER, type RbacTestServer, rbacTestServer } from "../../authz/rbac_testing.ts";
import type { UserInfo } from "../../resource.ts";
import { columnsOf } from "../../table.ts";
import { bindingColumns, ROLE_COLUMNS } from "./columns.ts";
import { validateRoleRef, validateRules, validateSubjects } from "./validation.ts";

const RBAC = "/apis/rbac.authorization.k8s.io/v1";
const alice: UserInfo = { name: "alice", groups: ["dev"] };

Deno.test("validateRules() follows upstream's rule checks", () => {
  assert.deepEqual(validateRules([{ apiGroups: [""], resources: ["pods"] }], true), [{
    type: "FieldValueRequired",
    field: "rules[0].verbs",
    detail: "verbs must contain at least one value",
  }]);
  assert.deepEqual(
    validateRules([{ verbs: ["get"] }], false).map((e) => e.field),
    ["rules[0].apiGroups", "rules[0].resources"],
  );
  assert.deepEqual(
    validateRules([{ verbs: ["get"], nonResourceURLs: ["/x"] }], true).map((e) => e.detail),
    ["namespaced rules cannot apply to non-resource URLs"],
  );
  assert.deepEqual(
    validateRules([{ verbs: ["get"], nonResourceURLs: ["/x"], resources: ["pods"] }], false)
      .map((e) => e.detail),
    ["rules cannot apply to both regular resources and non-resource URLs"],
  );
  assert.deepEqual(validateRules([{ verbs: ["get"], nonResourceURLs: ["/x"] }], false), []);
  // A string where a list belongs must not be read character by character.
  assert.deepEqual(
    validateRules([{ verbs: "*", apiGroups: ["*"], resources: ["*"] }], false).map((e) => e.type),
    ["FieldValueTypeInvalid"],
  );
});

Deno.test("validateRoleRef() and validateSubjects() follow upstream", () => {
  assert.deepEqual(
    validateRoleRef({ apiGroup: "x", kind: "Role", name: "a/b" }, ["ClusterRole"]).map((e) =>
      `${e.field}: ${e.detail}`
    ),
    [
      'roleRef.apiGroup: supported values: "rbac.authorization.k8s.io"',
      'roleRef.kind: supported values: "ClusterRole"',
      "roleRef.name: may not contain '/'",
    ],
  );
  assert.deepEqual(
    validateSubjects([
      { kind: "ServiceAccount", name: "bot" },
      { kind: "User", name: "u" },
      { kind: "Robot", name: "r" },
    ], false).map((e) => e.field),
    ["subjects[0].namespace", "subjects[1].apiGroup", "subjects[2].kind"],
  );
  assert.deepEqual(validateSubjects([{ kind: "ServiceAccount", name: "bot" }], true), []);
});

Deno.test("RBAC columns: roles NAME/CREATED AT; bindings NAME/ROLE/AGE and wide subjects", () => {
  const now = new Date("2026-01-01T00:10:00Z");
  const b: KubeObject = {
    metadata: { name: "rb", creationTimestamp: "2026-01-01T00:00:00Z" },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "view" },
    subjects: [
      { kind: "User", name: "u1" },
      { kind: "User", name: "u2" },
      { kind: "Group", name: "g" },
      { kind: "ServiceAccount", name: "sa", namespace: "ns" },
    ],
  };
  const cols = columnsOf({ columns: bindingColumns("roleBinding") } as never);
  assert.deepEqual(cols.map((c) => c.name), [
    "Name",
    "Role",
    "Age",
    "Users",
    "Groups",
    "ServiceAccounts",
  ]);
  assert.deepEqual(cols.map((c) => c.cell(b, now)), [
    "rb",
    "ClusterRole/view",
    "10m",
    "u1, u2",
    "g",
    "ns/sa",
  ]);
  const roleCols = columnsOf({ columns: ROLE_COLUMNS } as never);
  assert.deepEqual(roleCols.map((c) => c.name), ["Name", "Created At"]);
  assert.equal(roleCols[1].cell(b, now), "2026-01-01T00:00:00Z");
});

async function withServer(fn: (s: RbacTestServer) => Promise<void>) {
  const s = await rbacTestServer();
  try {
    await fn(s);
  } finally {
    await s.close();
  }
}

/** Gives alice `verbs` on `resources` in namespace a through a Role and RoleBinding. */
async function grant(s: RbacTestServer, name: string, rules: unknown[]) {
  const role = await s.json(ADMIN_USER, "POST", `${RBAC}/namespaces/a/roles`, {
    metadata: { name },
    rules,
  });
  assert.equal(role.status, 201, JSON.stringify(role.body));
  const binding = await s.json(ADMIN_USER, "POST", `${RBAC}/namespaces/a/rolebindings`, {
    metadata: { name },
    roleRef: { kind: "Role", name },
    subjects: [{ kind: "User", name: "alice" }],
  });
  assert.equal(binding.status, 201, JSON.stringify(binding.body));
  await s.rbac.settled();
}

Deno.test("roles: names may contain colons; bindings get defaults and an immutable roleRef", async () => {
  await withServer(async (s) => {
    const role = await s.json(ADMIN_USER, "POST", `${RBAC}/clusterroles`, {
      metadata: { name: "team:reader" },
      rules: [{ verbs: ["get"], apiGroups: [""], resources: ["pods"] }],
    });
    assert.equal(role.status, 201);
    const b = await s.json(ADMIN_USER, "POST", `${RBAC}/namespaces/a/rolebindings`, {
      metadata: { name: "rb" },
      roleRef: { kind: "ClusterRole", name: "team:reader" },
      subjects: [{ kind: "Group", name: "dev" }],
    });
    assert.equal(b.status, 201);
    assert.deepEqual(b.body.roleRef, {
      kind: "ClusterRole",
      name: "team:reader",
      apiGroup: "rbac.authorization.k8s.io",
    });
    assert.deepEqual(b.body.subjects, [
      { kind: "Group", name: "dev", apiGroup: "rbac.authorization.k8s.io" },
    ]);
    const changed = await s.json(ADMIN_USER, "PATCH", `${RBAC}/namespaces/a/rolebindings/rb`, {
      roleRef: { kind: "ClusterRole", name: "view", apiGroup: "rbac.authorization.k8s.io" },
    }, { "content-type": "application/merge-patch+json" });
    assert.equal(changed.status, 422);
    assert.match(String(changed.body.message), /roleRef: Invalid value: .*: cannot change roleRef/);
    const bad = await s.json(ADMIN_USER, "POST", `${RBAC}/namespaces/a/roles`, {
      metadata: { name: "bad" },
      rules: [{ verbs: ["get"], nonResourceURLs: ["/healthz"] }],
    });
    assert.equal(bad.status, 422);
    assert.match(String(bad.body.message), /namespaced rules cannot apply to non-resource URLs/);
  });
});

Deno.test("escalation: roles only with rules the writer holds, unless it may escalate", async () => {
  await withServer(async (s) => {
    await grant(s, "writer", [
      {
        verbs: ["create", "update"],
        apiGroups: ["rbac.authorization.k8s.io"],
        resources: ["roles"],
      },
      { verbs: ["get", "list"], apiGroups: [""], resources: ["pods"] },
    ]);
    const mine = await s.json(alice, "POST", `${RBAC}/namespaces/a/roles`, {
      metadata: { name: "mine" },
      rules: [{ verbs: ["get"], apiGroups: [""], resources: ["pods"] }],
    });
    assert.equal(mine.status, 201, JSON.stringify(mine.body));
    const more = await s.json(alice, "POST", `${RBAC}/namespaces/a/roles`, {
      metadata: { name: "more" },
      rules: [{
        verbs: ["get", "delete", "patch"],
        apiGroups: [""],
        resources: ["pods", "secrets"],
      }],
    });
    assert.equal(more.status, 403);
    assert.equal(
      more.body.message,
      'roles.rbac.authorization.k8s.io "more" is forbidden: user "alice" (groups=["dev" "system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n' +
        '{APIGroups:[""], Resources:["pods"], Verbs:["delete" "patch"]}\n' +
        '{APIGroups:[""], Resources:["secrets"], Verbs:["get" "delete" "patch"]}',
    );
    // Updating her own role to more rights is escalation too.
    const raise = await s.json(alice, "PUT", `${RBAC}/namespaces/a/roles/mine`, {
      metadata: { name: "mine" },
      rules: [{ verbs: ["*"], apiGroups: [""], resources: ["pods"] }],
    });
    assert.equal(raise.status, 403);

    await grant(s, "escalator", [{
      verbs: ["escalate"],
      apiGroups: ["rbac.authorization.k8s.io"],
      resources: ["roles"],
    }]);
    const allowed = await s.json(alice, "POST", `${RBAC}/namespaces/a/roles`, {
      metadata: { name: "more" },
      rules: [{ verbs: ["*"], apiGroups: ["*"], resources: ["*"] }],
    });
    assert.equal(allowed.status, 201, JSON.stringify(allowed.body));
  });
});

Deno.test("escalation: bindings need the role's rules or the bind verb", async () => {
  await withServer(async (s) => {
    await grant(s, "binder", [
      { verbs: ["create"], apiGroups: ["rbac.authorization.k8s.io"], resources: ["rolebindings"] },
      { verbs: ["get"], apiGroups: [""], resources: ["pods"] },
    ]);
    const bind = (name: string, roleRef: unknown) =>
      s.json(alice, "POST", `${RBAC}/namespaces/a/rolebindings`, {
        metadata: { name },
        roleRef,
        subjects: [{ kind: "User", name: "bob" }],
      });
    assert.equal((await bind("ok", { kind: "Role", name: "binder" })).status, 201);
    const edit = await bind("edit", { kind: "ClusterRole", name: "edit" });
    assert.equal(edit.status, 403);
    assert.match(
      String(edit.body.message),
      /^rolebindings\.rbac\.authorization\.k8s\.io "edit" is forbidden: user "alice"/,
    );
    const missing = await bind("ghost", { kind: "Role", name: "ghost" });
    assert.equal(missing.status, 404);
    assert.equal(missing.body.message, 'roles.rbac.authorization.k8s.io "ghost" not found');

    await grant(s, "edit-binder", [{
      verbs: ["bind"],
      apiGroups: ["rbac.authorization.k8s.io"],
      resources: ["clusterroles"],
      resourceNames: ["edit"],
    }]);
    assert.equal((await bind("edit", { kind: "ClusterRole", name: "edit" })).status, 201);
    assert.equal((await bind("admin", { kind: "ClusterRole", name: "admin" })).status, 403);
    // Cluster role bindings are checked at the cluster scope, where alice holds nothing.
    const crb = await s.json(alice, "POST", `${RBAC}/clusterrolebindings`, {
      metadata: { name: "x" },
      roleRef: { kind: "ClusterRole", name: "edit" },
      subjects: [{ kind: "User", name: "bob" }],
    });
    assert.equal(crb.status, 403);
  });
});

Deno.test("escalation: aggregation rules need cluster-admin rights", async () => {
  await withServer(async (s) => {
    const crb = await s.json(ADMIN_USER, "POST", `${RBAC}/clusterroles`, {
      metadata: { name: "role-writer" },
      rules: [
        {
          verbs: ["create"],
          apiGroups: ["rbac.authorization.k8s.io"],
          resources: ["clusterroles"],
        },
      ],
    });
    assert.equal(crb.status, 201);
    await s.json(ADMIN_USER, "POST", `${RBAC}/clusterrolebindings`, {
      metadata: { name: "role-writer" },
      roleRef: { kind: "ClusterRole", name: "role-writer" },
      subjects: [{ kind: "User", name: "alice" }],
    });
    await s.rbac.settled();
    const agg = await s.json(alice, "POST", `${RBAC}/clusterroles`, {
      metadata: { name: "agg" },
      aggregationRule: { clusterRoleSelectors: [{ matchLabels: { a: "b" } }] },
    });
    assert.equal(agg.status, 403);
    assert.equal(
      agg.body.message,
      'clusterroles.rbac.authorization.k8s.io "agg" is forbidden: must have cluster-admin privileges to use the aggregationRule',
    );
  });
});

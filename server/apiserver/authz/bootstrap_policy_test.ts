import assert from "node:assert/strict";
import type { KubeObject } from "../../../kube/meta.ts";
import {
  validateAggregationRule,
  validateRoleRef,
  validateRules,
  validateSubjects,
} from "../resources/rbac/validation.ts";
import { AUTOUPDATE_ANNOTATION, bootstrapPolicy } from "./bootstrap_policy.ts";
import {
  reconcileBinding,
  reconcileBootstrapPolicy,
  reconcileRole,
} from "./bootstrap_policy_reconcile.ts";
import { ADMIN_USER, rbacTestServer } from "./rbac_testing.ts";

const find = (list: KubeObject[], name: string, ns?: string) =>
  list.find((o) => o.metadata.name === name && o.metadata.namespace === ns)!;

Deno.test("bootstrapPolicy() objects are valid, labelled, and bind existing roles", () => {
  const p = bootstrapPolicy();
  for (const r of p.clusterRoles) {
    assert.deepEqual(validateRules(r.rules, false), [], r.metadata.name!);
    assert.deepEqual(validateAggregationRule(r.aggregationRule), [], r.metadata.name!);
  }
  for (const r of p.roles) assert.deepEqual(validateRules(r.rules, true), [], r.metadata.name!);
  for (const b of [...p.clusterRoleBindings, ...p.roleBindings]) {
    const namespaced = b.kind === "RoleBinding";
    assert.deepEqual(validateSubjects(b.subjects, namespaced), [], b.metadata.name!);
    assert.deepEqual(
      validateRoleRef(b.roleRef, namespaced ? ["Role", "ClusterRole"] : ["ClusterRole"]),
      [],
    );
    const ref = b.roleRef as { kind: string; name: string };
    const roles = ref.kind === "Role"
      ? p.roles.filter((r) => r.metadata.namespace === b.metadata.namespace)
      : p.clusterRoles;
    assert.ok(roles.some((r) => r.metadata.name === ref.name), `${b.metadata.name} → ${ref.name}`);
  }
  for (const o of [...p.clusterRoles, ...p.clusterRoleBindings, ...p.roles, ...p.roleBindings]) {
    assert.equal(o.metadata.annotations?.[AUTOUPDATE_ANNOTATION], "true");
    assert.equal(o.metadata.labels?.["kubernetes.io/bootstrapping"], "rbac-defaults");
  }
  const names = p.clusterRoles.map((r) => r.metadata.name);
  assert.equal(new Set(names).size, names.length);
});

Deno.test("bootstrapPolicy() has upstream's default bindings", () => {
  const p = bootstrapPolicy();
  const subjects = (name: string) =>
    (find(p.clusterRoleBindings, name).subjects as { name: string }[] | undefined)?.map((s) =>
      s.name
    );
  assert.deepEqual(subjects("cluster-admin"), ["system:masters"]);
  assert.deepEqual(subjects("system:discovery"), ["system:authenticated"]);
  assert.deepEqual(subjects("system:basic-user"), ["system:authenticated"]);
  assert.deepEqual(subjects("system:public-info-viewer"), [
    "system:authenticated",
    "system:unauthenticated",
  ]);
  assert.deepEqual(subjects("system:kube-controller-manager"), ["system:kube-controller-manager"]);
  assert.deepEqual(subjects("system:kube-scheduler"), ["system:kube-scheduler"]);
  assert.deepEqual(subjects("system:node-proxier"), ["system:kube-proxy"]);
  assert.deepEqual(subjects("system:k3s-controller"), ["system:k3s-controller"]);
  // Kubelets are authorized by the Node authorizer, not by a binding of system:node.
  assert.equal(subjects("system:node"), undefined);
  assert.deepEqual(
    find(p.clusterRoleBindings, "system:controller:deployment-controller").subjects,
    [{ kind: "ServiceAccount", name: "deployment-controller", namespace: "kube-system" }],
  );
  assert.deepEqual(find(p.clusterRoles, "cluster-admin").rules, [
    { verbs: ["*"], apiGroups: ["*"], resources: ["*"] },
    { verbs: ["*"], nonResourceURLs: ["*"] },
  ]);
  assert.deepEqual(find(p.clusterRoles, "view").aggregationRule, {
    clusterRoleSelectors: [{
      matchLabels: { "rbac.authorization.k8s.io/aggregate-to-view": "true" },
    }],
  });
});

Deno.test("reconcileRole() adds missing rules, labels and annotations, never removes", () => {
  const expected = find(bootstrapPolicy().clusterRoles, "system:kube-dns");
  const existing: KubeObject = {
    metadata: { name: "system:kube-dns", labels: { mine: "1" }, annotations: {} },
    rules: [
      { verbs: ["list", "watch"], apiGroups: [""], resources: ["services"] },
      { verbs: ["get"], apiGroups: [""], resources: ["secrets"] },
    ],
  };
  const r = reconcileRole(existing, expected);
  assert.equal(r.operation, "update");
  assert.deepEqual(r.object.rules, [
    ...existing.rules as unknown[],
    { verbs: ["list"], apiGroups: [""], resources: ["endpoints"] },
    { verbs: ["watch"], apiGroups: [""], resources: ["endpoints"] },
  ]);
  assert.deepEqual(r.object.metadata.labels, {
    mine: "1",
    "kubernetes.io/bootstrapping": "rbac-defaults",
  });
  assert.equal(r.object.metadata.annotations?.[AUTOUPDATE_ANNOTATION], "true");
  assert.equal(reconcileRole(r.object, expected).operation, "none");
  assert.equal(reconcileRole(null, expected).operation, "create");
});

Deno.test("reconcileRole() and reconcileBinding() mark autoupdate=false objects protected", () => {
  const p = bootstrapPolicy();
  const role = structuredClone(find(p.clusterRoles, "system:kube-dns"));
  role.rules = [];
  role.metadata.annotations = { [AUTOUPDATE_ANNOTATION]: "false" };
  assert.deepEqual(
    [reconcileRole(role, find(p.clusterRoles, "system:kube-dns")).protected],
    [true],
  );
  const b = structuredClone(find(p.clusterRoleBindings, "system:discovery"));
  b.subjects = [];
  b.metadata.annotations = { [AUTOUPDATE_ANNOTATION]: "false" };
  const r = reconcileBinding(b, find(p.clusterRoleBindings, "system:discovery"));
  assert.equal(r.operation, "update");
  assert.equal(r.protected, true);
});

Deno.test("reconcileBinding() adds missing subjects and recreates on a changed roleRef", () => {
  const expected = find(bootstrapPolicy().clusterRoleBindings, "system:public-info-viewer");
  const existing = structuredClone(expected);
  existing.subjects = [
    { kind: "User", apiGroup: "rbac.authorization.k8s.io", name: "someone" },
    { kind: "Group", apiGroup: "rbac.authorization.k8s.io", name: "system:authenticated" },
  ];
  const r = reconcileBinding(existing, expected);
  assert.equal(r.operation, "update");
  assert.deepEqual((r.object.subjects as { name: string }[]).map((s) => s.name), [
    "someone",
    "system:authenticated",
    "system:unauthenticated",
  ]);
  const moved = structuredClone(expected);
  moved.roleRef = { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "view" };
  assert.equal(reconcileBinding(moved, expected).operation, "recreate");
});

Deno.test("reconcileBootstrapPolicy() restores changed objects but leaves autoupdate=false ones", async () => {
  const s = await rbacTestServer();
  try {
    const path = "/apis/rbac.authorization.k8s.io/v1/clusterroles";
    for (const name of ["system:kube-dns", "system:heapster"]) {
      const { status } = await s.json(ADMIN_USER, "PATCH", `${path}/${name}`, [
        { op: "replace", path: "/rules", value: [] },
      ], { "content-type": "application/json-patch+json" });
      assert.equal(status, 200);
    }
    await s.json(ADMIN_USER, "PATCH", `${path}/system:heapster`, {
      metadata: { annotations: { [AUTOUPDATE_ANNOTATION]: "false" } },
    }, { "content-type": "application/merge-patch+json" });
    await s.call(
      ADMIN_USER,
      "DELETE",
      "/apis/rbac.authorization.k8s.io/v1/namespaces/kube-system/rolebindings/system:controller:token-cleaner",
    );

    const report = await reconcileBootstrapPolicy(s.registry);
    assert.deepEqual(report.updated, ["ClusterRole/system:kube-dns"]);
    assert.deepEqual(report.skipped, ["ClusterRole/system:heapster"]);
    assert.deepEqual(report.created, ["RoleBinding/kube-system/system:controller:token-cleaner"]);
    const dns = await s.json(ADMIN_USER, "GET", `${path}/system:kube-dns`);
    assert.equal((dns.body.rules as unknown[]).length, 4);
    const heapster = await s.json(ADMIN_USER, "GET", `${path}/system:heapster`);
    assert.deepEqual(heapster.body.rules, []);
    const again = await reconcileBootstrapPolicy(s.registry);
    assert.deepEqual([again.created, again.updated], [[], []]);
  } finally {
    await s.close();
  }
});

Deno.test("RbacAuthorization.bootstrap() resolves once the authorizer honours the policy", async () => {
  const s = await rbacTestServer({ settle: false });
  try {
    // The scheduler and the controllers start right after it, with the rights the policy gives.
    const scheduler = { name: "system:kube-scheduler", groups: ["system:authenticated"] };
    const decision = await s.rbac.authorizer.authorize(scheduler, {
      isResourceRequest: true,
      path: "/api/v1/pods",
      verb: "list",
      apiPrefix: "api",
      group: "",
      version: "v1",
      namespace: "",
      resource: "pods",
      subresource: "",
      name: "",
      parts: ["v1", "pods"],
    });
    assert.equal(decision.allowed, true, decision.reason ?? "denied");
  } finally {
    await s.close();
  }
});

import assert from "node:assert/strict";
import type { KubeObject } from "../../../kube/meta.ts";
import { attributes, defaultAuthorizerChain } from "./chain.ts";
import { RbacAuthorizer } from "./rbac.ts";
import { RbacIndex } from "./rbac_index.ts";
import type { PolicyRule, Subject } from "./rbac_rules.ts";

function role(name: string, rules: PolicyRule[], namespace?: string): KubeObject {
  return { metadata: { name, ...(namespace ? { namespace } : {}) }, rules };
}

function binding(
  name: string,
  ref: [string, string],
  subjects: Subject[],
  namespace?: string,
): KubeObject {
  return {
    metadata: { name, ...(namespace ? { namespace } : {}) },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: ref[0], name: ref[1] },
    subjects,
  };
}

function fixture(): RbacIndex {
  const index = new RbacIndex();
  index.apply(
    "clusterroles",
    "ADDED",
    role("reader", [{ verbs: ["get", "list"], apiGroups: [""], resources: ["pods"] }]),
  );
  index.apply(
    "clusterroles",
    "ADDED",
    role("discovery", [{ verbs: ["get"], nonResourceURLs: ["/api", "/api/*"] }]),
  );
  index.apply(
    "roles",
    "ADDED",
    role("deleter", [{ verbs: ["delete"], apiGroups: [""], resources: ["pods"] }], "a"),
  );
  index.apply(
    "clusterrolebindings",
    "ADDED",
    binding("discovery", ["ClusterRole", "discovery"], [{
      kind: "Group",
      name: "system:authenticated",
    }]),
  );
  index.apply(
    "rolebindings",
    "ADDED",
    binding("alice-reads", ["ClusterRole", "reader"], [{ kind: "User", name: "alice" }], "a"),
  );
  index.apply(
    "rolebindings",
    "ADDED",
    binding("devs-delete", ["Role", "deleter"], [{ kind: "Group", name: "dev" }], "a"),
  );
  index.apply(
    "rolebindings",
    "ADDED",
    binding("sa-reads", ["ClusterRole", "reader"], [{ kind: "ServiceAccount", name: "bot" }], "b"),
  );
  index.apply(
    "rolebindings",
    "ADDED",
    binding("ghost", ["Role", "missing"], [{ kind: "User", name: "carol" }], "b"),
  );
  return index;
}

const alice = { name: "alice", groups: ["system:authenticated"] };
const devAlice = { name: "alice", groups: ["dev", "system:authenticated"] };
const bot = {
  name: "system:serviceaccount:b:bot",
  groups: ["system:serviceaccounts", "system:serviceaccounts:b", "system:authenticated"],
};

Deno.test("RbacAuthorizer allows by user, group and service account bindings in the namespace", () => {
  const rbac = new RbacAuthorizer(fixture());
  const get = (ns: string) =>
    attributes({ verb: "get", resource: "pods", namespace: ns, name: "x" });
  assert.deepEqual(rbac.decide(alice, get("a")), {
    allowed: true,
    reason: 'RBAC: allowed by RoleBinding "alice-reads/a" of ClusterRole "reader" to User "alice"',
  });
  assert.equal(rbac.decide(alice, get("b")).allowed, false);
  assert.equal(rbac.decide(alice, attributes({ verb: "get", resource: "pods" })).allowed, false);
  const del = attributes({ verb: "delete", resource: "pods", namespace: "a", name: "x" });
  assert.equal(rbac.decide(alice, del).allowed, false);
  assert.equal(rbac.decide(devAlice, del).allowed, true);
  assert.deepEqual(rbac.decide(bot, get("b")), {
    allowed: true,
    reason:
      'RBAC: allowed by RoleBinding "sa-reads/b" of ClusterRole "reader" to ServiceAccount "bot/b"',
  });
  assert.equal(
    rbac.decide({ ...bot, name: "system:serviceaccount:a:bot" }, get("b")).allowed,
    false,
  );
  const path = attributes({ verb: "get", path: "/api/v1", isResourceRequest: false });
  assert.equal(rbac.decide(alice, path).allowed, true);
  assert.equal(rbac.decide({ name: "x", groups: [] }, path).allowed, false);
});

Deno.test("RbacAuthorizer denies with no reason, or names a role it cannot find", () => {
  const rbac = new RbacAuthorizer(fixture());
  const info = attributes({ verb: "get", resource: "pods", namespace: "b" });
  assert.deepEqual(rbac.decide(alice, info), { allowed: false });
  assert.deepEqual(rbac.decide({ name: "carol", groups: [] }, info), {
    allowed: false,
    reason: 'RBAC: role.rbac.authorization.k8s.io "missing" not found',
  });
});

Deno.test("RbacIndex follows updates and deletions", () => {
  const index = fixture();
  const rbac = new RbacAuthorizer(index);
  const get = attributes({ verb: "get", resource: "pods", namespace: "a" });
  index.apply(
    "rolebindings",
    "MODIFIED",
    binding("alice-reads", ["ClusterRole", "reader"], [{ kind: "User", name: "bob" }], "a"),
  );
  assert.equal(rbac.decide(alice, get).allowed, false);
  assert.equal(rbac.decide({ name: "bob", groups: [] }, get).allowed, true);
  index.apply("clusterroles", "MODIFIED", role("reader", []));
  assert.equal(rbac.decide({ name: "bob", groups: [] }, get).allowed, false);
  index.apply(
    "rolebindings",
    "DELETED",
    binding("alice-reads", ["ClusterRole", "reader"], [], "a"),
  );
  assert.deepEqual(index.rulesFor({ name: "bob", groups: [] }, "a"), { rules: [], errors: [] });
});

Deno.test("RbacAuthorizer.rulesFor() splits resource and non-resource rules", () => {
  const rules = new RbacAuthorizer(fixture()).rulesFor(devAlice, "a");
  assert.deepEqual(rules, {
    resourceRules: [
      { verbs: ["get", "list"], apiGroups: [""], resources: ["pods"] },
      { verbs: ["delete"], apiGroups: [""], resources: ["pods"] },
    ],
    nonResourceRules: [{ verbs: ["get"], nonResourceURLs: ["/api", "/api/*"] }],
    incomplete: false,
    errors: [],
  });
});

Deno.test("the default chain allows system:masters before RBAC, and unions rules", async () => {
  const chain = defaultAuthorizerChain(fixture(), [{
    authorize: () => Promise.resolve({ allowed: false, reason: "node says no" }),
    rulesFor: () => ({ resourceRules: [], nonResourceRules: [], incomplete: true, errors: [] }),
  }]);
  const anything = attributes({ verb: "delete", resource: "nodes", name: "n1" });
  assert.equal(
    (await chain.authorize({ name: "root", groups: ["system:masters"] }, anything)).allowed,
    true,
  );
  assert.deepEqual(await chain.authorize(alice, anything), {
    allowed: false,
    reason: "node says no",
  });
  assert.equal(chain.rulesFor(alice, "a").incomplete, true);
  assert.equal(chain.rulesFor(alice, "a").resourceRules.length, 1);
});

Deno.test("an explicit denial in the chain stops later authorizers", async () => {
  const chain = defaultAuthorizerChain(fixture(), [{
    authorize: () => Promise.resolve({ allowed: false, denied: true, reason: "no" }),
  }]);
  const get = attributes({ verb: "get", resource: "pods", namespace: "a" });
  assert.deepEqual(await chain.authorize(alice, get), {
    allowed: false,
    denied: true,
    reason: "no",
  });
});

/**
 * Authorizing one request against a cluster with the bootstrap policy plus 2,000 role bindings
 * in 100 namespaces and 500 user cluster role bindings: `deno bench server/apiserver/authz/`.
 *
 * @module
 */
import { bootstrapPolicy } from "./bootstrap_policy.ts";
import { attributes, defaultAuthorizerChain } from "./chain.ts";
import { RbacAuthorizer } from "./rbac.ts";
import { aggregatedRules } from "./rbac_aggregation.ts";
import { RbacIndex } from "./rbac_index.ts";

const index = new RbacIndex();
const policy = bootstrapPolicy();
for (const r of policy.clusterRoles) index.apply("clusterroles", "ADDED", r);
// What the aggregator would store (view feeds edit, edit feeds admin).
for (const name of ["view", "edit", "admin"]) {
  const role = policy.clusterRoles.find((r) => r.metadata.name === name)!;
  index.apply("clusterroles", "MODIFIED", {
    ...role,
    rules: aggregatedRules(role, index.clusterRoles()),
  });
}
for (const b of policy.clusterRoleBindings) index.apply("clusterrolebindings", "ADDED", b);
for (let i = 0; i < 500; i++) {
  index.apply("clusterrolebindings", "ADDED", {
    metadata: { name: `user-${i}` },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "view" },
    subjects: [{ kind: "User", name: `user-${i}` }],
  });
}
for (let i = 0; i < 2000; i++) {
  index.apply("rolebindings", "ADDED", {
    metadata: { name: `rb-${i}`, namespace: `ns-${i % 100}` },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "edit" },
    subjects: [{ kind: "Group", name: `team-${i % 20}` }, { kind: "User", name: `dev-${i}` }],
  });
}
const rbac = new RbacAuthorizer(index);
const chain = defaultAuthorizerChain(index);
const dev = { name: "dev-7", groups: ["team-7", "system:authenticated"] };
const getPod = attributes({ verb: "get", resource: "pods", namespace: "ns-7", name: "p" });
const deleteNode = attributes({ verb: "delete", resource: "nodes", name: "n1" });
if (!rbac.decide(dev, getPod).allowed || rbac.decide(dev, deleteNode).allowed) {
  throw new Error("benchmark fixture does not decide as intended");
}

Deno.bench("RBAC allows (edit via a role binding)", () => {
  rbac.decide(dev, getPod);
});

Deno.bench("RBAC denies (walks every applicable rule)", () => {
  rbac.decide(dev, deleteNode);
});

Deno.bench("chain allows system:masters", async () => {
  await chain.authorize({ name: "admin", groups: ["system:masters"] }, deleteNode);
});

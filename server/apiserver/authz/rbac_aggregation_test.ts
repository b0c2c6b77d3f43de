import assert from "node:assert/strict";
import type { KubeObject } from "../../../kube/meta.ts";
import { aggregatedRules } from "./rbac_aggregation.ts";
import { ADMIN_USER, rbacTestServer } from "./rbac_testing.ts";

const LABEL = "example.com/aggregate";

function role(name: string, labels: Record<string, string>, verbs: string[]): KubeObject {
  return {
    metadata: { name, labels },
    rules: [{ verbs, apiGroups: [""], resources: ["pods"] }],
  };
}

Deno.test("aggregatedRules() unions matching roles by name, without duplicates or itself", () => {
  const agg: KubeObject = {
    metadata: { name: "agg", labels: { [LABEL]: "true" } },
    aggregationRule: { clusterRoleSelectors: [{ matchLabels: { [LABEL]: "true" } }] },
    rules: [{ verbs: ["old"], apiGroups: [""], resources: ["x"] }],
  };
  const all = [
    agg,
    role("b", { [LABEL]: "true" }, ["list"]),
    role("a", { [LABEL]: "true" }, ["get"]),
    role("c", { [LABEL]: "true" }, ["get"]),
    role("d", { other: "true" }, ["delete"]),
  ];
  assert.deepEqual(aggregatedRules(agg, all), [
    { verbs: ["get"], apiGroups: [""], resources: ["pods"] },
    { verbs: ["list"], apiGroups: [""], resources: ["pods"] },
  ]);
});

Deno.test("aggregation keeps view, edit and admin up to date as labelled roles change", async () => {
  const s = await rbacTestServer();
  try {
    const path = "/apis/rbac.authorization.k8s.io/v1/clusterroles";
    const rules = async (name: string) =>
      (await s.json(ADMIN_USER, "GET", `${path}/${name}`)).body.rules as { resources?: string[] }[];
    const has = (list: { resources?: string[] }[], r: string) =>
      list.some((x) => x.resources?.includes(r));
    assert.ok(has(await rules("view"), "pods"), "view aggregates system:aggregate-to-view");
    assert.ok(has(await rules("admin"), "roles"), "admin aggregates system:aggregate-to-admin");
    assert.ok(has(await rules("admin"), "pods/exec"), "admin gets edit's rules");

    const created = await s.json(ADMIN_USER, "POST", path, {
      metadata: {
        name: "widgets",
        labels: { "rbac.authorization.k8s.io/aggregate-to-view": "true" },
      },
      rules: [{ verbs: ["get"], apiGroups: ["example.com"], resources: ["widgets"] }],
    });
    assert.equal(created.status, 201);
    await s.rbac.settled();
    for (const name of ["view", "edit", "admin"]) {
      assert.ok(has(await rules(name), "widgets"), name);
    }

    await s.call(ADMIN_USER, "DELETE", `${path}/widgets`);
    await s.rbac.settled();
    for (const name of ["view", "edit", "admin"]) {
      assert.ok(!has(await rules(name), "widgets"), name);
    }
  } finally {
    await s.close();
  }
});

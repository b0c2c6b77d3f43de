import assert from "node:assert/strict";
import { attributes } from "./chain.ts";
import {
  breakdownRule,
  compactRules,
  compactString,
  covers,
  type PolicyRule,
  ruleAllows,
} from "./rbac_rules.ts";

const podsGet: PolicyRule = { verbs: ["get"], apiGroups: [""], resources: ["pods"] };

Deno.test("ruleAllows() matches verbs, groups, resources, subresources and names", () => {
  const cases: [string, PolicyRule, Parameters<typeof attributes>[0], boolean][] = [
    ["exact", podsGet, { verb: "get", resource: "pods" }, true],
    ["other verb", podsGet, { verb: "list", resource: "pods" }, false],
    ["other group", podsGet, { verb: "get", group: "apps", resource: "pods" }, false],
    ["other resource", podsGet, { verb: "get", resource: "secrets" }, false],
    [
      "subresource not implied",
      podsGet,
      { verb: "get", resource: "pods", subresource: "log" },
      false,
    ],
    [
      "verb *",
      { verbs: ["*"], apiGroups: [""], resources: ["pods"] },
      { verb: "deletecollection", resource: "pods" },
      true,
    ],
    [
      "group *",
      { verbs: ["get"], apiGroups: ["*"], resources: ["pods"] },
      { verb: "get", group: "metrics.k8s.io", resource: "pods" },
      true,
    ],
    [
      "resource * covers subresources",
      { verbs: ["get"], apiGroups: [""], resources: ["*"] },
      { verb: "get", resource: "pods", subresource: "log" },
      true,
    ],
    [
      "pods/log",
      { verbs: ["get"], apiGroups: [""], resources: ["pods/log"] },
      { verb: "get", resource: "pods", subresource: "log" },
      true,
    ],
    [
      "*/scale",
      { verbs: ["update"], apiGroups: ["*"], resources: ["*/scale"] },
      { verb: "update", group: "apps", resource: "deployments", subresource: "scale" },
      true,
    ],
    [
      "*/scale is not */status",
      { verbs: ["update"], apiGroups: ["*"], resources: ["*/scale"] },
      { verb: "update", group: "apps", resource: "deployments", subresource: "status" },
      false,
    ],
    [
      "*/scale is not the main resource",
      { verbs: ["update"], apiGroups: ["*"], resources: ["*/scale"] },
      { verb: "update", group: "apps", resource: "deployments" },
      false,
    ],
    [
      "resource name",
      { verbs: ["get"], apiGroups: [""], resources: ["configmaps"], resourceNames: ["x"] },
      { verb: "get", resource: "configmaps", name: "x" },
      true,
    ],
    [
      "other resource name",
      { verbs: ["get"], apiGroups: [""], resources: ["configmaps"], resourceNames: ["x"] },
      { verb: "get", resource: "configmaps", name: "y" },
      false,
    ],
    [
      "resource names never match a list",
      { verbs: ["list"], apiGroups: [""], resources: ["configmaps"], resourceNames: ["x"] },
      { verb: "list", resource: "configmaps" },
      false,
    ],
    [
      "non-resource exact",
      { verbs: ["get"], nonResourceURLs: ["/healthz"] },
      { verb: "get", path: "/healthz", isResourceRequest: false },
      true,
    ],
    [
      "non-resource prefix *",
      { verbs: ["get"], nonResourceURLs: ["/apis/*"] },
      { verb: "get", path: "/apis/apps/v1", isResourceRequest: false },
      true,
    ],
    [
      "non-resource prefix needs the prefix",
      { verbs: ["get"], nonResourceURLs: ["/apis/*"] },
      { verb: "get", path: "/api", isResourceRequest: false },
      false,
    ],
    [
      "non-resource *",
      { verbs: ["*"], nonResourceURLs: ["*"] },
      { verb: "post", path: "/anything", isResourceRequest: false },
      true,
    ],
    [
      "resource rules do not cover paths",
      { verbs: ["*"], apiGroups: ["*"], resources: ["*"] },
      { verb: "get", path: "/healthz", isResourceRequest: false },
      false,
    ],
  ];
  for (const [name, rule, attrs, want] of cases) {
    assert.equal(ruleAllows(attributes(attrs), rule), want, name);
  }
});

Deno.test("breakdownRule() splits into single verb, group, resource and name", () => {
  assert.deepEqual(
    breakdownRule({ verbs: ["get", "list"], apiGroups: [""], resources: ["pods", "secrets"] }),
    [
      { verbs: ["get"], apiGroups: [""], resources: ["pods"] },
      { verbs: ["list"], apiGroups: [""], resources: ["pods"] },
      { verbs: ["get"], apiGroups: [""], resources: ["secrets"] },
      { verbs: ["list"], apiGroups: [""], resources: ["secrets"] },
    ],
  );
  assert.deepEqual(breakdownRule({ verbs: ["get"], nonResourceURLs: ["/a", "/b"] }), [
    { verbs: ["get"], nonResourceURLs: ["/a"] },
    { verbs: ["get"], nonResourceURLs: ["/b"] },
  ]);
});

Deno.test("covers() finds what the owner lacks", () => {
  const owner: PolicyRule[] = [
    { verbs: ["get", "list"], apiGroups: [""], resources: ["pods", "*/scale"] },
    { verbs: ["get"], apiGroups: [""], resources: ["configmaps"], resourceNames: ["x"] },
    { verbs: ["get"], nonResourceURLs: ["/logs/*"] },
  ];
  assert.deepEqual(covers(owner, [{ verbs: ["get"], apiGroups: [""], resources: ["pods"] }]), {
    covered: true,
    missing: [],
  });
  assert.equal(
    covers(owner, [{ verbs: ["get"], apiGroups: [""], resources: ["deployments/scale"] }]).covered,
    true,
  );
  assert.equal(
    covers(owner, [{
      verbs: ["get"],
      apiGroups: [""],
      resources: ["configmaps"],
      resourceNames: ["x"],
    }]).covered,
    true,
  );
  // Owning one name does not cover all names.
  assert.equal(
    covers(owner, [{ verbs: ["get"], apiGroups: [""], resources: ["configmaps"] }]).covered,
    false,
  );
  assert.equal(covers(owner, [{ verbs: ["get"], nonResourceURLs: ["/logs/x"] }]).covered, true);
  assert.deepEqual(
    covers(owner, [{ verbs: ["get", "delete"], apiGroups: ["", "apps"], resources: ["pods"] }])
      .missing,
    [
      { verbs: ["delete"], apiGroups: [""], resources: ["pods"] },
      { verbs: ["get"], apiGroups: ["apps"], resources: ["pods"] },
      { verbs: ["delete"], apiGroups: ["apps"], resources: ["pods"] },
    ],
  );
  assert.equal(
    covers([{ verbs: ["*"], apiGroups: ["*"], resources: ["*"] }], [{
      verbs: ["get"],
      nonResourceURLs: ["/x"],
    }]).covered,
    false,
  );
});

Deno.test("compactRules() merges verbs of simple rules; compactString() prints like upstream", () => {
  const compact = compactRules([
    { verbs: ["get"], apiGroups: [""], resources: ["pods"] },
    { verbs: ["delete"], apiGroups: [""], resources: ["pods"] },
    { verbs: ["get"], nonResourceURLs: ["/x"] },
  ]);
  assert.deepEqual(compact.map(compactString), [
    '{NonResourceURLs:["/x"], Verbs:["get"]}',
    '{APIGroups:[""], Resources:["pods"], Verbs:["get" "delete"]}',
  ]);
  assert.equal(
    compactString({ verbs: ["get"], apiGroups: [""], resources: ["cm"], resourceNames: ["a"] }),
    '{APIGroups:[""], Resources:["cm"], ResourceNames:["a"], Verbs:["get"]}',
  );
});

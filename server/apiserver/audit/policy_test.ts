import assert from "node:assert/strict";
import { requestInfo } from "../request_info.ts";
import { AuditPolicy } from "./policy.ts";

const alice = { name: "alice", groups: ["devs", "system:authenticated"] };
const info = (method: string, path: string) => requestInfo(method, new URL(`https://h${path}`));

const POLICY = `
apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: ["RequestReceived"]
rules:
- level: None
  users: ["system:kube-proxy"]
  verbs: ["watch"]
- level: RequestResponse
  resources:
  - group: ""
    resources: ["pods/log", "*/status"]
- level: Request
  namespaces: ["kube-system"]
  omitManagedFields: true
- level: Metadata
  resources:
  - group: apps
    resources: ["deployments"]
    resourceNames: ["web"]
- level: Request
  userGroups: ["devs"]
  resources:
  - group: ""
    resources: ["configmaps/*"]
  omitStages: ["ResponseStarted"]
- level: Metadata
  nonResourceURLs: ["/healthz*", "/version"]
`;

Deno.test("AuditPolicy.decide() takes the first matching rule", () => {
  const p = AuditPolicy.parse(POLICY);
  const level = (method: string, path: string, user = alice) =>
    p.decide(user, info(method, path)).level;
  assert.equal(level("GET", "/api/v1/namespaces/a/pods/x/log"), "RequestResponse");
  assert.equal(level("PUT", "/api/v1/namespaces/a/pods/x/status"), "RequestResponse");
  assert.equal(level("GET", "/api/v1/namespaces/a/pods/x"), "None");
  assert.equal(level("GET", "/api/v1/namespaces/kube-system/pods/x"), "Request");
  assert.equal(level("GET", "/apis/apps/v1/namespaces/a/deployments/web"), "Metadata");
  assert.equal(level("GET", "/apis/apps/v1/namespaces/a/deployments/db"), "None");
  assert.equal(level("GET", "/api/v1/namespaces/a/configmaps/c/x"), "Request");
  assert.equal(
    level("GET", "/api/v1/namespaces/a/configmaps/c/x", { name: "bob", groups: [] }),
    "None",
  );
  assert.equal(level("GET", "/healthz/ping"), "Metadata");
  assert.equal(level("GET", "/version"), "Metadata");
  assert.equal(level("GET", "/versions"), "None");
  const proxy = { name: "system:kube-proxy", groups: [] };
  assert.equal(level("GET", "/api/v1/namespaces/kube-system/pods?watch=1", proxy), "None");
  assert.equal(level("GET", "/api/v1/namespaces/kube-system/pods", proxy), "Request");
});

Deno.test("AuditPolicy.decide() joins the policy's and the rule's omitted stages", () => {
  const p = AuditPolicy.parse(POLICY);
  const d = p.decide(alice, info("GET", "/api/v1/namespaces/kube-system/pods"));
  assert.deepEqual([...d.omitStages], ["RequestReceived"]);
  assert.equal(d.omitManagedFields, true);
  assert.equal(p.decide(alice, info("GET", "/version")).omitManagedFields, false);
});

Deno.test("AuditPolicy.parse() lists every problem", () => {
  assert.throws(
    () =>
      AuditPolicy.parse(`
apiVersion: audit.k8s.io/v1beta1
kind: Policy
rules:
- level: Verbose
- level: Metadata
  omitStages: ["Done"]
  nonResourceURLs: ["/a"]
  resources: [{group: ""}]
- {}
`),
    (err: Error) => {
      assert.match(err.message, /apiVersion: must be audit.k8s.io\/v1/);
      assert.match(err.message, /rules\[0\]\.level: Unsupported value: "Verbose"/);
      assert.match(err.message, /rules\[1\]\.omitStages\[0\]: Unsupported value: "Done"/);
      assert.match(
        err.message,
        /rules\[1\]\.nonResourceURLs: Invalid value: rules cannot apply to both/,
      );
      assert.match(err.message, /rules\[2\]\.level: Required value/);
      return true;
    },
  );
  assert.throws(() => AuditPolicy.parse("rules: ["), /not valid YAML/);
  assert.throws(
    () => AuditPolicy.parse("apiVersion: audit.k8s.io/v1\nkind: Policy\nrules: []\n"),
    /at least one rule/,
  );
});

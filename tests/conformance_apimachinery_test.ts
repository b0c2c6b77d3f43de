/**
 * Quick checks, against a real `k3s server`, of upstream [sig-api-machinery] conformance
 * behaviours that no other test of ours asserts (see docs/conformance.md): watches from a
 * resourceVersion, chunked lists, namespace and quota subresources, the flowcontrol and admission
 * configuration APIs, discovery and the 406 for a Table of a backend without metadata.
 *
 * @module
 */
// deno-lint-ignore-file no-explicit-any
import assert from "node:assert/strict";
import { type K3sServer, startServer } from "./harness.ts";

type Any = any;

const NS = "conf";
const CMS = `/api/v1/namespaces/${NS}/configmaps`;
const MERGE = "application/merge-patch+json";

/** The events of a watch that ends after `timeoutSeconds=1`. */
async function watchEvents(server: K3sServer, path: string): Promise<Any[]> {
  const sep = path.includes("?") ? "&" : "?";
  const res = await server.request("GET", `${path}${sep}watch=true&timeoutSeconds=1`);
  assert.equal(res.status, 200, res.body);
  return res.body.split("\n").filter((l) => l.trim() !== "").map((l) => JSON.parse(l));
}

const summary = (events: Any[]) =>
  events.map((e) => `${e.type} ${e.object.metadata.name} ${JSON.stringify(e.object.data ?? {})}`);

async function eventually<T>(what: string, fn: () => Promise<T | undefined | false>): Promise<T> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

Deno.test("sig-api-machinery conformance behaviours against a real server", async (t) => {
  const server = await startServer();
  const ok = server.requestOk;
  try {
    await ok("POST", "/api/v1/namespaces", { metadata: { name: NS } });

    await t.step(
      "a watch starts at a given resourceVersion (watch-configmaps-from-rv)",
      async () => {
        await ok("POST", CMS, { metadata: { name: "from-rv" } });
        const first: Any = await ok("PATCH", `${CMS}/from-rv`, { data: { mutation: "1" } }, MERGE);
        await ok("PATCH", `${CMS}/from-rv`, { data: { mutation: "2" } }, MERGE);
        await ok("DELETE", `${CMS}/from-rv`);
        const events = await watchEvents(
          server,
          `${CMS}?fieldSelector=metadata.name%3Dfrom-rv&resourceVersion=${first.metadata.resourceVersion}`,
        );
        assert.deepEqual(summary(events), [
          'MODIFIED from-rv {"mutation":"2"}',
          'DELETED from-rv {"mutation":"2"}',
        ]);
      },
    );

    await t.step("a watch restarts from the last resourceVersion it saw", async () => {
      const list: Any = await ok("GET", `${CMS}?labelSelector=watch-this%3Drestart`);
      const start = list.metadata.resourceVersion;
      await ok("POST", CMS, { metadata: { name: "restart", labels: { "watch-this": "restart" } } });
      await ok("PATCH", `${CMS}/restart`, { data: { mutation: "1" } }, MERGE);
      const sel = `${CMS}?labelSelector=watch-this%3Drestart`;
      const before = await watchEvents(server, `${sel}&resourceVersion=${start}`);
      assert.deepEqual(summary(before), ["ADDED restart {}", 'MODIFIED restart {"mutation":"1"}']);
      const last = before[before.length - 1].object.metadata.resourceVersion;
      // Changes while no watch is open must be seen by the restarted watch.
      await ok("PATCH", `${CMS}/restart`, { data: { mutation: "2" } }, MERGE);
      await ok("PATCH", `${CMS}/restart`, { data: { mutation: "3" } }, MERGE);
      await ok("DELETE", `${CMS}/restart`);
      const after = await watchEvents(server, `${sel}&resourceVersion=${last}`);
      assert.deepEqual(summary(after), [
        'MODIFIED restart {"mutation":"2"}',
        'MODIFIED restart {"mutation":"3"}',
        'DELETED restart {"mutation":"3"}',
      ]);
    });

    await t.step(
      "watchers with label selectors see add, update, delete (multiple watchers)",
      async () => {
        const start = ((await ok("GET", CMS)) as Any).metadata.resourceVersion;
        const label = (v: string) => ({ "watch-this-configmap": v });
        await ok("POST", CMS, { metadata: { name: "cm-a", labels: label("multiple-watchers-A") } });
        await ok("PATCH", `${CMS}/cm-a`, { data: { mutation: "1" } }, MERGE);
        await ok("DELETE", `${CMS}/cm-a`);
        await ok("POST", CMS, { metadata: { name: "cm-b", labels: label("multiple-watchers-B") } });
        await ok("DELETE", `${CMS}/cm-b`);
        const w = (selector: string) =>
          watchEvents(
            server,
            `${CMS}?labelSelector=${encodeURIComponent(selector)}&resourceVersion=${start}`,
          );
        const [a, b, ab] = await Promise.all([
          w("watch-this-configmap=multiple-watchers-A"),
          w("watch-this-configmap=multiple-watchers-B"),
          w("watch-this-configmap in (multiple-watchers-A,multiple-watchers-B)"),
        ]);
        const aEvents = [
          "ADDED cm-a {}",
          'MODIFIED cm-a {"mutation":"1"}',
          'DELETED cm-a {"mutation":"1"}',
        ];
        const bEvents = ["ADDED cm-b {}", "DELETED cm-b {}"];
        assert.deepEqual(summary(a), aEvents);
        assert.deepEqual(summary(b), bEvents);
        assert.deepEqual(summary(ab), [...aEvents, ...bEvents]);
      },
    );

    await t.step(
      "concurrent watches from different resourceVersions agree on the order",
      async () => {
        const start = ((await ok("GET", CMS)) as Any).metadata.resourceVersion;
        await Promise.all(
          Array.from(
            { length: 10 },
            (_, i) => ok("POST", CMS, { metadata: { name: `order-${i}` } }),
          ),
        );
        await Promise.all(
          Array.from(
            { length: 10 },
            (_, i) => ok("PATCH", `${CMS}/order-${i}`, { data: { n: String(i) } }, MERGE),
          ),
        );
        const all = await watchEvents(server, `${CMS}?resourceVersion=${start}`);
        assert.equal(all.length, 20);
        const rvs = all.map((e) => e.object.metadata.resourceVersion);
        for (const i of [0, 7, 13]) {
          const later = await watchEvents(server, `${CMS}?resourceVersion=${rvs[i]}`);
          assert.deepEqual(later.map((e) => e.object.metadata.resourceVersion), rvs.slice(i + 1));
        }
      },
    );

    await t.step("list chunks: limit, continue, one resourceVersion", async () => {
      const pt = `/api/v1/namespaces/${NS}/podtemplates`;
      const template = { spec: { containers: [{ name: "c", image: "busybox" }] } };
      await Promise.all(
        Array.from(
          { length: 30 },
          (_, i) => ok("POST", pt, { metadata: { name: `pt-${i}` }, template }),
        ),
      );
      let page: Any = await ok("GET", `${pt}?limit=12`);
      const rv = page.metadata.resourceVersion;
      const seen: string[] = [];
      const remaining: (number | undefined)[] = [];
      for (;;) {
        assert.ok(page.items.length <= 12);
        assert.equal(page.metadata.resourceVersion, rv, "every chunk has the first chunk's RV");
        seen.push(...page.items.map((i: Any) => i.metadata.name));
        remaining.push(page.metadata.remainingItemCount);
        if (!page.metadata.continue) break;
        page = await ok(
          "GET",
          `${pt}?limit=12&continue=${encodeURIComponent(page.metadata.continue)}`,
        );
      }
      // Upstream also sets remainingItemCount (18, then 6): ours leaves it out (docs/conformance.md).
      assert.deepEqual(remaining.slice(-1), [undefined]);
      assert.equal(remaining.length, 3);
      assert.equal(new Set(seen).size, 30);
      const whole: Any = await ok("GET", pt);
      assert.equal(whole.items.length, 30);
      assert.equal(whole.metadata.continue, undefined);
    });

    await t.step("namespaces: update, patch, status and finalize", async () => {
      const path = "/api/v1/namespaces/conf-ns";
      await ok("POST", "/api/v1/namespaces", { metadata: { name: "conf-ns" } });
      // Update (PUT) a label.
      const ns: Any = await ok("GET", path);
      ns.metadata.labels = { ...ns.metadata.labels, "e2e-update": "yes" };
      assert.equal(((await ok("PUT", path, ns)) as Any).metadata.labels["e2e-update"], "yes");
      // Strategic merge patch of a label.
      await ok(
        "PATCH",
        path,
        { metadata: { labels: { testLabel: "testValue" } } },
        "application/strategic-merge-patch+json",
      );
      const patched: Any = await ok("GET", path);
      assert.equal(patched.metadata.labels.testLabel, "testValue");
      assert.equal(patched.metadata.labels["e2e-update"], "yes");
      // Status: read, patch, update.
      const st: Any = await ok("GET", `${path}/status`);
      assert.equal(st.status.phase, "Active");
      const cond = (type: string) => ({
        type,
        status: "True",
        reason: "E2E",
        message: `${type} by a test`,
      });
      const p: Any = await ok("PATCH", `${path}/status`, {
        status: { conditions: [cond("StatusPatch")] },
      }, MERGE);
      assert.deepEqual(p.status.conditions.map((c: Any) => c.type), ["StatusPatch"]);
      p.status.conditions.push(cond("StatusUpdate"));
      const u: Any = await ok("PUT", `${path}/status`, p);
      assert.deepEqual(u.status.conditions.map((c: Any) => c.type), [
        "StatusPatch",
        "StatusUpdate",
      ]);
      // Finalize: add a fake finalizer, then remove it.
      const fin: Any = await ok("GET", path);
      fin.spec.finalizers = [...fin.spec.finalizers, "e2e.example.com/fakeFinalizer"];
      const added: Any = await ok("PUT", `${path}/finalize`, fin);
      assert.ok(added.spec.finalizers.includes("e2e.example.com/fakeFinalizer"));
      added.spec.finalizers = added.spec.finalizers.filter((f: string) =>
        f !== "e2e.example.com/fakeFinalizer"
      );
      const removed: Any = await ok("PUT", `${path}/finalize`, added);
      assert.ok(!removed.spec.finalizers.includes("e2e.example.com/fakeFinalizer"));
      assert.deepEqual(((await ok("GET", path)) as Any).spec.finalizers, ["kubernetes"]);
    });

    await t.step(
      "resourcequotas: status patch and update, patch, list by label, deletecollection",
      async () => {
        const rqs = `/api/v1/namespaces/${NS}/resourcequotas`;
        await ok("POST", rqs, {
          metadata: { name: "e2e-rq", labels: { "e2e-rq-label": "e2e-rq" } },
          spec: { hard: { cpu: "500m", memory: "500Mi" } },
        });
        await eventually(
          "status.hard to be calculated",
          async () => ((await ok("GET", `${rqs}/e2e-rq`)) as Any).status?.hard?.cpu === "500m",
        );
        // Update status.hard: the new values are stored, the spec is not changed.
        const rq: Any = await ok("GET", `${rqs}/e2e-rq/status`);
        rq.status.hard = { cpu: "1", memory: "1Gi" };
        const updated: Any = await ok("PUT", `${rqs}/e2e-rq/status`, rq);
        assert.deepEqual(updated.status.hard, { cpu: "1", memory: "1Gi" });
        assert.deepEqual(updated.spec.hard, { cpu: "500m", memory: "500Mi" });
        const statusPatched: Any = await ok("PATCH", `${rqs}/e2e-rq/status`, {
          spec: { hard: { cpu: "9" } },
          status: { hard: { cpu: "2" } },
        }, MERGE);
        assert.equal(statusPatched.status.hard.cpu, "2");
        assert.equal(statusPatched.spec.hard.cpu, "500m", "a /status patch leaves the spec alone");
        // Patch the spec; the controller brings status.hard back to the spec.
        await ok("PATCH", `${rqs}/e2e-rq`, { spec: { hard: { cpu: "1", memory: "1Gi" } } }, MERGE);
        await eventually("status.hard to follow the spec", async () => {
          const s = ((await ok("GET", `${rqs}/e2e-rq`)) as Any).status?.hard;
          return s?.cpu === "1" && s?.memory === "1Gi";
        });
        const byLabel: Any = await ok(
          "GET",
          `/api/v1/resourcequotas?labelSelector=e2e-rq-label%3De2e-rq`,
        );
        assert.deepEqual(
          byLabel.items.map((i: Any) => i.metadata.name),
          ["e2e-rq"],
        );
        await ok("DELETE", `${rqs}?labelSelector=e2e-rq-label%3De2e-rq`);
        assert.equal((await server.request("GET", `${rqs}/e2e-rq`)).status, 404);
      },
    );

    await t.step("flowschemas and prioritylevelconfigurations: the API operations", async () => {
      const base = "/apis/flowcontrol.apiserver.k8s.io/v1";
      for (
        const [plural, spec] of [
          ["prioritylevelconfigurations", {
            type: "Limited",
            limited: { nominalConcurrencyShares: 2, limitResponse: { type: "Reject" } },
          }],
          ["flowschemas", {
            matchingPrecedence: 10000,
            priorityLevelConfiguration: { name: "global-default" },
          }],
        ] as const
      ) {
        const path = `${base}/${plural}`;
        const labels = { "e2e-fc": "yes" };
        for (const n of ["e2e-1", "e2e-2", "e2e-3"]) {
          await ok("POST", path, { metadata: { name: n, labels }, spec });
        }
        assert.equal(((await ok("GET", `${path}/e2e-1`)) as Any).metadata.name, "e2e-1");
        const listed: Any = await ok("GET", `${path}?labelSelector=e2e-fc%3Dyes`);
        assert.equal(listed.items.length, 3);
        const watched = await watchEvents(
          server,
          `${path}?labelSelector=e2e-fc%3Dyes&resourceVersion=${listed.metadata.resourceVersion}`,
        );
        assert.deepEqual(watched, []);
        const patched: Any = await ok("PATCH", `${path}/e2e-1`, {
          metadata: { annotations: { patched: "true" } },
        }, MERGE);
        assert.equal(patched.metadata.annotations.patched, "true");
        patched.metadata.annotations.updated = "true";
        assert.equal(
          ((await ok("PUT", `${path}/e2e-1`, patched)) as Any).metadata.annotations.updated,
          "true",
        );
        const status: Any = await ok("GET", `${path}/e2e-1/status`);
        assert.equal(status.metadata.name, "e2e-1");
        const cond = { type: "PatchStatusFailed", status: "False", reason: "e2e", message: "x" };
        const sp: Any = await ok("PATCH", `${path}/e2e-1/status`, {
          status: { conditions: [cond] },
        }, MERGE);
        assert.ok(sp.status.conditions.some((c: Any) => c.type === "PatchStatusFailed"));
        assert.deepEqual(sp.spec, patched.spec, "a /status patch leaves the spec alone");
        await ok("DELETE", `${path}/e2e-1`);
        assert.equal((await server.request("GET", `${path}/e2e-1`)).status, 404);
        await ok("DELETE", `${path}?labelSelector=e2e-fc%3Dyes`);
        assert.equal(
          ((await ok("GET", `${path}?labelSelector=e2e-fc%3Dyes`)) as Any).items.length,
          0,
        );
      }
    });

    await t.step("webhook configurations: list by label, patch, deletecollection", async () => {
      const base = "/apis/admissionregistration.k8s.io/v1";
      for (const kind of ["mutating", "validating"]) {
        const path = `${base}/${kind}webhookconfigurations`;
        const hook = (name: string) => ({
          name,
          clientConfig: { url: "https://127.0.0.1:1/hook" },
          rules: [{
            operations: ["CREATE"],
            apiGroups: [""],
            apiVersions: ["v1"],
            resources: ["configmaps"],
          }],
          namespaceSelector: { matchLabels: { "never-matches": "true" } },
          sideEffects: "None",
          admissionReviewVersions: ["v1"],
        });
        for (const n of ["e2e-a", "e2e-b"]) {
          await ok("POST", path, {
            metadata: { name: n, labels: { "e2e-list-test-uuid": "x" } },
            webhooks: [hook(`${n}.example.com`)],
          });
        }
        const listed: Any = await ok("GET", `${path}?labelSelector=e2e-list-test-uuid%3Dx`);
        assert.equal(listed.items.length, 2);
        const cfg: Any = await ok("GET", `${path}/e2e-a`);
        cfg.webhooks[0].rules[0].operations = ["CREATE", "UPDATE"];
        const put: Any = await ok("PUT", `${path}/e2e-a`, cfg);
        assert.deepEqual(put.webhooks[0].rules[0].operations, ["CREATE", "UPDATE"]);
        const jp: Any = await ok("PATCH", `${path}/e2e-a`, [{
          op: "replace",
          path: "/webhooks/0/rules/0/operations",
          value: ["CREATE"],
        }], "application/json-patch+json");
        assert.deepEqual(jp.webhooks[0].rules[0].operations, ["CREATE"]);
        await ok("DELETE", `${path}?labelSelector=e2e-list-test-uuid%3Dx`);
        assert.equal(
          ((await ok("GET", `${path}?labelSelector=e2e-list-test-uuid%3Dx`)) as Any).items.length,
          0,
        );
      }
    });

    await t.step("validatingadmissionpolicies and bindings: the API operations", async () => {
      const base = "/apis/admissionregistration.k8s.io/v1";
      const policies = `${base}/validatingadmissionpolicies`;
      await ok("POST", policies, {
        metadata: { name: "e2e-policy", labels: { "e2e-vap": "yes" } },
        spec: {
          matchConstraints: {
            resourceRules: [{
              operations: ["CREATE"],
              apiGroups: ["apps"],
              apiVersions: ["v1"],
              resources: ["deployments"],
            }],
          },
          validations: [{ expression: "object.spec.replicas <= 100" }],
        },
      });
      const listed: Any = await ok("GET", `${policies}?labelSelector=e2e-vap%3Dyes`);
      assert.equal(listed.items.length, 1);
      const patched: Any = await ok("PATCH", `${policies}/e2e-policy`, {
        metadata: { labels: { patched: "true" } },
      }, MERGE);
      assert.equal(patched.metadata.labels.patched, "true");
      const st: Any = await ok("GET", `${policies}/e2e-policy/status`);
      assert.equal(st.metadata.name, "e2e-policy");
      const bindings = `${base}/validatingadmissionpolicybindings`;
      await ok("POST", bindings, {
        metadata: { name: "e2e-binding", labels: { "e2e-vap": "yes" } },
        spec: { policyName: "e2e-policy", validationActions: ["Deny"] },
      });
      const b: Any = await ok("PATCH", `${bindings}/e2e-binding`, {
        metadata: { labels: { patched: "true" } },
      }, MERGE);
      assert.equal(b.metadata.labels.patched, "true");
      await ok("DELETE", `${bindings}?labelSelector=e2e-vap%3Dyes`);
      await ok("DELETE", `${policies}?labelSelector=e2e-vap%3Dyes`);
      assert.equal((await server.request("GET", `${policies}/e2e-policy`)).status, 404);
      assert.equal((await server.request("GET", `${bindings}/e2e-binding`)).status, 404);
    });

    await t.step("a missing object answers a NotFound Status", async () => {
      const res = await server.request("GET", `${CMS}/nothing-here`);
      assert.equal(res.status, 404);
      const status = JSON.parse(res.body);
      assert.deepEqual(
        [status.kind, status.apiVersion, status.status, status.reason, status.code],
        ["Status", "v1", "Failure", "NotFound", 404],
      );
      assert.equal(status.message, 'configmaps "nothing-here" not found');
      // Upstream omits the empty group; ours sends `group: ""` (docs/conformance.md).
      assert.equal(status.details.name, "nothing-here");
      assert.equal(status.details.kind, "configmaps");
    });

    await t.step(
      "discovery: each group's preferredVersion is served and lists resources",
      async () => {
        const groups: Any = await ok("GET", "/apis");
        assert.ok(groups.groups.length > 10);
        for (const g of groups.groups) {
          assert.ok(
            g.versions.some((v: Any) => v.groupVersion === g.preferredVersion.groupVersion),
            g.name,
          );
          for (const v of g.versions) {
            const rl: Any = await ok("GET", `/apis/${v.groupVersion}`);
            assert.equal(rl.groupVersion, v.groupVersion);
            assert.ok(rl.resources.length > 0, v.groupVersion);
          }
        }
      },
    );

    await t.step(
      "aggregated discovery answers both Accept headers with the built-in resources",
      async () => {
        for (const v of ["v2", "v2beta1"]) {
          const accept =
            `application/json;g=apidiscovery.k8s.io;v=${v};as=APIGroupDiscoveryList,application/json`;
          const core = await server.request("GET", "/api", { headers: { accept } });
          assert.equal(core.status, 200);
          const coreDoc = JSON.parse(core.body);
          assert.equal(coreDoc.kind, "APIGroupDiscoveryList");
          assert.equal(coreDoc.apiVersion, `apidiscovery.k8s.io/${v}`);
          const coreRes = coreDoc.items[0].versions[0].resources.map((r: Any) => r.resource);
          for (const r of ["pods", "configmaps", "namespaces", "services"]) {
            assert.ok(coreRes.includes(r), r);
          }
          const apis = JSON.parse(
            (await server.request("GET", "/apis", { headers: { accept } })).body,
          );
          assert.equal(apis.kind, "APIGroupDiscoveryList");
          const apps = apis.items.find((i: Any) => i.metadata.name === "apps");
          assert.ok(apps.versions[0].resources.some((r: Any) => r.resource === "deployments"));
        }
      },
    );
  } finally {
    await server.close();
  }
});

Deno.test("API metadata HTTP return: as=Table on a review resource is 406, list chunks count what remains", async () => {
  const server = await startServer();
  try {
    const review = JSON.stringify({
      apiVersion: "authorization.k8s.io/v1",
      kind: "SelfSubjectAccessReview",
      spec: { resourceAttributes: { verb: "get", resource: "pods" } },
    });
    const res = await server.request(
      "POST",
      "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
      { body: review, headers: { accept: "application/json;as=Table;v=v1;g=meta.k8s.io" } },
    );
    assert.equal(res.status, 406, res.body);
    for (let i = 0; i < 5; i++) {
      const created = await server.request("POST", "/api/v1/namespaces/default/podtemplates", {
        body: JSON.stringify({
          metadata: { name: `chunk-${i}` },
          template: { spec: { containers: [{ name: "c", image: "busybox" }] } },
        }),
      });
      assert.equal(created.status, 201, created.body);
    }
    const page = JSON.parse(
      (await server.request("GET", "/api/v1/namespaces/default/podtemplates?limit=2")).body,
    );
    assert.equal(page.items.length, 2);
    assert.equal(page.metadata.remainingItemCount, 3);
  } finally {
    await server.close();
  }
});

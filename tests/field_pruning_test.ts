/**
 * Unknown fields of built-in kinds are dropped, as upstream's decoding into Go types drops them:
 * with the oldest and newest kubectl, `--validate=false` (Ignore) stores the object without
 * them, `--validate=warn` warns and stores it without them, the default (Strict) refuses it;
 * fields added in Kubernetes 1.31–1.33 are known. Then, over HTTP, every way of writing one
 * (update, merge, strategic and JSON patch, server-side apply, the status subresource) prunes,
 * while free-form values (annotations, raw extensions) keep everything, and the events our own
 * controllers write lose nothing.
 *
 * @module
 */
import assert from "node:assert/strict";
import { stringify } from "yaml";
import { eventually } from "./controllers_helpers_test.ts";
import { kubectlSteps, startServer } from "./harness.ts";

function configMap(name: string) {
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name, annotations: { "example.com/free": "kept" }, bogusMeta: "x" },
    data: { key: "value" },
    foo: "bar",
  };
}

function deployment(name: string, extraSpec: Record<string, unknown> = {}, extraPod = {}) {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: "c", image: "busybox" }], ...extraPod },
      },
      ...extraSpec,
    },
  };
}

const withUnknown = (name: string) =>
  deployment(name, { foo: 1 }, { containers: [{ name: "c", image: "busybox", bar: true }] });

Deno.test({
  name:
    "unknown fields of built-in kinds are pruned under Ignore and Warn and refused under Strict",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const server = await startServer();
    try {
      await kubectlSteps(t, server, "prune", async (k, t) => {
        const getJson = async (kind: string, name: string) =>
          JSON.parse(await k.ok(["get", kind, name, "-o", "json", "--show-managed-fields"]));

        await t.step("--validate=false stores a ConfigMap without its unknown fields", async () => {
          const r = await k.run(["create", "--validate=false", "-f", "-"], {
            stdin: stringify(configMap("ignored")),
          });
          assert.equal(r.code, 0, r.stderr);
          assert.doesNotMatch(r.stderr, /unknown field/);
          const cm = await getJson("configmap", "ignored");
          assert.equal(cm.foo, undefined);
          assert.equal(cm.metadata.bogusMeta, undefined);
          assert.deepEqual(cm.data, { key: "value" });
          assert.equal(cm.metadata.annotations["example.com/free"], "kept");
        });

        await t.step("--validate=warn warns and stores a Deployment without them", async () => {
          const r = await k.run(["create", "--validate=warn", "-f", "-"], {
            stdin: stringify(withUnknown("warned")),
          });
          assert.equal(r.code, 0, r.stderr);
          assert.match(r.stderr, /Warning: unknown field "spec\.foo"/);
          assert.match(
            r.stderr,
            /Warning: unknown field "spec\.template\.spec\.containers\[0\]\.bar"/,
          );
          const d = await getJson("deployment", "warned");
          assert.equal(d.spec.foo, undefined);
          assert.equal(d.spec.template.spec.containers[0].bar, undefined);
          assert.equal(d.spec.template.spec.containers[0].image, "busybox");
        });

        await t.step("the default (Strict) refuses them and stores nothing", async () => {
          const r = await k.run(["create", "-f", "-"], { stdin: stringify(withUnknown("strict")) });
          assert.notEqual(r.code, 0);
          assert.match(r.stderr, /strict decoding error: unknown field "spec\.foo"/);
          const got = await k.run(["get", "deployment", "strict"]);
          assert.notEqual(got.code, 0);
        });

        await t.step("replace --validate=false drops them on update", async () => {
          const obj = { ...configMap("ignored"), data: { key: "changed" } };
          const r = await k.run(["replace", "--validate=false", "-f", "-"], {
            stdin: stringify(obj),
          });
          assert.equal(r.code, 0, r.stderr);
          const cm = await getJson("configmap", "ignored");
          assert.equal(cm.foo, undefined);
          assert.deepEqual(cm.data, { key: "changed" });
        });

        await t.step("apply --server-side --validate=false drops them", async () => {
          const r = await k.run(["apply", "--server-side", "--validate=false", "-f", "-"], {
            stdin: stringify(withUnknown("applied")),
          });
          assert.equal(r.code, 0, r.stderr);
          const d = await getJson("deployment", "applied");
          assert.equal(d.spec.foo, undefined);
          assert.equal(d.spec.template.spec.containers[0].bar, undefined);
          const owned = JSON.stringify(d.metadata.managedFields);
          assert.match(owned, /"f:replicas"/);
          assert.doesNotMatch(owned, /"f:(foo|bar)"/, `no manager owns a dropped field: ${owned}`);
        });

        await t.step("Strict accepts fields added in Kubernetes 1.31 to 1.33", async () => {
          const d = deployment("newer", {}, {
            securityContext: { supplementalGroupsPolicy: "Merge" },
          });
          const svc = {
            apiVersion: "v1",
            kind: "Service",
            metadata: { name: "newer" },
            spec: {
              selector: { app: "newer" },
              ports: [{ port: 80 }],
              trafficDistribution: "PreferClose",
            },
          };
          const r = await k.run(["create", "--validate=strict", "-f", "-"], {
            stdin: `${stringify(d)}---\n${stringify(svc)}`,
          });
          assert.equal(r.code, 0, r.stderr);
          assert.doesNotMatch(r.stderr, /unknown field/);
          const got = await getJson("deployment", "newer");
          assert.equal(got.spec.template.spec.securityContext.supplementalGroupsPolicy, "Merge");
          assert.equal((await getJson("service", "newer")).spec.trafficDistribution, "PreferClose");
        });
      });

      const base = "/apis/apps/v1/namespaces/default/deployments";
      await server.requestOk("POST", base, deployment("patched"));

      await t.step("merge, strategic and JSON patches are pruned after patching", async () => {
        const patches: [string, unknown][] = [
          ["application/merge-patch+json", { spec: { foo: 1, paused: true } }],
          [
            "application/strategic-merge-patch+json",
            { spec: { template: { spec: { containers: [{ name: "c", bar: 2 }] } } } },
          ],
          ["application/json-patch+json", [{ op: "add", path: "/spec/baz", value: 3 }]],
        ];
        for (const [contentType, body] of patches) {
          for (const mode of ["Ignore", "Warn"]) {
            const r = await server.request("PATCH", `${base}/patched?fieldValidation=${mode}`, {
              body: JSON.stringify(body),
              contentType,
            });
            assert.equal(r.status, 200, r.body);
            const warned = /unknown field/.test(String(r.headers.warning ?? ""));
            assert.equal(warned, mode === "Warn", `${contentType} ${mode} warning`);
            const got = JSON.parse(r.body);
            assert.equal(got.spec.foo, undefined, contentType);
            assert.equal(got.spec.baz, undefined, contentType);
            assert.equal(got.spec.template.spec.containers[0].bar, undefined, contentType);
          }
        }
        const stored = JSON.parse((await server.request("GET", `${base}/patched`)).body);
        assert.equal(stored.spec.paused, true, "the known part of the patch is kept");
        assert.equal(stored.spec.foo, undefined);
      });

      await t.step("the status subresource prunes too", async () => {
        const r = await server.request("PATCH", `${base}/patched/status?fieldValidation=Warn`, {
          body: JSON.stringify({ status: { observedGeneration: 1, bogus: "x" } }),
          contentType: "application/merge-patch+json",
        });
        assert.equal(r.status, 200, r.body);
        assert.match(String(r.headers.warning), /unknown field \\?"status\.bogus\\?"/);
        const got = JSON.parse(r.body);
        assert.equal(got.status.bogus, undefined);
        assert.equal(got.status.observedGeneration, 1);
        const applied = await server.request(
          "PATCH",
          `${base}/patched/status?fieldManager=t&fieldValidation=Ignore`,
          {
            body: JSON.stringify({
              apiVersion: "apps/v1",
              kind: "Deployment",
              metadata: { name: "patched" },
              status: { replicas: 1, other: 2 },
            }),
            contentType: "application/apply-patch+yaml",
          },
        );
        assert.equal(applied.status, 200, applied.body);
        assert.equal(JSON.parse(applied.body).status.other, undefined);
      });

      await t.step("free-form values keep unknown keys", async () => {
        const rev = {
          apiVersion: "apps/v1",
          kind: "ControllerRevision",
          metadata: { name: "rev" },
          data: { spec: { anything: { goes: [1, 2] } } },
          revision: 1,
          extra: true,
        };
        const created = await server.request(
          "POST",
          "/apis/apps/v1/namespaces/default/controllerrevisions?fieldValidation=Ignore",
          { body: JSON.stringify(rev) },
        );
        assert.equal(created.status, 201, created.body);
        const got = JSON.parse(created.body);
        assert.deepEqual(got.data, rev.data);
        assert.equal(got.extra, undefined);
      });

      await t.step("a controller's event names its object by reference", async () => {
        await server.requestOk("POST", "/apis/policy/v1/namespaces/default/poddisruptionbudgets", {
          apiVersion: "policy/v1",
          kind: "PodDisruptionBudget",
          metadata: { name: "lonely" },
          spec: { minAvailable: 1, selector: { matchLabels: { app: "nothing" } } },
        });
        const selector = encodeURIComponent("involvedObject.name=lonely,reason=NoPods");
        const event = await eventually("the NoPods event", async () => {
          const r = await server.request(
            "GET",
            `/api/v1/namespaces/default/events?fieldSelector=${selector}`,
          );
          return JSON.parse(r.body).items?.[0];
        });
        assert.equal(event.involvedObject.kind, "PodDisruptionBudget");
        assert.equal(event.involvedObject.namespace, "default");
        assert.equal(event.involvedObject.metadata, undefined);
      });
    } finally {
      await server.close();
    }
  },
});

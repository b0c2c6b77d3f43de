/**
 * The garbage collector and the namespace controller with the oldest and newest kubectl:
 * deleting a Deployment with `--cascade=background|foreground|orphan` does to its ReplicaSets
 * and pods what upstream does, an object whose owner is gone is collected, and deleting a
 * namespace empties it (waiting on finalizers, reported in its conditions) and removes it.
 *
 * @module
 */
import assert from "node:assert/strict";
import type { KubeObject } from "../kube/client/mod.ts";
import { kubectlSteps, type ScopedKubectl } from "./harness.ts";
import { eventually, startCluster } from "./controllers_helpers_test.ts";

const DEPLOYMENT = JSON.stringify({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "web" },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: "web" } },
    template: {
      metadata: { labels: { app: "web" } },
      spec: { containers: [{ name: "c", image: "busybox" }] },
    },
  },
});

const WIDGET_CRD = JSON.stringify({
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  metadata: { name: "widgets.example.com" },
  spec: {
    group: "example.com",
    scope: "Namespaced",
    names: { plural: "widgets", singular: "widget", kind: "Widget" },
    versions: [{
      name: "v1",
      served: true,
      storage: true,
      schema: { openAPIV3Schema: { type: "object", "x-kubernetes-preserve-unknown-fields": true } },
    }],
  },
});

async function items(k: ScopedKubectl, kind: string, selector = "app=web"): Promise<KubeObject[]> {
  return JSON.parse(await k.ok(["get", kind, "-l", selector, "-o", "json"])).items;
}

async function exists(k: ScopedKubectl, what: string): Promise<boolean> {
  const r = await k.run(["get", what, "-o", "name"]);
  if (r.code === 0) return true;
  assert.match(r.stderr, /NotFound/);
  return false;
}

async function deployReady(k: ScopedKubectl): Promise<void> {
  await k.ok(["apply", "-f", "-"], { stdin: DEPLOYMENT });
  await k.ok(["rollout", "status", "deployment/web", "--timeout=120s"]);
  await eventually("2 ready pods", async () => (await items(k, "pods")).length === 2);
}

Deno.test("deletion propagation and namespace deletion with kubectl", async (t) => {
  const cluster = await startCluster(2);
  const { server } = cluster;
  try {
    await kubectlSteps(t, server, "gc", async (k, t) => {
      await t.step(
        "--cascade=background: the deployment goes, then its sets and pods",
        async () => {
          await deployReady(k);
          await k.ok(["delete", "deployment", "web", "--cascade=background"]);
          assert.equal(await exists(k, "deployment/web"), false);
          await eventually(
            "sets and pods to be collected",
            async () =>
              (await items(k, "rs")).length === 0 && (await items(k, "pods")).length === 0,
          );
        },
      );

      await t.step("--cascade=foreground: sets and pods go before the deployment", async () => {
        await deployReady(k);
        // A finalizer keeps one pod around, so the wait is visible.
        const pods = (await items(k, "pods")).map((p) => p.metadata.name!);
        await k.ok([
          "patch",
          "pod",
          pods[0],
          "--type=merge",
          "-p",
          '{"metadata":{"finalizers":["example.com/hold"]}}',
        ]);
        await k.ok(["delete", "deployment", "web", "--cascade=foreground", "--wait=false"]);
        const rs = await eventually("the set to be deleted in the foreground", async () => {
          const sets = await items(k, "rs");
          return sets.length === 1 && !!sets[0].metadata.deletionTimestamp && sets[0];
        });
        assert.deepEqual(rs.metadata.finalizers, ["foregroundDeletion"]);
        await eventually("the free pod to go", async () => !(await exists(k, `pod/${pods[1]}`)));
        await new Promise((r) => setTimeout(r, 1000));
        const d = JSON.parse(await k.ok(["get", "deployment", "web", "-o", "json"]));
        assert.ok(d.metadata.deletionTimestamp);
        assert.deepEqual(d.metadata.finalizers, ["foregroundDeletion"]);
        assert.equal(await exists(k, `rs/${rs.metadata.name}`), true);
        await k.ok([
          "patch",
          "pod",
          pods[0],
          "--type=merge",
          "-p",
          '{"metadata":{"finalizers":null}}',
        ]);
        await eventually("the deployment to go", async () => !(await exists(k, "deployment/web")));
        assert.deepEqual(await items(k, "rs"), []);
        assert.deepEqual(await items(k, "pods"), []);
      });

      await t.step("--cascade=orphan: sets and pods stay, without the owner", async () => {
        await deployReady(k);
        await k.ok(["delete", "deployment", "web", "--cascade=orphan"]);
        assert.equal(await exists(k, "deployment/web"), false);
        const sets = await items(k, "rs");
        assert.equal(sets.length, 1);
        assert.deepEqual(sets[0].metadata.ownerReferences ?? [], []);
        const pods = await items(k, "pods");
        assert.equal(pods.length, 2);
        assert.ok(
          pods.every((p) => p.metadata.ownerReferences?.[0].name === sets[0].metadata.name),
        );
        // Still there a moment later: nothing collects orphans.
        await new Promise((r) => setTimeout(r, 1500));
        assert.equal((await items(k, "pods")).length, 2);
        await k.ok(["delete", "rs", sets[0].metadata.name!]);
        await eventually(
          "pods of the deleted set to go",
          async () => (await items(k, "pods")).length === 0,
        );
      });

      await t.step("an object whose owner is gone is collected", async () => {
        await k.ok(["create", "configmap", "owner"]);
        const owner = JSON.parse(await k.ok(["get", "configmap", "owner", "-o", "json"]));
        const dependent = (name: string, uid: string) =>
          JSON.stringify({
            apiVersion: "v1",
            kind: "ConfigMap",
            metadata: {
              name,
              labels: { app: "web" },
              ownerReferences: [{ apiVersion: "v1", kind: "ConfigMap", name: "owner", uid }],
            },
          });
        await k.ok(["create", "-f", "-"], { stdin: dependent("kept", owner.metadata.uid) });
        await k.ok(["create", "-f", "-"], {
          stdin: dependent("dangling", "00000000-0000-0000-0000-000000000000"),
        });
        await eventually(
          "the dangling dependent to go",
          async () => !(await exists(k, "configmap/dangling")),
        );
        assert.equal(await exists(k, "configmap/kept"), true);
        await k.ok(["delete", "configmap", "owner"]);
        await eventually(
          "the dependent to follow its owner",
          async () => !(await exists(k, "configmap/kept")),
        );
      });
    });

    await t.step("custom resources own and are owned, and go with their namespace", async () => {
      await server.kubectlOk(["apply", "-f", "-"], { stdin: WIDGET_CRD });
      await eventually(
        "the CRD to be served",
        async () => (await server.kubectl(["get", "widgets"])).code === 0,
      );
      const ns = "widgets";
      await server.kubectlOk(["create", "namespace", ns]);
      const k = (args: string[], stdin?: string) =>
        server.kubectlOk(["-n", ns, ...args], { stdin });
      await k(
        ["apply", "-f", "-"],
        JSON.stringify({
          apiVersion: "example.com/v1",
          kind: "Widget",
          metadata: { name: "w" },
        }),
      );
      const w = JSON.parse(await k(["get", "widget", "w", "-o", "json"]));
      await k(
        ["apply", "-f", "-"],
        JSON.stringify({
          apiVersion: "v1",
          kind: "ConfigMap",
          metadata: {
            name: "of-widget",
            ownerReferences: [{
              apiVersion: "example.com/v1",
              kind: "Widget",
              name: "w",
              uid: w.metadata.uid,
            }],
          },
        }),
      );
      await k(["delete", "widget", "w"]);
      await eventually(
        "the widget's configmap to be collected",
        async () => (await server.kubectl(["-n", ns, "get", "configmap", "of-widget"])).code !== 0,
      );
      await k(
        ["apply", "-f", "-"],
        JSON.stringify({
          apiVersion: "example.com/v1",
          kind: "Widget",
          metadata: { name: "left" },
        }),
      );
      await server.kubectlOk(["delete", "namespace", ns, "--timeout=120s"]);
      assert.equal((await server.kubectl(["get", "namespace", ns])).code, 1);
    });

    await t.step("deleting a namespace removes its objects, then the namespace", async () => {
      const ns = "doomed";
      await server.kubectlOk(["create", "namespace", ns]);
      await server.kubectlOk(["-n", ns, "apply", "-f", "-"], { stdin: DEPLOYMENT });
      await server.kubectlOk(["-n", ns, "create", "configmap", "plain"]);
      await server.kubectlOk(["-n", ns, "apply", "-f", "-"], {
        stdin: JSON.stringify({
          apiVersion: "v1",
          kind: "ConfigMap",
          metadata: { name: "held", finalizers: ["example.com/hold"] },
        }),
      });
      await eventually("the pods to run", async () => {
        const out = await server.kubectlOk(["-n", ns, "get", "pods", "-o", "json"]);
        return JSON.parse(out).items.length === 2;
      });
      await server.kubectlOk(["delete", "namespace", ns, "--wait=false"]);
      const terminating = await eventually("the finalizer condition", async () => {
        const n = JSON.parse(await server.kubectlOk(["get", "namespace", ns, "-o", "json"]));
        const c = n.status.conditions?.find((c: { type: string }) =>
          c.type === "NamespaceFinalizersRemaining"
        );
        return c?.status === "True" && n;
      });
      assert.equal(terminating.status.phase, "Terminating");
      assert.deepEqual(terminating.spec.finalizers, ["kubernetes"]);
      const byType = Object.fromEntries(
        terminating.status.conditions.map((c: Record<string, string>) => [c.type, c]),
      );
      assert.equal(
        byType.NamespaceFinalizersRemaining.message,
        "Some content in the namespace has finalizers remaining: example.com/hold in 1 resource instances",
      );
      assert.equal(byType.NamespaceContentRemaining.reason, "SomeResourcesRemain");
      assert.match(
        byType.NamespaceContentRemaining.message,
        /configmaps\. has 1 resource instances/,
      );
      assert.equal(byType.NamespaceDeletionDiscoveryFailure.reason, "ResourcesDiscovered");
      const created = await server.kubectl(["-n", ns, "create", "configmap", "late"]);
      assert.notEqual(created.code, 0);
      assert.match(created.stderr, /because it is being terminated/);
      for (const kind of ["deployments", "replicasets", "pods"]) {
        await eventually(`${kind} to be gone`, async () => {
          const out = await server.kubectlOk(["-n", ns, "get", kind, "-o", "json"]);
          return JSON.parse(out).items.length === 0;
        });
      }
      await server.kubectlOk([
        "-n",
        ns,
        "patch",
        "configmap",
        "held",
        "--type=merge",
        "-p",
        '{"metadata":{"finalizers":null}}',
      ]);
      await eventually("the namespace to go", async () => {
        const r = await server.kubectl(["get", "namespace", ns]);
        return r.code !== 0 && /NotFound/.test(r.stderr);
      });
    });

    await t.step("kubectl delete namespace waits until it is gone", async () => {
      await server.kubectlOk(["create", "namespace", "quick"]);
      await server.kubectlOk(["-n", "quick", "create", "configmap", "x"]);
      const out = await server.kubectlOk(["delete", "namespace", "quick", "--timeout=120s"]);
      assert.match(out, /namespace "quick" deleted/);
      const r = await server.kubectl(["get", "namespace", "quick"]);
      assert.match(r.stderr, /NotFound/);
    });
  } finally {
    await cluster.close();
  }
});

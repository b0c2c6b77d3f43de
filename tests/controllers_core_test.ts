/**
 * The core (non-workload) controllers of a real `k3s server`, with simulated kubelets
 * (`tests/sim`) and the real kubectl: every namespace gets a `default` ServiceAccount and the
 * `kube-root-ca.crt` ConfigMap; a Service's Endpoints and EndpointSlices follow its pods'
 * readiness and named ports; nodes get distinct pod ranges; a node that stops heartbeating
 * becomes Unknown, is tainted and loses its pods; PodDisruptionBudgets get their status and
 * make evictions that would break them fail with 429.
 *
 * @module
 */
import assert from "node:assert/strict";
import {
  ENDPOINT_SLICES,
  ENDPOINTS,
  InformerFactory,
  KubeClient,
  NODES,
  type Pod,
  POD_DISRUPTION_BUDGETS,
  PODS,
  REPLICA_SETS,
  RESOURCE_QUOTAS,
} from "../kube/client/mod.ts";
import {
  NodeLifecycleController,
  TaintEvictionController,
} from "../server/controllers/core/mod.ts";
import { startServer } from "./harness.ts";
import { SimKubelet } from "./sim/mod.ts";

const DEADLINE_MS = 30_000;

async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = DEADLINE_MS,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`Timed out waiting for ${what}: ${(last as Error)?.message ?? last ?? ""}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

interface Slice {
  metadata: { name: string; labels?: Record<string, string> };
  endpoints: { addresses: string[]; conditions: Record<string, boolean> }[] | null;
  ports?: { name?: string; port: number }[] | null;
}

/** A pod with an IP and a Ready condition of our choosing, on a node no kubelet runs. */
function pod(name: string, labels: Record<string, string>): Pod {
  return {
    metadata: { name, labels },
    spec: {
      nodeName: "no-kubelet",
      containers: [{
        name: "app",
        image: "registry.local/app:1",
        ports: [{ name: "http", containerPort: 8080 + Number(name.at(-1)) }],
      }],
    },
  };
}

async function setStatus(client: KubeClient, ns: string, name: string, ip: string, ready: boolean) {
  await client.patch(
    PODS,
    name,
    {
      status: {
        phase: "Running",
        podIP: ip,
        podIPs: [{ ip }],
        conditions: [{ type: "Ready", status: ready ? "True" : "False" }],
      },
    },
    "merge",
    { namespace: ns, subresource: "status" },
  );
}

Deno.test("core controllers", async (t) => {
  const server = await startServer();
  const client = await KubeClient.fromKubeconfig(server.kubeconfig);
  const kubelets: SimKubelet[] = [];
  const stopControllers = new AbortController();
  try {
    await t.step(
      "a new namespace gets a default service account and kube-root-ca.crt",
      async () => {
        await server.kubectlOk(["create", "namespace", "fresh"]);
        const sa = await eventually("the default service account", async () => {
          const r = await server.kubectl([
            "get",
            "serviceaccount",
            "default",
            "-n",
            "fresh",
            "-o",
            "name",
          ]);
          return r.code === 0 ? r.stdout.trim() : undefined;
        });
        assert.equal(sa, "serviceaccount/default");
        const ca = await eventually("kube-root-ca.crt", async () => {
          const r = await server.kubectl([
            "get",
            "configmap",
            "kube-root-ca.crt",
            "-n",
            "fresh",
            "-o",
            "jsonpath={.data.ca\\.crt}",
          ]);
          return r.code === 0 && r.stdout ? r.stdout : undefined;
        });
        const served = await server.kubectlOk([
          "config",
          "view",
          "--raw",
          "-o",
          "jsonpath={.clusters[0].cluster.certificate-authority-data}",
        ]);
        assert.equal(ca, atob(served.trim()));
        // Deleted, they come back.
        await server.kubectlOk(["delete", "serviceaccount", "default", "-n", "fresh"]);
        await server.kubectlOk(["delete", "configmap", "kube-root-ca.crt", "-n", "fresh"]);
        await eventually("the default service account again", async () => {
          const r = await server.kubectl(["get", "serviceaccount", "default", "-n", "fresh"]);
          return r.code === 0 ? true : undefined;
        });
        await eventually("kube-root-ca.crt again", async () => {
          const r = await server.kubectl(["get", "configmap", "kube-root-ca.crt", "-n", "fresh"]);
          return r.code === 0 ? true : undefined;
        });
        // Pods are admitted with the default account (no longer waived).
        await server.kubectlOk(["run", "p", "-n", "fresh", "--image=registry.local/app:1"]);
        const name = await server.kubectlOk([
          "get",
          "pod",
          "p",
          "-n",
          "fresh",
          "-o",
          "jsonpath={.spec.serviceAccountName}",
        ]);
        assert.equal(name, "default");
      },
    );

    await t.step("endpoints and endpointslices follow pod readiness", async () => {
      const ns = "fresh";
      await server.kubectlOk(["apply", "-n", ns, "-f", "-"], {
        stdin: JSON.stringify({
          apiVersion: "v1",
          kind: "Service",
          metadata: { name: "web", labels: { tier: "front" } },
          spec: {
            selector: { app: "web" },
            ports: [{ name: "http", port: 80, targetPort: "http" }],
          },
        }),
      });
      for (const n of ["web-1", "web-2"]) {
        await client.create(PODS, { ...pod(n, { app: "web" }) }, { namespace: ns });
      }
      await setStatus(client, ns, "web-1", "10.42.9.1", true);
      await setStatus(client, ns, "web-2", "10.42.9.2", false);
      const ep = await eventually("endpoints with one ready, one not", async () => {
        const e = await client.get(ENDPOINTS, "web", { namespace: ns });
        const s = (e.subsets as Record<string, unknown>[] | undefined) ?? [];
        const ips = (k: string) =>
          s.flatMap((x) => (x[k] as { ip: string }[] | undefined) ?? []).map((a) => a.ip).sort();
        return ips("addresses").length === 1 && ips("notReadyAddresses").length === 1
          ? s
          : undefined;
      });
      // Named port resolved per pod.
      const ports = ep.map((s) => (s.ports as { port: number }[])[0].port).sort();
      assert.deepEqual(ports, [8081, 8082]);
      const slices = await eventually("one slice with both endpoints", async () => {
        const l = await client.list(ENDPOINT_SLICES, {
          namespace: ns,
          labelSelector: "kubernetes.io/service-name=web",
        });
        const all = l.items as unknown as Slice[];
        const eps = all.flatMap((x) => x.endpoints ?? []);
        return eps.length === 2 ? all : undefined;
      });
      for (const s of slices) {
        assert.equal(
          s.metadata.labels?.["endpointslice.kubernetes.io/managed-by"],
          "endpointslice-controller.k8s.io",
        );
        assert.equal(s.metadata.labels?.tier, "front");
      }
      await setStatus(client, ns, "web-2", "10.42.9.2", true);
      await eventually("both ready in endpoints", async () => {
        const out = await server.kubectlOk(["get", "endpoints", "web", "-n", ns]);
        return out.includes("10.42.9.1:8081") && out.includes("10.42.9.2:8082") ? true : undefined;
      });
      await eventually("both ready in slices", async () => {
        const l = await client.list(ENDPOINT_SLICES, {
          namespace: ns,
          labelSelector: "kubernetes.io/service-name=web",
        });
        const eps = (l.items as unknown as Slice[]).flatMap((x) => x.endpoints ?? []);
        return eps.length === 2 && eps.every((e) => e.conditions.ready) ? true : undefined;
      });
      await client.delete(PODS, "web-1", { namespace: ns, gracePeriodSeconds: 0 });
      await eventually("the deleted pod leaves", async () => {
        const out = await server.kubectlOk(["get", "endpoints", "web", "-n", ns]);
        return !out.includes("10.42.9.1") && out.includes("10.42.9.2:8082") ? true : undefined;
      });
      // publishNotReadyAddresses: a not-ready pod is an address.
      await setStatus(client, ns, "web-2", "10.42.9.2", false);
      await server.kubectlOk([
        "patch",
        "service",
        "web",
        "-n",
        ns,
        "-p",
        '{"spec":{"publishNotReadyAddresses":true}}',
      ]);
      await eventually("the not-ready pod published", async () => {
        const e = await client.get(ENDPOINTS, "web", { namespace: ns });
        const s = (e.subsets as { addresses?: { ip: string }[] }[] | undefined) ?? [];
        return s[0]?.addresses?.[0]?.ip === "10.42.9.2" ? true : undefined;
      });
      // A service without a selector is left alone; the kubernetes endpoints keep the server.
      const k = await client.get(ENDPOINTS, "kubernetes", { namespace: "default" });
      assert.ok((k.subsets as unknown[]).length > 0);
      await server.kubectlOk(["delete", "service", "web", "-n", ns]);
      await eventually("endpoints gone with the service", async () => {
        const r = await server.kubectl(["get", "endpoints", "web", "-n", ns]);
        return r.code !== 0 ? true : undefined;
      });
    });

    await t.step("nodes get distinct pod ranges", async () => {
      for (const n of ["ipam-a", "ipam-b", "ipam-c"]) {
        await client.create(NODES, { metadata: { name: n } });
      }
      const cidrs = await eventually("three pod ranges", async () => {
        const got: string[] = [];
        for (const n of ["ipam-a", "ipam-b", "ipam-c"]) {
          const node = await client.get(NODES, n);
          if (!node.spec?.podCIDR) return undefined;
          assert.deepEqual(node.spec.podCIDRs, [node.spec.podCIDR]);
          got.push(node.spec.podCIDR);
        }
        return got;
      });
      assert.equal(new Set(cidrs).size, 3);
      for (const c of cidrs) assert.match(c, /^10\.42\.\d+\.0\/24$/);
    });

    const replicaSet = (
      name: string,
      replicas: number,
      tolerationSeconds?: number,
      terminationGracePeriodSeconds = 0,
    ) => ({
      metadata: { name },
      spec: {
        replicas,
        selector: { matchLabels: { app: name } },
        template: {
          metadata: { labels: { app: name } },
          spec: {
            terminationGracePeriodSeconds,
            containers: [{ name: "app", image: "registry.local/app:1" }],
            ...(tolerationSeconds === undefined ? {} : {
              tolerations: ["unreachable", "not-ready"].map((k) => ({
                key: `node.kubernetes.io/${k}`,
                operator: "Exists",
                effect: "NoExecute",
                tolerationSeconds,
              })),
            }),
          },
        },
      },
    });
    const podsOf = async (ns: string, app: string) =>
      (await client.list(PODS, { namespace: ns, labelSelector: `app=${app}` })).items;

    await t.step("a node that stops heartbeating is Unknown, tainted and emptied", async () => {
      // Short grace periods for the test: the same controllers, run here against the server.
      const informers = new InformerFactory(client);
      const lifecycle = new NodeLifecycleController({
        name: "nodelifecycle-test",
        client,
        informers,
        gracePeriodMs: 3_000,
        monitorPeriodMs: 500,
      });
      const eviction = new TaintEvictionController({
        name: "tainteviction-test",
        client,
        informers,
      });
      informers.start(stopControllers.signal);
      void lifecycle.run(1, stopControllers.signal);
      void eviction.run(1, stopControllers.signal);

      const a = new SimKubelet({ client, nodes: ["lc-a"], heartbeatMs: 500 });
      kubelets.push(a);
      await a.start();
      await server.kubectlOk(["create", "namespace", "lc"]);
      await eventually(
        "the default service account",
        async () =>
          (await server.kubectl(["get", "sa", "default", "-n", "lc"])).code === 0
            ? true
            : undefined,
      );
      await client.create(REPLICA_SETS, replicaSet("moved", 2, 1, 30), { namespace: "lc" });
      // A pod that tolerates the node's trouble for an hour stays.
      await client.create(PODS, {
        metadata: { name: "patient" },
        spec: {
          nodeName: "lc-a",
          containers: [{ name: "app", image: "registry.local/app:1" }],
          tolerations: [{
            key: "node.kubernetes.io/unreachable",
            operator: "Exists",
            effect: "NoExecute",
            tolerationSeconds: 3600,
          }],
        },
      }, { namespace: "lc" });
      await eventually("two pods running on lc-a", async () => {
        const pods = await podsOf("lc", "moved");
        return pods.length === 2 &&
            pods.every((p) => p.status?.phase === "Running" && p.spec?.nodeName === "lc-a")
          ? true
          : undefined;
      });
      const b = new SimKubelet({ client, nodes: ["lc-b"], heartbeatMs: 500 });
      kubelets.push(b);
      await b.start();
      await a.stop();

      const node = await eventually("lc-a Unknown and tainted", async () => {
        const n = await client.get(NODES, "lc-a");
        const ready = n.status?.conditions?.find((c) => c.type === "Ready");
        const keys = (n.spec?.taints ?? []).map((t) => `${t.key}:${t.effect}`).sort();
        return ready?.status === "Unknown" && keys.length === 2 ? { ready, keys } : undefined;
      });
      assert.equal(node.ready.reason, "NodeStatusUnknown");
      assert.equal(node.ready.message, "Kubelet stopped posting node status.");
      assert.deepEqual(node.keys, [
        "node.kubernetes.io/unreachable:NoExecute",
        "node.kubernetes.io/unreachable:NoSchedule",
      ]);
      const out = await server.kubectlOk(["get", "node", "lc-a"]);
      assert.match(out, /lc-a\s+NotReady/);
      // The pods on lc-a are evicted, and the ReplicaSet replaces them on lc-b.
      await eventually("replacements running on lc-b", async () => {
        const pods = await podsOf("lc", "moved");
        const live = pods.filter((p) => !p.metadata.deletionTimestamp);
        const gone = pods.filter((p) => p.spec?.nodeName === "lc-a");
        return live.length === 2 &&
            live.every((p) => p.spec?.nodeName === "lc-b" && p.status?.phase === "Running") &&
            gone.every((p) => p.metadata.deletionTimestamp)
          ? true
          : undefined;
      });
      const evicted = (await podsOf("lc", "moved")).find((p) => p.spec?.nodeName === "lc-a");
      assert.ok(evicted, "the evicted pods stay Terminating: no kubelet finishes them");
      const cond = evicted.status?.conditions?.find((c) => c.type === "DisruptionTarget");
      assert.equal(cond?.reason, "DeletionByTaintManager");
      const patient = await client.get(PODS, "patient", { namespace: "lc" });
      assert.equal(patient.metadata.deletionTimestamp, undefined);
      assert.equal(patient.status?.conditions?.find((c) => c.type === "Ready")?.status, "False");
    });

    await t.step("PodDisruptionBudget status and eviction refusal", async () => {
      const ns = "lc";
      await client.create(REPLICA_SETS, replicaSet("guarded", 2), { namespace: ns });
      await client.create(POD_DISRUPTION_BUDGETS, {
        metadata: { name: "guard" },
        spec: { minAvailable: 2, selector: { matchLabels: { app: "guarded" } } },
      }, { namespace: ns });
      const status = await eventually("the budget's status", async () => {
        const p = await client.get(POD_DISRUPTION_BUDGETS, "guard", { namespace: ns });
        const s = p.status as Record<string, unknown> | undefined;
        return s?.currentHealthy === 2 ? s : undefined;
      });
      assert.equal(status.expectedPods, 2);
      assert.equal(status.desiredHealthy, 2);
      assert.equal(status.disruptionsAllowed, 0);
      assert.equal(status.observedGeneration, 1);
      const cond = (status.conditions as { type: string; status: string; reason: string }[])[0];
      assert.deepEqual([cond.type, cond.status, cond.reason], [
        "DisruptionAllowed",
        "False",
        "InsufficientPods",
      ]);

      const [victim] = await podsOf(ns, "guarded");
      const evict = (name: string) =>
        server.request("POST", `/api/v1/namespaces/${ns}/pods/${name}/eviction`, {
          body: JSON.stringify({
            apiVersion: "policy/v1",
            kind: "Eviction",
            metadata: { name, namespace: ns },
          }),
        });
      const refused = await evict(victim.metadata.name!);
      assert.equal(refused.status, 429);
      const body = JSON.parse(refused.body);
      assert.equal(
        body.message,
        "Cannot evict pod as it would violate the pod's disruption budget.",
      );
      assert.equal(body.details.causes[0].reason, "DisruptionBudget");
      assert.equal(
        body.details.causes[0].message,
        "The disruption budget guard needs 2 healthy pods and has 2 currently",
      );

      // Patches the budget's spec, then waits until its status (of that generation) allows one.
      const allowOne = async (spec: string, generation: number, what: string) => {
        await server.kubectlOk(["patch", "pdb", "guard", "-n", ns, "--type=merge", "-p", spec]);
        return await eventually(what, async () => {
          const p = await client.get(POD_DISRUPTION_BUDGETS, "guard", { namespace: ns });
          const s = p.status as Record<string, unknown> | undefined;
          return s?.observedGeneration === generation && s?.disruptionsAllowed === 1
            ? s
            : undefined;
        });
      };
      // A looser budget (a percentage of the ReplicaSet's scale) allows one eviction.
      const loosened = await allowOne(
        '{"spec":{"minAvailable":null,"maxUnavailable":"50%"}}',
        2,
        "one disruption allowed",
      );
      assert.equal(loosened.desiredHealthy, 1);
      assert.equal(loosened.expectedPods, 2);
      // Exactly one of two evictions at once gets the one disruption allowed. The ReplicaSet is
      // orphaned first (and the budget made absolute), so no replacement can turn Ready in
      // between and rightly allow a second.
      await server.kubectlOk(["delete", "rs", "guarded", "-n", ns, "--cascade=orphan"]);
      await allowOne(
        '{"spec":{"minAvailable":1,"maxUnavailable":null}}',
        3,
        "an absolute budget allowing one",
      );
      const [other] = (await podsOf(ns, "guarded")).filter((p) =>
        p.metadata.name !== victim.metadata.name
      );
      const both = await Promise.all([evict(victim.metadata.name!), evict(other.metadata.name!)]);
      assert.deepEqual(
        both.map((r) => r.status).sort(),
        [201, 429],
        both.map((r) => r.body).join(),
      );
      await eventually("the budget spent", async () => {
        const p = await client.get(POD_DISRUPTION_BUDGETS, "guard", { namespace: ns });
        const s = p.status as Record<string, unknown> | undefined;
        return s?.currentHealthy === 1 && s?.disruptionsAllowed === 0 ? true : undefined;
      });
    });

    await t.step("resource quota usage is given back on delete", async () => {
      const ns = "lc";
      await client.create(RESOURCE_QUOTAS, {
        metadata: { name: "q" },
        spec: { hard: { pods: "20", configmaps: "10" } },
      }, { namespace: ns });
      const used = async () =>
        ((await client.get(RESOURCE_QUOTAS, "q", { namespace: ns })).status as {
          used?: Record<string, string>;
        } | undefined)?.used;
      const before = await eventually("usage computed", async () => {
        const u = await used();
        return u?.pods !== undefined ? u : undefined;
      });
      const pods = (await client.list(PODS, { namespace: ns })).items.filter((p) => {
        const phase = p.status?.phase;
        return phase !== "Succeeded" && phase !== "Failed";
      });
      assert.equal(before.pods, String(pods.length));
      await server.kubectlOk(["create", "configmap", "extra", "-n", ns]);
      await eventually("a configmap counted", async () => {
        const u = await used();
        return u?.configmaps === String(Number(before.configmaps) + 1) ? true : undefined;
      });
      await server.kubectlOk(["delete", "configmap", "extra", "-n", ns]);
      await eventually("the configmap given back", async () => {
        const u = await used();
        return u?.configmaps === before.configmaps ? true : undefined;
      });
    });
  } finally {
    stopControllers.abort();
    for (const k of kubelets) await k.stop();
    client.close();
    await server.close();
  }
});

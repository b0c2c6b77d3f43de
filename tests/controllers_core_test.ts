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
  PODS,
} from "../kube/client/mod.ts";
import { startServer } from "./harness.ts";

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
  void InformerFactory;
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
  } finally {
    client.close();
    await server.close();
  }
});

/**
 * The aggregation layer and the horizontal pod autoscaler, with the oldest and newest kubectl.
 * A tiny metrics API server runs in the test process (TLS from a CA made here; it trusts only
 * the front-proxy certificate the `extension-apiserver-authentication` configmap names, and
 * records the `X-Remote-User` it is told), registered as `v1beta1.metrics.k8s.io` behind a
 * selector-less Service and a hand-written EndpointSlice pointing at 127.0.0.1. It reports the
 * CPU usage the test sets for every pod of a namespace.
 *
 * @module
 */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { networkInterfaces } from "node:os";
import { KubeClient, type KubeObject, type Pod, PODS } from "../kube/client/mod.ts";
import { parseSelector } from "../kube/labels.ts";
import { createCa, signCertificate, tlsUser } from "../server/pki/mod.ts";
import { kubectlSteps, type ScopedKubectl } from "./harness.ts";
import { type Cluster, eventually, startCluster } from "./controllers_helpers_test.ts";

const GV = "/apis/metrics.k8s.io/v1beta1";

/** The fake metrics-server: CPU usage per namespace (millicores per pod). */
class MetricsApi {
  readonly cpu = new Map<string, number>();
  readonly users = new Set<string>();
  rejected = 0;
  #server: Server | null = null;

  constructor(readonly client: KubeClient) {}

  async start(
    host: string,
    opts: { certPem: string; keyPem: string; clientCaPem: string },
  ): Promise<number> {
    this.#server = createServer({
      cert: opts.certPem,
      key: opts.keyPem,
      ca: opts.clientCaPem,
      requestCert: true,
      rejectUnauthorized: false,
    }, (req, res) => {
      this.#serve(req.socket, req.method ?? "GET", req.url ?? "/", req.headers).then(
        ([status, body]) => {
          res.writeHead(status, { "content-type": "application/json" });
          res.end(JSON.stringify(body));
        },
        (err) => {
          res.writeHead(500);
          res.end(String(err));
        },
      );
    });
    await new Promise<void>((r) => this.#server!.listen(0, host, r));
    return (this.#server.address() as AddressInfo).port;
  }

  async #serve(
    socket: unknown,
    method: string,
    url: string,
    headers: Record<string, string | string[] | undefined>,
  ): Promise<[number, unknown]> {
    const peer = tlsUser(socket as Parameters<typeof tlsUser>[0]);
    const user = headers["x-remote-user"];
    if (peer?.name !== "system:auth-proxy" || typeof user !== "string") {
      this.rejected++;
      return [401, { kind: "Status", code: 401 }];
    }
    this.users.add(user);
    const u = new URL(url, "https://metrics");
    if (method !== "GET") return [405, {}];
    if (u.pathname === GV) return [200, RESOURCE_LIST];
    if (u.pathname === `${GV}/nodes`) {
      return [200, {
        kind: "NodeMetricsList",
        apiVersion: "metrics.k8s.io/v1beta1",
        metadata: {},
        items: [{
          metadata: { name: "sim-node-0" },
          timestamp: new Date().toISOString(),
          window: "1s",
          usage: { cpu: "321m", memory: "1Gi" },
        }],
      }];
    }
    const m = new RegExp(`^${GV}/namespaces/([^/]+)/pods$`).exec(u.pathname);
    if (!m) return [404, { kind: "Status", code: 404 }];
    const ns = m[1];
    const selector = parseSelector(u.searchParams.get("labelSelector") ?? "");
    const pods = await this.client.list(PODS, { namespace: ns });
    const cpu = this.cpu.get(ns);
    const items = cpu === undefined
      ? []
      : pods.items.filter((p: Pod) =>
        p.status?.phase === "Running" && !p.metadata.deletionTimestamp &&
        selector.matches(p.metadata.labels)
      ).map((p: Pod) => ({
        metadata: { name: p.metadata.name, namespace: ns },
        timestamp: new Date().toISOString(),
        window: "1s",
        containers: [{ name: "c", usage: { cpu: `${cpu}m`, memory: "20Mi" } }],
      }));
    return [200, {
      kind: "PodMetricsList",
      apiVersion: "metrics.k8s.io/v1beta1",
      metadata: {},
      items,
    }];
  }

  close(): Promise<void> {
    return new Promise((r) => {
      if (!this.#server) return r();
      this.#server.close(() => r());
      this.#server.closeAllConnections();
    });
  }
}

const RESOURCE_LIST = {
  kind: "APIResourceList",
  apiVersion: "v1",
  groupVersion: "metrics.k8s.io/v1beta1",
  resources: [
    {
      name: "nodes",
      singularName: "",
      namespaced: false,
      kind: "NodeMetrics",
      verbs: ["get", "list"],
    },
    {
      name: "pods",
      singularName: "",
      namespaced: true,
      kind: "PodMetrics",
      verbs: ["get", "list"],
    },
  ],
};

function deployment(name: string) {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          containers: [{ name: "c", image: "web:1", resources: { requests: { cpu: "200m" } } }],
        },
      },
    },
  };
}

interface Hpa extends KubeObject {
  status?: {
    currentReplicas?: number;
    desiredReplicas?: number;
    currentMetrics?: { resource?: { name: string; current: Record<string, unknown> } }[];
    conditions?: { type: string; status: string; reason: string; message: string }[];
  };
}

async function hpaOf(k: ScopedKubectl, name: string): Promise<Hpa> {
  return JSON.parse(await k.ok(["get", "hpa.v2.autoscaling", name, "-o", "json"]));
}

function condition(h: Hpa, type: string): string | undefined {
  const c = h.status?.conditions?.find((x) => x.type === type);
  return c && `${c.status}/${c.reason}`;
}

async function replicasOf(k: ScopedKubectl, name: string): Promise<number> {
  return Number(await k.ok(["get", "deployment", name, "-o", "jsonpath={.spec.replicas}"]));
}

async function events(k: ScopedKubectl, name: string): Promise<string[]> {
  const out = JSON.parse(
    await k.ok([
      "get",
      "events",
      "--field-selector",
      `involvedObject.kind=HorizontalPodAutoscaler,involvedObject.name=${name}`,
      "-o",
      "json",
    ]),
  );
  return out.items.map((e: { reason: string; message: string }) => `${e.reason}: ${e.message}`);
}

/**
 * An address of this machine that an EndpointSlice may hold (validation refuses loopback), or
 * null: then the Service is an ExternalName for `localhost`.
 */
function hostAddress(): string | null {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === "IPv4" && !a.internal) return a.address;
  }
  return null;
}

/** Registers the metrics API; resolves with the Service port it is behind. */
/** Waits for the event (the recorder sends events in the background); fails with those seen. */
async function hasEvent(k: ScopedKubectl, name: string, wanted: string): Promise<void> {
  let seen: string[] = [];
  try {
    await eventually(wanted, async () => {
      seen = await events(k, name);
      return seen.includes(wanted);
    }, 10_000);
  } catch {
    assert.fail(`no event "${wanted}" among:\n${seen.join("\n")}`);
  }
}

async function registerMetricsApi(c: Cluster, metrics: MetricsApi): Promise<number> {
  const cm = await c.client.request<{ data: Record<string, string> }>(
    "GET",
    "/api/v1/namespaces/kube-system/configmaps/extension-apiserver-authentication",
  );
  assert.deepEqual(JSON.parse(cm.data["requestheader-allowed-names"]), ["system:auth-proxy"]);
  assert.deepEqual(JSON.parse(cm.data["requestheader-username-headers"]), ["X-Remote-User"]);
  const ca = await createCa({ commonName: "metrics-test-ca" });
  const serving = await signCertificate({
    ca,
    commonName: "metrics-server",
    sans: ["metrics-server.kube-system.svc"],
    usage: "server",
  });
  const host = hostAddress();
  const port = await metrics.start(host ?? "127.0.0.1", {
    ...serving,
    clientCaPem: cm.data["requestheader-client-ca-file"],
  });
  const s = c.server;
  const servicePort = host ? 443 : port;
  const service = (spec: Record<string, unknown>) =>
    s.requestOk("POST", "/api/v1/namespaces/kube-system/services", {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "metrics-server" },
      spec,
    });
  if (host) {
    await service({ ports: [{ name: "https", port: 443, targetPort: port }] });
    await s.requestOk("POST", "/apis/discovery.k8s.io/v1/namespaces/kube-system/endpointslices", {
      apiVersion: "discovery.k8s.io/v1",
      kind: "EndpointSlice",
      metadata: {
        name: "metrics-server-manual",
        labels: { "kubernetes.io/service-name": "metrics-server" },
      },
      addressType: "IPv4",
      ports: [{ name: "https", port, protocol: "TCP" }],
      endpoints: [{ addresses: [host], conditions: { ready: true } }],
    });
  } else {
    await service({ type: "ExternalName", externalName: "localhost", ports: [{ port }] });
  }
  await s.requestOk("POST", "/apis/apiregistration.k8s.io/v1/apiservices", {
    apiVersion: "apiregistration.k8s.io/v1",
    kind: "APIService",
    metadata: { name: "v1beta1.metrics.k8s.io" },
    spec: {
      group: "metrics.k8s.io",
      version: "v1beta1",
      service: { namespace: "kube-system", name: "metrics-server", port: servicePort },
      caBundle: Buffer.from(ca.certPem).toString("base64"),
      groupPriorityMinimum: 100,
      versionPriority: 100,
    },
  });
  await eventually("v1beta1.metrics.k8s.io Available", async () => {
    const out = await s.kubectlOk(["get", "apiservice", "v1beta1.metrics.k8s.io"]);
    return /metrics-server\s+True/.test(out);
  });
  return servicePort;
}

Deno.test({
  name: "hpa: metrics API through the aggregator, kubectl top, autoscale up and down",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    const c = await startCluster(1, {
      args: ["--kube-controller-manager-arg=horizontal-pod-autoscaler-sync-period=1s"],
    });
    const metrics = new MetricsApi(c.client);
    try {
      await t.step("without a metrics API the HPA reports FailedGetResourceMetric", async () => {
        const s = c.server;
        await s.requestOk("POST", "/api/v1/namespaces", {
          apiVersion: "v1",
          kind: "Namespace",
          metadata: { name: "nometrics" },
        });
        await s.requestOk(
          "POST",
          "/apis/apps/v1/namespaces/nometrics/deployments",
          deployment("web"),
        );
        await s.kubectlOk([
          "autoscale",
          "deployment",
          "web",
          "-n",
          "nometrics",
          "--cpu-percent=50",
          "--max=3",
        ]);
        const h = await eventually("ScalingActive False", async () => {
          const h: Hpa = JSON.parse(
            await s.kubectlOk([
              "get",
              "hpa.v2.autoscaling",
              "web",
              "-n",
              "nometrics",
              "-o",
              "json",
            ]),
          );
          return condition(h, "ScalingActive") === "False/FailedGetResourceMetric" && h;
        });
        assert.equal(condition(h, "AbleToScale"), "True/SucceededGetScale");
        const msg = h.status!.conditions!.find((x) => x.type === "ScalingActive")!.message;
        assert.match(
          msg,
          /failed to get cpu utilization: unable to get metrics for resource cpu: unable to fetch metrics from resource metrics API: the server could not find the requested resource/,
        );
      });

      let metricsPort = 0;
      await t.step("register the metrics API", async () => {
        metricsPort = await registerMetricsApi(c, metrics);
      });

      await kubectlSteps(t, c.server, "hpa", async (k) => {
        const ns = k.namespace;
        await k.ok(["create", "-f", "-"], { stdin: JSON.stringify(deployment("web")) });
        await eventually(
          "web ready",
          async () =>
            (await k.ok(["get", "deployment", "web", "-o", "jsonpath={.status.readyReplicas}"])) ===
              "1",
        );
        metrics.cpu.set(ns, 30);

        const raw = JSON.parse(await k.ok(["get", "--raw", `${GV}/namespaces/${ns}/pods`]));
        assert.equal(raw.kind, "PodMetricsList");
        assert.equal(raw.items.length, 1);
        assert.equal(raw.items[0].containers[0].usage.cpu, "30m");
        assert.ok(metrics.users.has("system:admin"), [...metrics.users].join(","));

        // kubectl keeps discovery on disk by host and port: a fresh cache per server.
        const cache = `--cache-dir=${c.server.dataDir}/kubectl-cache`;
        const top = await k.ok(["top", "pods", cache]);
        const pod = raw.items[0].metadata.name;
        assert.match(top, new RegExp(`^${pod}\\s+30m\\s+20Mi\\s*$`, "m"));
        const topNodes = await k.ok(["top", "nodes", cache]);
        assert.match(topNodes, /sim-node-0\s+321m/);

        const resources = await k.ok([
          "api-resources",
          "--api-group=metrics.k8s.io",
          "-o",
          "name",
          cache,
        ]);
        assert.deepEqual(resources.trim().split("\n").sort(), [
          "nodes.metrics.k8s.io",
          "pods.metrics.k8s.io",
        ]);

        // High usage: 90% of the request against a 50% target.
        await k.ok(["autoscale", "deployment", "web", "--cpu-percent=50", "--min=1", "--max=5"]);
        metrics.cpu.set(ns, 180);
        const up = await eventually("scaled to the maximum", async () => {
          const h = await hpaOf(k, "web");
          return condition(h, "ScalingLimited") === "True/TooManyReplicas" &&
            h.status?.desiredReplicas === 5 && h;
        }, 60_000);
        assert.equal(await replicasOf(k, "web"), 5);
        assert.equal(condition(up, "ScalingActive"), "True/ValidMetricFound");
        const cpu = up.status!.currentMetrics!.find((m) => m.resource?.name === "cpu")!;
        assert.equal(cpu.resource!.current.averageUtilization, 90);
        assert.equal(cpu.resource!.current.averageValue, "180m");
        // The table kubectl prints: targets, min, max, current replicas.
        await eventually("kubectl get hpa", async () => {
          const table = await k.ok(["get", "hpa", "web"]);
          return /90%\/50%\s+1\s+5\s+5\s/.test(table) || undefined;
        });
        await hasEvent(
          k,
          "web",
          "SuccessfulRescale: New size: 2; reason: cpu resource utilization (percentage of request) above target",
        );
        assert.ok(metrics.users.has("system:serviceaccount:kube-system:horizontal-pod-autoscaler"));

        // Low usage: with the scale-down window shortened to nothing, back to the minimum.
        await k.ok([
          "patch",
          "hpa.v2.autoscaling",
          "web",
          "--type=merge",
          "-p",
          JSON.stringify({ spec: { behavior: { scaleDown: { stabilizationWindowSeconds: 0 } } } }),
        ]);
        metrics.cpu.set(ns, 10);
        await eventually("scaled down", async () => (await replicasOf(k, "web")) === 1, 60_000);
        const down = await eventually("status caught up", async () => {
          const h = await hpaOf(k, "web");
          return h.status?.desiredReplicas === 1 && h;
        });
        assert.equal(condition(down, "ScalingActive"), "True/ValidMetricFound");
        await hasEvent(
          k,
          "web",
          "SuccessfulRescale: New size: 1; reason: All metrics below target",
        );
        await k.ok(["delete", "hpa", "web"]);
      });

      await t.step("the aggregator authorizes before it proxies", async () => {
        const denied = await c.server.kubectl([
          "get",
          "--raw",
          `${GV}/namespaces/default/pods`,
          "--as=mallory",
        ]);
        assert.notEqual(denied.code, 0);
        assert.match(denied.stderr, /Forbidden/);
        assert.ok(!metrics.users.has("mallory"));
      });

      await t.step(
        "a caBundle that did not sign the backend's certificate fails the check",
        async () => {
          const other = await createCa({ commonName: "someone-else" });
          await c.server.requestOk("POST", "/apis/apiregistration.k8s.io/v1/apiservices", {
            apiVersion: "apiregistration.k8s.io/v1",
            kind: "APIService",
            metadata: { name: "v1beta1.wrongca.example.com" },
            spec: {
              group: "wrongca.example.com",
              version: "v1beta1",
              service: { namespace: "kube-system", name: "metrics-server", port: metricsPort },
              caBundle: Buffer.from(other.certPem).toString("base64"),
              groupPriorityMinimum: 100,
              versionPriority: 100,
            },
          });
          const api = await eventually("Available False", async () => {
            const a = await c.server.requestOk<Hpa>(
              "GET",
              "/apis/apiregistration.k8s.io/v1/apiservices/v1beta1.wrongca.example.com",
            );
            return condition(a, "Available") ? a : undefined;
          });
          assert.equal(condition(api, "Available"), "False/FailedDiscoveryCheck");
          const msg = api.status!.conditions!.find((x) => x.type === "Available")!.message;
          assert.match(msg, /certificate|issuer/i);
        },
      );

      await t.step(
        "a custom resource with a scale subresource is brought to minReplicas",
        async () => {
          const s = c.server;
          await s.kubectlOk(["apply", "-f", "-"], {
            stdin: JSON.stringify({
              apiVersion: "apiextensions.k8s.io/v1",
              kind: "CustomResourceDefinition",
              metadata: { name: "workers.hpa.example.com" },
              spec: {
                group: "hpa.example.com",
                scope: "Namespaced",
                names: { plural: "workers", singular: "worker", kind: "Worker" },
                versions: [{
                  name: "v1",
                  served: true,
                  storage: true,
                  schema: {
                    openAPIV3Schema: {
                      type: "object",
                      "x-kubernetes-preserve-unknown-fields": true,
                    },
                  },
                  subresources: {
                    status: {},
                    scale: {
                      specReplicasPath: ".spec.replicas",
                      statusReplicasPath: ".status.replicas",
                      labelSelectorPath: ".status.selector",
                    },
                  },
                }],
              },
            }),
          });
          await eventually(
            "workers served",
            async () => (await s.kubectl(["get", "workers", "-n", "nometrics"])).code === 0,
          );
          await s.kubectlOk(["apply", "-n", "nometrics", "-f", "-"], {
            stdin: JSON.stringify({
              apiVersion: "hpa.example.com/v1",
              kind: "Worker",
              metadata: { name: "w" },
              spec: { replicas: 1 },
            }),
          });
          await s.kubectlOk(["apply", "-n", "nometrics", "-f", "-"], {
            stdin: JSON.stringify({
              apiVersion: "autoscaling/v2",
              kind: "HorizontalPodAutoscaler",
              metadata: { name: "w" },
              spec: {
                scaleTargetRef: { apiVersion: "hpa.example.com/v1", kind: "Worker", name: "w" },
                minReplicas: 3,
                maxReplicas: 6,
              },
            }),
          });
          await eventually("worker scaled to 3", async () =>
            (await s.kubectlOk([
              "get",
              "worker",
              "w",
              "-n",
              "nometrics",
              "-o",
              "jsonpath={.spec.replicas}",
            ])) === "3");
          const h: Hpa = JSON.parse(
            await s.kubectlOk(["get", "hpa.v2.autoscaling", "w", "-n", "nometrics", "-o", "json"]),
          );
          assert.equal(h.status?.desiredReplicas, 3);
          assert.match(condition(h, "AbleToScale") ?? "", /^True\//);
          // Its scale has no selector, so no metric can be read for it.
          await eventually("ScalingActive False/InvalidSelector", async () => {
            const h: Hpa = JSON.parse(
              await s.kubectlOk([
                "get",
                "hpa.v2.autoscaling",
                "w",
                "-n",
                "nometrics",
                "-o",
                "json",
              ]),
            );
            return condition(h, "ScalingActive") === "False/InvalidSelector";
          });
          await eventually("the rescale event", async () => {
            const events = await s.kubectlOk([
              "get",
              "events",
              "-n",
              "nometrics",
              "--field-selector",
              "involvedObject.kind=HorizontalPodAutoscaler,involvedObject.name=w",
              "-o",
              "jsonpath={range .items[*]}{.reason}: {.message}{'\\n'}{end}",
            ]);
            return /SuccessfulRescale: New size: 3; reason: Current number of replicas below Spec.MinReplicas/
              .test(events);
          }, 10_000);
        },
      );

      await t.step("an APIService without endpoints is unavailable and answers 503", async () => {
        const s = c.server;
        await s.requestOk("POST", "/api/v1/namespaces/kube-system/services", {
          apiVersion: "v1",
          kind: "Service",
          metadata: { name: "nothing" },
          spec: { ports: [{ name: "https", port: 443 }] },
        });
        await s.requestOk("POST", "/apis/apiregistration.k8s.io/v1/apiservices", {
          apiVersion: "apiregistration.k8s.io/v1",
          kind: "APIService",
          metadata: { name: "v1alpha1.nothing.example.com" },
          spec: {
            group: "nothing.example.com",
            version: "v1alpha1",
            service: { namespace: "kube-system", name: "nothing" },
            insecureSkipTLSVerify: true,
            groupPriorityMinimum: 100,
            versionPriority: 100,
          },
        });
        const api = await eventually("Available False", async () => {
          const a = await s.requestOk<KubeObject & Hpa>(
            "GET",
            "/apis/apiregistration.k8s.io/v1/apiservices/v1alpha1.nothing.example.com",
          );
          return condition(a, "Available") ? a : undefined;
        });
        assert.equal(condition(api, "Available"), "False/MissingEndpoints");
        const res = await s.request(
          "GET",
          "/apis/nothing.example.com/v1alpha1/namespaces/x/things",
        );
        assert.equal(res.status, 503);
        assert.equal(
          JSON.parse(res.body).message,
          "the server is currently unable to handle the request",
        );
        const got = await s.kubectl(["get", "--raw", "/apis/nothing.example.com/v1alpha1"]);
        assert.notEqual(got.code, 0);
        assert.match(got.stderr, /the server is currently unable to handle the request/);
        const out = await s.kubectlOk(["get", "apiservice", "v1alpha1.nothing.example.com"]);
        assert.match(out, /kube-system\/nothing\s+False \(MissingEndpoints\)/);
      });
      assert.equal(metrics.rejected, 0);
    } finally {
      await metrics.close();
      await c.close();
    }
  },
});

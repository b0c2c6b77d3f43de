// deno-lint-ignore-file no-explicit-any
/**
 * The built-in API groups beyond core, apps and batch, with the oldest and newest kubectl:
 * `api-resources` lists them all; ingresses, disruption budgets, storage and priority classes,
 * autoscalers (`kubectl autoscale`: autoscaling/v1 from the old kubectl, v2 from the new one)
 * and certificate signing requests (`kubectl certificate approve`) are created, listed and
 * described; the system priority classes and the local APIServices exist from the start.
 *
 * @module
 */
import assert from "node:assert/strict";
import { EC_P256, generateKeyPair } from "../server/pki/x509.ts";
import { x509 } from "../server/pki/x509_lib.ts";
import { kubectlSteps, parseTable, startServer } from "./harness.ts";

/** A fresh PKCS#10 request as `spec.request` carries it (base64 of the PEM). */
async function csrRequest(cn: string): Promise<string> {
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: `CN=${cn}`,
    keys: await generateKeyPair(),
    signingAlgorithm: EC_P256,
  });
  return btoa(csr.toString("pem"));
}

const GROUPS: [string, string][] = [
  ["ingresses", "networking.k8s.io/v1"],
  ["ingressclasses", "networking.k8s.io/v1"],
  ["networkpolicies", "networking.k8s.io/v1"],
  ["poddisruptionbudgets", "policy/v1"],
  ["storageclasses", "storage.k8s.io/v1"],
  ["csidrivers", "storage.k8s.io/v1"],
  ["csinodes", "storage.k8s.io/v1"],
  ["volumeattachments", "storage.k8s.io/v1"],
  ["priorityclasses", "scheduling.k8s.io/v1"],
  ["runtimeclasses", "node.k8s.io/v1"],
  ["certificatesigningrequests", "certificates.k8s.io/v1"],
  ["horizontalpodautoscalers", "autoscaling/v2"],
  ["mutatingwebhookconfigurations", "admissionregistration.k8s.io/v1"],
  ["validatingwebhookconfigurations", "admissionregistration.k8s.io/v1"],
  ["validatingadmissionpolicies", "admissionregistration.k8s.io/v1"],
  ["validatingadmissionpolicybindings", "admissionregistration.k8s.io/v1"],
  ["apiservices", "apiregistration.k8s.io/v1"],
  ["flowschemas", "flowcontrol.apiserver.k8s.io/v1"],
  ["prioritylevelconfigurations", "flowcontrol.apiserver.k8s.io/v1"],
];

Deno.test("kubectl works with the networking, policy, storage, scheduling, node, certificates, autoscaling, admission, apiregistration and flowcontrol groups", async (t) => {
  const server = await startServer();
  try {
    await kubectlSteps(t, server, "groups", async (k, t) => {
      const v = k.version.replace(".", "-");

      await t.step("api-resources lists every group", async () => {
        const { rows } = parseTable(await k.ok(["api-resources"]));
        const served = new Map(rows.map((r) => [r.NAME, r.APIVERSION]));
        for (const [name, apiVersion] of GROUPS) assert.equal(served.get(name), apiVersion, name);
        assert.equal(rows.find((r) => r.NAME === "priorityclasses")?.SHORTNAMES, "pc");
      });

      await t.step("ingress: create, get, describe", async () => {
        const out = await k.ok([
          "create",
          "ingress",
          "web",
          "--class=traefik",
          "--rule=foo.example.com/bar*=web:80",
          "--rule=secure.example.com/=web:https,tls=web-tls",
        ]);
        assert.equal(out, "ingress.networking.k8s.io/web created\n");
        const { headers, rows } = parseTable(await k.ok(["get", "ingress", "web"]));
        assert.deepEqual(headers, ["NAME", "CLASS", "HOSTS", "ADDRESS", "PORTS", "AGE"]);
        assert.deepEqual(
          [rows[0].NAME, rows[0].CLASS, rows[0].HOSTS, rows[0].PORTS],
          ["web", "traefik", "foo.example.com,secure.example.com", "80, 443"],
        );
        const described = await k.ok(["describe", "ingress", "web"]);
        assert.match(described, /Ingress Class:\s+traefik/);
        assert.match(described, /foo\.example\.com/);
        const bad = await k.run(["create", "ingress", "bad", "--rule=10.0.0.1/=web:80"]);
        assert.notEqual(bad.code, 0);
        assert.match(
          bad.stderr,
          /spec\.rules\[0\]\.host: Invalid value: "10\.0\.0\.1": must be a DNS name, not an IP address/,
        );
      });

      await t.step("poddisruptionbudget: create, get, describe, both bounds refused", async () => {
        const out = await k.ok(["create", "pdb", "web", "--selector=app=web", "--min-available=1"]);
        assert.equal(out, "poddisruptionbudget.policy/web created\n");
        const { headers, rows } = parseTable(await k.ok(["get", "pdb", "web"]));
        assert.deepEqual(headers, [
          "NAME",
          "MIN AVAILABLE",
          "MAX UNAVAILABLE",
          "ALLOWED DISRUPTIONS",
          "AGE",
        ]);
        assert.deepEqual(
          [rows[0]["MIN AVAILABLE"], rows[0]["MAX UNAVAILABLE"], rows[0]["ALLOWED DISRUPTIONS"]],
          ["1", "N/A", "0"],
        );
        assert.match(await k.ok(["describe", "pdb", "web"]), /Min available:\s+1/);
        const both = await k.run(["apply", "-f", "-"], {
          stdin: JSON.stringify({
            apiVersion: "policy/v1",
            kind: "PodDisruptionBudget",
            metadata: { name: "both" },
            spec: { minAvailable: 1, maxUnavailable: 1, selector: { matchLabels: { app: "web" } } },
          }),
        });
        assert.notEqual(both.code, 0);
        assert.match(both.stderr, /minAvailable and maxUnavailable cannot be both set/);
      });

      await t.step("storageclass: create, the default marked, parameters immutable", async () => {
        const name = `local-${v}`;
        const sc = {
          apiVersion: "storage.k8s.io/v1",
          kind: "StorageClass",
          metadata: {
            name,
            annotations: { "storageclass.kubernetes.io/is-default-class": "true" },
          },
          provisioner: "rancher.io/local-path",
          parameters: { path: "/data" },
          volumeBindingMode: "WaitForFirstConsumer",
        };
        await k.ok(["create", "-f", "-"], { stdin: JSON.stringify(sc) });
        const { headers, rows } = parseTable(await k.ok(["get", "storageclass", name]));
        assert.deepEqual(headers, [
          "NAME",
          "PROVISIONER",
          "RECLAIMPOLICY",
          "VOLUMEBINDINGMODE",
          "ALLOWVOLUMEEXPANSION",
          "AGE",
        ]);
        assert.deepEqual(
          [
            rows[0].NAME,
            rows[0].PROVISIONER,
            rows[0].RECLAIMPOLICY,
            rows[0].VOLUMEBINDINGMODE,
            rows[0].ALLOWVOLUMEEXPANSION,
          ],
          [`${name} (default)`, "rancher.io/local-path", "Delete", "WaitForFirstConsumer", "false"],
        );
        assert.match(await k.ok(["describe", "storageclass", name]), /IsDefaultClass:\s+Yes/);
        const changed = await k.run([
          "patch",
          "storageclass",
          name,
          "-p",
          '{"parameters":{"path":"/other"}}',
        ]);
        assert.notEqual(changed.code, 0);
        assert.match(
          changed.stderr,
          /parameters: Forbidden: updates to parameters are forbidden\./,
        );
      });

      await t.step("priorityclass: create, get, the system classes exist", async () => {
        const name = `high-${v}`;
        const out = await k.ok([
          "create",
          "priorityclass",
          name,
          "--value=1000",
          "--description=test",
        ]);
        assert.equal(out, `priorityclass.scheduling.k8s.io/${name} created\n`);
        const { headers, rows } = parseTable(await k.ok(["get", "priorityclasses"]));
        assert.deepEqual(headers, ["NAME", "VALUE", "GLOBAL-DEFAULT", "AGE", "PREEMPTIONPOLICY"]);
        const byName = new Map(rows.map((r) => [r.NAME, r]));
        assert.deepEqual(
          ["system-cluster-critical", "system-node-critical"].map((n) => byName.get(n)?.VALUE),
          ["2000000000", "2000001000"],
        );
        assert.deepEqual(
          [
            byName.get(name)?.VALUE,
            byName.get(name)?.["GLOBAL-DEFAULT"],
            byName.get(name)?.PREEMPTIONPOLICY,
          ],
          ["1000", "false", "PreemptLowerPriority"],
        );
        assert.match(await k.ok(["describe", "priorityclass", name]), /Value:\s+1000/);
        // One global default at a time (the Priority admission plugin sees every class).
        await k.ok(["create", "priorityclass", `default-${v}`, "--value=10", "--global-default"]);
        const second = await k.run([
          "create",
          "priorityclass",
          `other-${v}`,
          "--value=20",
          "--global-default",
        ]);
        assert.notEqual(second.code, 0);
        assert.match(
          second.stderr,
          new RegExp(`PriorityClass default-${v} is .*default. Only one default can exist`),
        );
        await k.ok(["delete", "priorityclass", `default-${v}`]);
        const reserved = await k.run(["create", "priorityclass", `system-${v}`, "--value=1"]);
        assert.notEqual(reserved.code, 0);
        assert.match(reserved.stderr, /prefix are reserved for system use only/);
      });

      await t.step("hpa: kubectl autoscale, get, describe", async () => {
        await k.ok(["create", "deployment", "web", "--image=busybox:1.36"]);
        // kubectl before 1.33 sends autoscaling/v1 (--cpu-percent), later ones autoscaling/v2.
        const old = Number(k.version.split(".")[1]) < 33;
        const out = await k.ok([
          "autoscale",
          "deployment",
          "web",
          "--min=2",
          "--max=5",
          old ? "--cpu-percent=60" : "--cpu=60%",
        ]);
        assert.equal(out, "horizontalpodautoscaler.autoscaling/web autoscaled\n");
        const { headers, rows } = parseTable(await k.ok(["get", "hpa", "web"]));
        assert.deepEqual(headers, [
          "NAME",
          "REFERENCE",
          "TARGETS",
          "MINPODS",
          "MAXPODS",
          "REPLICAS",
          "AGE",
        ]);
        assert.deepEqual(
          [rows[0].REFERENCE, rows[0].TARGETS, rows[0].MINPODS, rows[0].MAXPODS],
          ["Deployment/web", "cpu: <unknown>/60%", "2", "5"],
        );
        // The HPA controller is already at work: it reports the target's replicas (1 at first,
        // then the 2 of minReplicas), and no CPU figure, since no metrics API is registered.
        assert.match(rows[0].REPLICAS, /^[0-2]$/);
        const v1 = await server.requestOk<Record<string, any>>(
          "GET",
          `/apis/autoscaling/v1/namespaces/${k.namespace}/horizontalpodautoscalers/web`,
        );
        assert.equal(v1.spec.targetCPUUtilizationPercentage, 60);
        const described = await k.ok(["describe", "hpa", "web"]);
        assert.match(described, /Reference:\s+Deployment\/web/);
        assert.match(described, /Min replicas:\s+2/);
      });

      await t.step("csr: create, certificate approve, get", async () => {
        const name = `alice-${v}`;
        const csr = {
          apiVersion: "certificates.k8s.io/v1",
          kind: "CertificateSigningRequest",
          metadata: { name },
          spec: {
            request: await csrRequest(name),
            signerName: "kubernetes.io/kube-apiserver-client",
            usages: ["client auth"],
            expirationSeconds: 86400,
          },
        };
        await k.ok(["create", "-f", "-"], { stdin: JSON.stringify(csr) });
        const before = parseTable(await k.ok(["get", "csr", name]));
        assert.deepEqual(before.headers, [
          "NAME",
          "AGE",
          "SIGNERNAME",
          "REQUESTOR",
          "REQUESTEDDURATION",
          "CONDITION",
        ]);
        assert.deepEqual(
          [
            before.rows[0].SIGNERNAME,
            before.rows[0].REQUESTOR,
            before.rows[0].REQUESTEDDURATION,
            before.rows[0].CONDITION,
          ],
          ["kubernetes.io/kube-apiserver-client", "system:admin", "24h", "Pending"],
        );
        assert.equal(
          await k.ok(["certificate", "approve", name]),
          `certificatesigningrequest.certificates.k8s.io/${name} approved\n`,
        );
        const after = parseTable(await k.ok(["get", "csr", name]));
        assert.equal(after.rows[0].CONDITION, "Approved");
        // kubectl refuses to deny an approved request itself; the API refuses it too.
        const path = `/apis/certificates.k8s.io/v1/certificatesigningrequests/${name}`;
        const approved = await server.requestOk<Record<string, any>>("GET", path);
        approved.status.conditions.push({ type: "Denied", status: "True", reason: "Test" });
        const denied = await server.request("PUT", `${path}/approval`, {
          body: JSON.stringify(approved),
        });
        assert.equal(denied.status, 422);
        assert.match(denied.body, /Approved and Denied conditions are mutually exclusive/);
        assert.match(await k.ok(["describe", "csr", name]), /Approved/);
        const bad = await k.run(["create", "-f", "-"], {
          stdin: JSON.stringify({
            ...csr,
            metadata: { name: `bad-${v}` },
            spec: { ...csr.spec, request: btoa("nope") },
          }),
        });
        assert.notEqual(bad.code, 0);
        assert.match(
          bad.stderr,
          /spec\.request: Invalid value: .*PEM block type must be CERTIFICATE REQUEST/,
        );
      });

      await t.step("apiservices lists the local group-versions as available", async () => {
        const { headers, rows } = parseTable(await k.ok(["get", "apiservices"]));
        assert.deepEqual(headers, ["NAME", "SERVICE", "AVAILABLE", "AGE"]);
        const byName = new Map(rows.map((r) => [r.NAME, r]));
        for (
          const name of [
            "v1.",
            "v1.apps",
            "v2.autoscaling",
            "v1.autoscaling",
            "v1.networking.k8s.io",
            "v1.flowcontrol.apiserver.k8s.io",
          ]
        ) {
          assert.deepEqual([byName.get(name)?.SERVICE, byName.get(name)?.AVAILABLE], [
            "Local",
            "True",
          ], name);
        }
      });

      await t.step("flowcontrol: the bootstrap levels and schemas exist", async () => {
        const levels = parseTable(await k.ok(["get", "prioritylevelconfigurations"])).rows.map((
          r,
        ) => r.NAME);
        for (
          const name of [
            "exempt",
            "catch-all",
            "system",
            "node-high",
            "leader-election",
            "workload-high",
            "workload-low",
            "global-default",
          ]
        ) {
          assert.ok(levels.includes(name), name);
        }
        const schemas = parseTable(await k.ok(["get", "flowschemas"])).rows;
        assert.deepEqual(
          schemas.filter((r) => r.NAME === "catch-all").map((
            r,
          ) => [r.PRIORITYLEVEL, r.MATCHINGPRECEDENCE, r.MISSINGPL]),
          [["catch-all", "10000", "False"]],
        );
      });
    });
  } finally {
    await server.close();
  }
});

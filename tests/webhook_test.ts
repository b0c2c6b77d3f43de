/**
 * Admission webhooks end to end: a real `k3s server`, the real kubectl (oldest and newest), and
 * an HTTPS webhook server in this test on loopback with its own CA. A webhook that never answers
 * blocks writes under `failurePolicy: Fail` and not under `Ignore`; a mutating webhook's JSON
 * patch lands; a denying validating webhook's message reaches kubectl.
 *
 * Runs once the server serves admissionregistration.k8s.io.
 *
 * @module
 */
import assert from "node:assert/strict";
import { jsonPatch, testWebhookServer } from "../server/apiserver/admission/testing.ts";
import { fakeDeps } from "../server/apiserver/resources/core/testing.ts";
import { builtinResources } from "../server/apiserver/resources/mod.ts";
import { type K3sServer, kubectlSteps, type ScopedKubectl, startServer } from "./harness.ts";

const SERVED = builtinResources(fakeDeps()).some((d) =>
  d.group === "admissionregistration.k8s.io" && d.plural === "validatingwebhookconfigurations"
);

/** A configuration whose one webhook sees configmap creates in namespaces labelled `hooked`. */
function config(
  kind: "Mutating" | "Validating",
  name: string,
  url: string,
  caBundle: string,
  ns: string,
  failurePolicy = "Fail",
): string {
  return JSON.stringify({
    apiVersion: "admissionregistration.k8s.io/v1",
    kind: `${kind}WebhookConfiguration`,
    metadata: { name },
    webhooks: [{
      name: `${name}.example.com`,
      clientConfig: { url, caBundle },
      rules: [{
        operations: ["CREATE"],
        apiGroups: [""],
        apiVersions: ["v1"],
        resources: ["configmaps"],
      }],
      namespaceSelector: { matchLabels: { hooked: ns } },
      failurePolicy,
      timeoutSeconds: 2,
      sideEffects: "None",
      admissionReviewVersions: ["v1"],
    }],
  });
}

/** Creates configmaps until `done` says the (cached) configuration took effect. */
async function untilEffective(
  k: ScopedKubectl,
  prefix: string,
  done: (r: { code: number; stderr: string }, name: string) => Promise<boolean> | boolean,
): Promise<{ code: number; stderr: string; stdout: string; name: string }> {
  const deadline = Date.now() + 20_000;
  for (let i = 0;; i++) {
    const name = `${prefix}-${i}`;
    const r = await k.run(["create", "configmap", name]);
    if (await done(r, name)) return { ...r, name };
    if (Date.now() > deadline) {
      throw new Error(`webhook configuration never took effect: ${r.stderr}`);
    }
    await new Promise((res) => setTimeout(res, 100));
  }
}

Deno.test({
  name: "admission webhooks with the real kubectl",
  ignore: !SERVED,
  async fn(t) {
    const hook = await testWebhookServer((req) => {
      const obj = req.object as { metadata: { name: string }; data?: Record<string, string> };
      const path = obj.metadata.name;
      if (path.startsWith("hang-")) return "hang";
      if (obj.data?.forbidden) {
        return {
          allowed: false,
          status: { code: 403, reason: "Forbidden", message: "no forbidden keys" },
        };
      }
      if (path.startsWith("mut-")) {
        return {
          allowed: true,
          ...jsonPatch([{ op: "add", path: "/metadata/labels", value: { mutated: "yes" } }]),
        };
      }
      return { allowed: true };
    });
    const server: K3sServer = await startServer();
    try {
      await kubectlSteps(t, server, "hooks", async (k, t) => {
        const ns = k.namespace;
        await k.ok(["label", "namespace", ns, `hooked=${ns}`]);
        const apply = (json: string) => k.ok(["apply", "-f", "-"], { stdin: json });

        await t.step("a webhook that times out under Fail blocks the write", async () => {
          await apply(config("Validating", `${ns}-hang`, `${hook.url}/hang`, hook.caBundle, ns));
          const r = await untilEffective(k, "hang", (r) => r.code !== 0);
          assert.match(
            r.stderr,
            /Internal error occurred: failed calling webhook "[\w.-]+-hang\.example\.com": failed to call webhook: Post "https:\/\/127\.0\.0\.1:\d+\/hang\?timeout=2s": context deadline exceeded/,
          );
          assert.equal((await k.run(["get", "configmap", r.name])).code, 1, "not stored");
        });

        await t.step("under Ignore the same webhook does not block", async () => {
          await apply(
            config("Validating", `${ns}-hang`, `${hook.url}/hang`, hook.caBundle, ns, "Ignore"),
          );
          const r = await untilEffective(k, "hang-ignored", (r) => r.code === 0);
          assert.match(r.stdout, /configmap\/hang-ignored-\d+ created/);
          await k.ok(["delete", "validatingwebhookconfiguration", `${ns}-hang`]);
        });

        await t.step("a mutating webhook's JSON patch lands", async () => {
          await apply(config("Mutating", `${ns}-mutate`, `${hook.url}/mutate`, hook.caBundle, ns));
          await untilEffective(k, "mut", async (r, name) => {
            assert.equal(r.code, 0, r.stderr);
            const label = await k.ok([
              "get",
              "configmap",
              name,
              "-o",
              "jsonpath={.metadata.labels.mutated}",
            ]);
            return label === "yes";
          });
        });

        await t.step("a denying validating webhook's message reaches kubectl", async () => {
          await k.ok(["delete", "mutatingwebhookconfiguration", `${ns}-mutate`]);
          await apply(config("Validating", `${ns}-deny`, `${hook.url}/deny`, hook.caBundle, ns));
          const deadline = Date.now() + 20_000;
          let r;
          for (let i = 0;; i++) {
            r = await k.run(["create", "configmap", `deny-${i}`, "--from-literal=forbidden=1"]);
            if (r.code !== 0 || Date.now() > deadline) break;
            await new Promise((res) => setTimeout(res, 100));
          }
          assert.notEqual(r.code, 0);
          assert.match(
            r.stderr,
            /error: failed to create configmap: admission webhook "[\w.-]+-deny\.example\.com" denied the request: no forbidden keys/,
          );
        });
      });
    } finally {
      await server.close();
      await hook.close();
    }
  },
});

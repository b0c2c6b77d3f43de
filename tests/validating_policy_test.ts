/**
 * ValidatingAdmissionPolicy through real kubectl: a CEL policy bound with Deny refuses a
 * Deployment over the limit and lets one under it through; Warn turns the refusal into a warning;
 * a policy with a ConfigMap param reads its limit from the param, and a binding whose param is
 * missing denies (parameterNotFoundAction Deny) or allows (Allow).
 */
import assert from "node:assert/strict";
import { stringify } from "yaml";
import { type CommandResult, kubectlSteps, type ScopedKubectl, startServer } from "./harness.ts";

function deploymentObject(
  name: string,
  replicas: number,
  labels: Record<string, string> = {},
): Record<string, unknown> {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, labels: { app: name, ...labels } },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: "c", image: "busybox" }] },
      },
    },
  };
}

function deployment(name: string, replicas: number): string {
  return stringify(deploymentObject(name, replicas));
}

function policy(name: string, spec: Record<string, unknown>): Record<string, unknown> {
  return {
    apiVersion: "admissionregistration.k8s.io/v1",
    kind: "ValidatingAdmissionPolicy",
    metadata: { name },
    spec: {
      failurePolicy: "Fail",
      matchConstraints: {
        resourceRules: [{
          apiGroups: ["apps"],
          apiVersions: ["v1"],
          operations: ["CREATE", "UPDATE"],
          resources: ["deployments"],
        }],
      },
      ...spec,
    },
  };
}

function binding(
  name: string,
  policyName: string,
  namespace: string,
  extra: Record<string, unknown>,
): Record<string, unknown> {
  return {
    apiVersion: "admissionregistration.k8s.io/v1",
    kind: "ValidatingAdmissionPolicyBinding",
    metadata: { name },
    spec: {
      policyName,
      matchResources: {
        namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": namespace } },
      },
      ...extra,
    },
  };
}

/** Applies a server-side dry run until `done` says the policy is in effect (it is read from a cache). */
async function untilInEffect(
  k: ScopedKubectl,
  manifest: string,
  done: (r: CommandResult) => boolean,
): Promise<CommandResult> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const r = await k.run(["create", "--dry-run=server", "-f", "-"], { stdin: manifest });
    if (done(r) || Date.now() > deadline) return r;
    await new Promise((res) => setTimeout(res, 200));
  }
}

Deno.test({
  name: "kubectl: ValidatingAdmissionPolicy denies, warns, and reads params",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const server = await startServer();
    try {
      await kubectlSteps(t, server, "vap", async (k, t) => {
        const v = k.version.replace(".", "-");
        const apply = (o: unknown) => k.ok(["apply", "-f", "-"], { stdin: stringify(o) });

        await t.step("Deny: replicas over the limit are refused, under it admitted", async () => {
          await apply(policy(`max-replicas-${v}`, {
            validations: [{ expression: "object.spec.replicas <= 5" }],
          }));
          await apply(binding(`max-replicas-${v}`, `max-replicas-${v}`, k.namespace, {
            validationActions: ["Deny"],
          }));
          const refused = await untilInEffect(k, deployment("big", 6), (r) => r.code !== 0);
          assert.notEqual(refused.code, 0, refused.stdout);
          assert.match(
            refused.stderr,
            // kubectl words a 422 from its causes, as it does against upstream.
            new RegExp(
              `The deployments "big" is invalid: : ValidatingAdmissionPolicy 'max-replicas-${v}' with binding 'max-replicas-${v}' denied request: failed expression: object\\.spec\\.replicas <= 5`,
            ),
          );
          const raw = await server.request(
            "POST",
            `/apis/apps/v1/namespaces/${k.namespace}/deployments?dryRun=All`,
            { body: JSON.stringify(deploymentObject("big", 6)) },
          );
          assert.equal(raw.status, 422, raw.body);
          const status = JSON.parse(raw.body);
          assert.equal(status.reason, "Invalid");
          assert.equal(
            status.message,
            `deployments.apps "big" is forbidden: ValidatingAdmissionPolicy 'max-replicas-${v}' with binding 'max-replicas-${v}' denied request: failed expression: object.spec.replicas <= 5`,
          );
          const ok = await k.run(["create", "-f", "-"], { stdin: deployment("small", 3) });
          assert.equal(ok.code, 0, ok.stderr);
          const patched = await k.run([
            "patch",
            "deployment",
            "small",
            "-p",
            '{"spec":{"replicas":7}}',
          ]);
          assert.notEqual(patched.code, 0, "an update over the limit is refused too");
          assert.match(patched.stderr, /denied request: failed expression/);
        });

        await t.step("Warn: the request passes with a warning", async () => {
          await apply(policy(`warn-replicas-${v}`, {
            validations: [{
              expression: "object.spec.replicas <= 4",
              messageExpression: "'replicas ' + string(object.spec.replicas) + ' is over 4'",
            }],
          }));
          await apply(binding(`warn-replicas-${v}`, `warn-replicas-${v}`, k.namespace, {
            validationActions: ["Warn"],
          }));
          const warned = await untilInEffect(
            k,
            deployment("warned", 5),
            (r) => /Warning:/.test(r.stderr),
          );
          assert.equal(warned.code, 0, warned.stderr);
          assert.match(
            warned.stderr,
            new RegExp(
              `Warning: Validation failed for ValidatingAdmissionPolicy 'warn-replicas-${v}' with binding 'warn-replicas-${v}': replicas 5 is over 4`,
            ),
          );
        });

        await t.step("params: the limit comes from a ConfigMap, variables and reason", async () => {
          await k.ok(["create", "configmap", "limits", "--from-literal=max=2"]);
          await apply(policy(`param-replicas-${v}`, {
            paramKind: { apiVersion: "v1", kind: "ConfigMap" },
            variables: [{ name: "limit", expression: "int(params.data.max)" }],
            validations: [{
              expression: "object.spec.replicas <= variables.limit",
              message: "too many replicas for the param",
              reason: "Forbidden",
            }],
          }));
          await apply(binding(`param-replicas-${v}`, `param-replicas-${v}`, k.namespace, {
            paramRef: { name: "limits", parameterNotFoundAction: "Deny" },
            validationActions: ["Deny"],
          }));
          const refused = await untilInEffect(
            k,
            deployment("three", 3),
            (r) => /param-replicas/.test(r.stderr),
          );
          assert.match(
            refused.stderr,
            new RegExp(
              `\\(Forbidden\\).*ValidatingAdmissionPolicy 'param-replicas-${v}' with binding 'param-replicas-${v}' denied request: too many replicas for the param`,
            ),
          );
          const two = await k.run(["create", "--dry-run=server", "-f", "-"], {
            stdin: deployment("two", 2),
          });
          assert.equal(two.code, 0, two.stderr);

          await k.ok(["delete", "configmap", "limits"]);
          const missing = await untilInEffect(
            k,
            deployment("two", 2),
            (r) => /no params found/.test(r.stderr),
          );
          assert.match(
            missing.stderr,
            /denied request: failed to configure binding: no params found for policy binding with `Deny` parameterNotFoundAction/,
          );
          await apply(binding(`param-replicas-${v}`, `param-replicas-${v}`, k.namespace, {
            paramRef: { name: "limits", parameterNotFoundAction: "Allow" },
            validationActions: ["Deny"],
          }));
          const allowed = await untilInEffect(k, deployment("two", 2), (r) => r.code === 0);
          assert.equal(allowed.code, 0, allowed.stderr);
        });

        await t.step("matchConditions and excluded requests are not evaluated", async () => {
          await apply(policy(`labelled-${v}`, {
            matchConditions: [{
              name: "only-strict",
              expression: "has(object.metadata.labels) && 'strict' in object.metadata.labels",
            }],
            validations: [{ expression: "object.spec.replicas <= 1", message: "strict: one" }],
          }));
          await apply(binding(`labelled-${v}`, `labelled-${v}`, k.namespace, {
            validationActions: ["Deny"],
          }));
          const strict = stringify(deploymentObject("strict", 2, { strict: "enabled" }));
          const refused = await untilInEffect(k, strict, (r) => /strict: one/.test(r.stderr));
          assert.match(refused.stderr, /denied request: strict: one/);
          const plain = await k.run(["create", "--dry-run=server", "-f", "-"], {
            stdin: deployment("plain", 2),
          });
          assert.equal(plain.code, 0, plain.stderr);
        });
      });
    } finally {
      await server.close();
    }
  },
});

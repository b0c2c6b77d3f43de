import assert from "node:assert/strict";
import { type AdmissionTestServer, admissionTestServer } from "./testing.ts";

const VAP = "/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicies";
const BINDINGS = "/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicybindings";

function configMapRule(extra: Record<string, unknown> = {}) {
  return {
    apiGroups: [""],
    apiVersions: ["v1"],
    operations: ["CREATE", "UPDATE"],
    resources: ["configmaps"],
    ...extra,
  };
}

async function policy(
  s: AdmissionTestServer,
  name: string,
  spec: Record<string, unknown>,
  binding: Record<string, unknown> = {},
) {
  await s.ok("POST", VAP, {
    metadata: { name },
    spec: { matchConstraints: { resourceRules: [configMapRule()] }, ...spec },
  });
  await s.ok("POST", BINDINGS, {
    metadata: { name },
    spec: { policyName: name, validationActions: ["Deny"], ...binding },
  });
}

/** Creates configmaps until the answer's status is `want` (policies are read from a cache). */
async function createUntil(
  s: AdmissionTestServer,
  ns: string,
  body: Record<string, unknown>,
  want: number,
): Promise<Record<string, unknown>> {
  const deadline = Date.now() + 10_000;
  for (let i = 0;; i++) {
    const meta = body.metadata as Record<string, unknown>;
    const res = await s.call("POST", `/api/v1/namespaces/${ns}/configmaps?dryRun=All`, {
      ...body,
      metadata: { ...meta, name: `${meta.name}` },
    });
    const out = await res.json();
    if (res.status === want) return out;
    if (Date.now() > deadline) {
      throw new Error(`expected ${want}, got ${res.status}: ${JSON.stringify(out)}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

Deno.test("ValidatingAdmissionPolicy: an erroring expression denies under Fail, not under Ignore", async () => {
  const s = await admissionTestServer();
  try {
    await s.namespace("a");
    await policy(s, "fail", {
      failurePolicy: "Fail",
      validations: [{ expression: "object.data.missing == 'x'" }],
    });
    const denied = await createUntil(s, "a", { metadata: { name: "c" }, data: { k: "v" } }, 422);
    assert.match(
      String(denied.message),
      /^configmaps "c" is forbidden: ValidatingAdmissionPolicy 'fail' with binding 'fail' denied request: expression 'object.data.missing == 'x'' resulted in error: /,
    );
    await s.ok("DELETE", `${BINDINGS}/fail`);
    await policy(s, "ignore", {
      failurePolicy: "Ignore",
      validations: [{ expression: "object.data.missing == 'x'" }],
    });
    await createUntil(s, "a", { metadata: { name: "c" }, data: { k: "v" } }, 201);
  } finally {
    await s.close();
  }
});

Deno.test("ValidatingAdmissionPolicy: params by selector, each evaluated; resourceNames and excludes", async () => {
  const s = await admissionTestServer();
  try {
    await s.namespace("p");
    for (const [name, value] of [["one", "alpha"], ["two", "beta"]]) {
      await s.ok("POST", "/api/v1/namespaces/p/configmaps", {
        metadata: { name, labels: { role: "forbidden-values" } },
        data: { value },
      });
    }
    await policy(
      s,
      "values",
      {
        paramKind: { apiVersion: "v1", kind: "ConfigMap" },
        matchConstraints: {
          resourceRules: [configMapRule()],
          excludeResourceRules: [configMapRule({ resourceNames: ["exempt"] })],
        },
        validations: [{
          expression: "!has(object.data) || !('value' in object.data) || " +
            "object.data.value != params.data.value",
          messageExpression: "'value ' + params.data.value + ' is forbidden'",
        }],
      },
      {
        paramRef: {
          selector: { matchLabels: { role: "forbidden-values" } },
          parameterNotFoundAction: "Deny",
        },
      },
    );
    const beta = await createUntil(
      s,
      "p",
      { metadata: { name: "x" }, data: { value: "beta" } },
      422,
    );
    assert.match(String(beta.message), /denied request: value beta is forbidden$/);
    const alpha = await createUntil(
      s,
      "p",
      { metadata: { name: "y" }, data: { value: "alpha" } },
      422,
    );
    assert.match(String(alpha.message), /value alpha is forbidden$/);
    await createUntil(s, "p", { metadata: { name: "z" }, data: { value: "gamma" } }, 201);
    await createUntil(s, "p", { metadata: { name: "exempt" }, data: { value: "beta" } }, 201);
  } finally {
    await s.close();
  }
});

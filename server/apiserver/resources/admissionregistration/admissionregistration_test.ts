// deno-lint-ignore-file no-explicit-any
import assert from "node:assert/strict";
import type { KubeObject } from "../../../../kube/meta.ts";
import { cells, create, fieldsOf } from "../apps/testing.ts";
import {
  mutatingWebhookConfigurations as mutating,
  validatingAdmissionPolicies as policies,
  validatingAdmissionPolicyBindings as bindings,
  validatingWebhookConfigurations as validating,
} from "./mod.ts";

const rule = { operations: ["CREATE"], apiGroups: [""], apiVersions: ["v1"], resources: ["pods"] };

function config(webhooks: Record<string, unknown>[]): KubeObject {
  return { metadata: { name: "hooks" }, webhooks };
}

const hook = {
  name: "pods.policy.example.com",
  clientConfig: { service: { namespace: "system", name: "webhook" } },
  rules: [rule],
  sideEffects: "None",
  admissionReviewVersions: ["v1"],
};

Deno.test("webhook configurations: upstream's v1 defaults and the Webhooks column", async () => {
  const { obj, errors } = await create(mutating, config([hook]));
  assert.deepStrictEqual(errors, []);
  const w = (obj.webhooks as Record<string, any>[])[0];
  assert.deepStrictEqual(
    [
      w.failurePolicy,
      w.matchPolicy,
      w.namespaceSelector,
      w.objectSelector,
      w.timeoutSeconds,
      w.reinvocationPolicy,
    ],
    ["Fail", "Equivalent", {}, {}, 10, "Never"],
  );
  assert.equal(w.clientConfig.service.port, 443);
  assert.equal(w.rules[0].scope, "*");
  assert.deepStrictEqual(cells(mutating, obj), { Webhooks: 1, Age: "0s" });
  const v = (await create(validating, config([hook]))).obj;
  assert.equal((v.webhooks as Record<string, unknown>[])[0].reinvocationPolicy, undefined);
});

Deno.test("webhook configurations: names, side effects, review versions, client config and rules are validated", async () => {
  const { errors } = await create(
    validating,
    config([
      hook,
      {
        name: "short.name",
        clientConfig: {
          url: "http://example.com/hook?x=1",
          service: { namespace: "a", name: "b" },
        },
        rules: [{
          operations: ["CREATE", "*"],
          apiGroups: [],
          apiVersions: ["v1"],
          resources: ["pods"],
          scope: "Global",
        }],
        timeoutSeconds: 31,
      },
      { ...hook, clientConfig: { url: "http://example.com/hook" } },
    ]),
  );
  assert.deepStrictEqual(fieldsOf(errors), [
    "FieldValueInvalid webhooks[1].name",
    "FieldValueInvalid webhooks[1].rules[0].operations",
    "FieldValueRequired webhooks[1].rules[0].apiGroups",
    "FieldValueNotSupported webhooks[1].rules[0].scope",
    "FieldValueRequired webhooks[1].sideEffects",
    "FieldValueInvalid webhooks[1].timeoutSeconds",
    "FieldValueRequired webhooks[1].admissionReviewVersions",
    "FieldValueRequired webhooks[1].clientConfig",
    "FieldValueDuplicate webhooks[2].name",
    "FieldValueInvalid webhooks[2].clientConfig.url",
  ]);
  assert.equal(errors[4].detail, "must specify one of None, NoneOnDryRun");
  assert.equal(errors[5].detail, "the timeout value must be between 1 and 30 seconds");
  assert.equal(errors[6].detail, "must specify one of v1, v1beta1");
  assert.equal(errors[7].detail, "exactly one of url or service is required");
  assert.equal(errors[9].detail, "'https' is the only allowed URL scheme");
});

Deno.test("validating admission policies: defaults, validation and columns", async () => {
  const policy = {
    metadata: { name: "replicas" },
    spec: {
      paramKind: { apiVersion: "v1", kind: "ConfigMap" },
      matchConstraints: {
        resourceRules: [{ ...rule, apiGroups: ["apps"], resources: ["deployments"] }],
      },
      validations: [{ expression: "object.spec.replicas <= 5" }],
    },
  };
  const { obj, errors } = await create(policies, policy);
  assert.deepStrictEqual(errors, []);
  const spec = obj.spec as Record<string, any>;
  assert.equal(spec.failurePolicy, "Fail");
  assert.deepStrictEqual(
    [
      spec.matchConstraints.matchPolicy,
      spec.matchConstraints.namespaceSelector,
      spec.matchConstraints.resourceRules[0].scope,
    ],
    ["Equivalent", {}, "*"],
  );
  assert.deepStrictEqual(obj.status, {});
  assert.deepStrictEqual(cells(policies, obj), {
    Validations: 1,
    ParamKind: "v1/ConfigMap",
    Age: "0s",
  });
  const bad = await create(policies, { metadata: { name: "x" }, spec: { failurePolicy: "Maybe" } });
  assert.deepStrictEqual(fieldsOf(bad.errors), [
    "FieldValueRequired spec.matchConstraints",
    "FieldValueRequired spec.validations",
    "FieldValueNotSupported spec.failurePolicy",
  ]);
});

Deno.test("validating admission policy bindings: actions and param refs are validated", async () => {
  const { obj, errors } = await create(bindings, {
    metadata: { name: "replicas-binding" },
    spec: {
      policyName: "replicas",
      validationActions: ["Deny"],
      paramRef: { name: "limits", namespace: "default", parameterNotFoundAction: "Deny" },
    },
  });
  assert.deepStrictEqual(errors, []);
  assert.deepStrictEqual(cells(bindings, obj), {
    PolicyName: "replicas",
    ParamRef: "default/limits",
    Age: "0s",
  });
  const bad = await create(bindings, {
    metadata: { name: "x" },
    spec: { validationActions: ["Deny", "Warn"], paramRef: { name: "a", selector: {} } },
  });
  assert.deepStrictEqual(fieldsOf(bad.errors), [
    "FieldValueRequired spec.policyName",
    "FieldValueForbidden spec.paramRef.name",
    "FieldValueRequired spec.paramRef.parameterNotFoundAction",
    "FieldValueInvalid spec.validationActions",
  ]);
});

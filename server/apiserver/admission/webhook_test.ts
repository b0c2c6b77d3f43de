// deno-lint-ignore-file no-explicit-any
import assert from "node:assert/strict";
import {
  admissionTestServer,
  jsonPatch,
  testWebhookServer,
  WEBHOOK_CONFIG_DEFS,
} from "./testing.ts";

const WEBHOOKS = "/apis/admissionregistration.k8s.io/v1";

function webhookConfig(
  kind: "mutating" | "validating",
  name: string,
  hook: Record<string, unknown>,
) {
  return {
    metadata: { name },
    webhooks: [{
      name: `${name}.example.com`,
      admissionReviewVersions: ["v1"],
      sideEffects: "None",
      rules: [{
        operations: ["CREATE"],
        apiGroups: [""],
        apiVersions: ["v1"],
        resources: ["configmaps"],
      }],
      ...hook,
    }],
    kind: kind === "mutating" ? "MutatingWebhookConfiguration" : "ValidatingWebhookConfiguration",
  };
}

async function configure(
  s: Awaited<ReturnType<typeof admissionTestServer>>,
  kind: "mutating" | "validating",
  body: unknown,
) {
  await s.ok("POST", `${WEBHOOKS}/${kind}webhookconfigurations`, body);
  // Configurations are read from the watch cache; wait until it has this one.
  const store = s.registry.store("admissionregistration.k8s.io", `${kind}webhookconfigurations`);
  await store.list("");
}

Deno.test("webhooks: a mutating patch lands, a validating denial is returned, warnings pass", async () => {
  const s = await admissionTestServer({ extraDefs: WEBHOOK_CONFIG_DEFS });
  const hook = await testWebhookServer((req) => {
    const obj = req.object as any;
    if (req.operation !== "CREATE") return { allowed: true };
    if (obj.data?.forbidden) {
      return {
        allowed: false,
        status: { code: 403, message: "no forbidden keys", reason: "Forbidden" },
      };
    }
    if (obj.metadata.labels?.mutated) return { allowed: true, warnings: ["looked at it"] };
    return {
      allowed: true,
      ...jsonPatch([{ op: "add", path: "/metadata/labels", value: { mutated: "yes" } }]),
    };
  });
  try {
    await s.namespace("w");
    await configure(
      s,
      "mutating",
      webhookConfig("mutating", "label", {
        clientConfig: { url: `${hook.url}/mutate`, caBundle: hook.caBundle },
      }),
    );
    await configure(
      s,
      "validating",
      webhookConfig("validating", "deny", {
        clientConfig: { url: `${hook.url}/validate`, caBundle: hook.caBundle },
      }),
    );
    const res = await s.call("POST", "/api/v1/namespaces/w/configmaps", {
      metadata: { name: "a" },
    });
    assert.equal(res.status, 201);
    assert.deepEqual((await res.json()).metadata.labels, { mutated: "yes" });
    assert.equal(res.headers.get("warning"), '299 - "looked at it"');
    const review = hook.requests[0] as any;
    assert.equal(review.operation, "CREATE");
    assert.deepEqual(review.resource, { group: "", version: "v1", resource: "configmaps" });
    assert.equal(review.namespace, "w");
    assert.equal(review.userInfo.username, "system:admin");
    assert.equal(hook.requests.length, 2, "the validating webhook saw the mutated object");

    const denied = await s.call("POST", "/api/v1/namespaces/w/configmaps", {
      metadata: { name: "b" },
      data: { forbidden: "1" },
    });
    assert.equal(denied.status, 403);
    const status = await denied.json();
    assert.equal(
      status.message,
      'admission webhook "label.example.com" denied the request: no forbidden keys',
    );
    assert.equal(status.reason, "Forbidden");
    // Objects outside the rules are not sent.
    const before = hook.requests.length;
    await s.ok("POST", "/api/v1/namespaces/w/secrets", { metadata: { name: "s" } });
    assert.equal(hook.requests.length, before);
  } finally {
    await hook.close();
    await s.close();
  }
});

Deno.test("webhooks: a hanging webhook fails the write under Fail, not under Ignore", async () => {
  const s = await admissionTestServer({ extraDefs: WEBHOOK_CONFIG_DEFS });
  const hook = await testWebhookServer(() => "hang");
  try {
    await s.namespace("slow");
    await configure(
      s,
      "validating",
      webhookConfig("validating", "slow", {
        clientConfig: { url: hook.url, caBundle: hook.caBundle },
        timeoutSeconds: 1,
        failurePolicy: "Ignore",
      }),
    );
    let res = await s.call("POST", "/api/v1/namespaces/slow/configmaps", {
      metadata: { name: "a" },
    });
    assert.equal(res.status, 201);
    const config = await s.ok("GET", `${WEBHOOKS}/validatingwebhookconfigurations/slow`) as any;
    config.webhooks[0].failurePolicy = "Fail";
    await s.ok("PUT", `${WEBHOOKS}/validatingwebhookconfigurations/slow`, config);
    await s.registry.store("admissionregistration.k8s.io", "validatingwebhookconfigurations").list(
      "",
    );
    const started = Date.now();
    res = await s.call("POST", "/api/v1/namespaces/slow/configmaps", { metadata: { name: "b" } });
    assert.equal(res.status, 500);
    assert.equal(
      (await res.json()).message,
      `Internal error occurred: failed calling webhook "slow.example.com": failed to call webhook: Post "${hook.url}/?timeout=1s": context deadline exceeded`,
    );
    assert.ok(Date.now() - started >= 900, "waited for the timeout");
    assert.equal((await s.call("GET", "/api/v1/namespaces/slow/configmaps/b")).status, 404);
  } finally {
    await hook.close();
    await s.close();
  }
});

Deno.test("webhooks: a certificate from another CA is refused", async () => {
  const s = await admissionTestServer({ extraDefs: WEBHOOK_CONFIG_DEFS });
  const hook = await testWebhookServer(() => ({ allowed: true }));
  const other = await testWebhookServer(() => ({ allowed: true }));
  try {
    await s.namespace("tls");
    await configure(
      s,
      "validating",
      webhookConfig("validating", "tls", {
        clientConfig: { url: hook.url, caBundle: other.caBundle },
      }),
    );
    const res = await s.call("POST", "/api/v1/namespaces/tls/configmaps", {
      metadata: { name: "a" },
    });
    assert.equal(res.status, 500);
    assert.match(
      (await res.json()).message,
      /failed calling webhook "tls.example.com": failed to call webhook/,
    );
    assert.equal(hook.requests.length, 0);
  } finally {
    await other.close();
    await hook.close();
    await s.close();
  }
});

Deno.test("webhooks: selectors and match conditions decide which requests are sent", async () => {
  const s = await admissionTestServer({ extraDefs: WEBHOOK_CONFIG_DEFS });
  const hook = await testWebhookServer(() => ({ allowed: false, status: { message: "seen" } }));
  try {
    await s.namespace("in", { team: "a" });
    await s.namespace("out", { team: "b" });
    await configure(
      s,
      "validating",
      webhookConfig("validating", "picky", {
        clientConfig: { url: hook.url, caBundle: hook.caBundle },
        namespaceSelector: { matchLabels: { team: "a" } },
        objectSelector: { matchExpressions: [{ key: "skip", operator: "DoesNotExist" }] },
        matchConditions: [{
          name: "not-kube",
          expression: "!object.metadata.name.startsWith('kube-')",
        }],
      }),
    );
    const create = (ns: string, name: string, labels?: Record<string, string>) =>
      s.call("POST", `/api/v1/namespaces/${ns}/configmaps`, { metadata: { name, labels } });
    const res = await create("in", "a");
    assert.equal(res.status, 400);
    assert.equal(
      (await res.json()).message,
      'admission webhook "picky.example.com" denied the request: seen',
    );
    assert.equal((await create("out", "a")).status, 201);
    assert.equal((await create("in", "b", { skip: "1" })).status, 201);
    assert.equal((await create("in", "kube-c")).status, 201);
    assert.equal(hook.requests.length, 1);
  } finally {
    await hook.close();
    await s.close();
  }
});

// deno-lint-ignore-file no-explicit-any
import assert from "node:assert/strict";
import { admissionTestServer } from "./testing.ts";

const pod = (name: string, spec: Record<string, unknown> = {}) => ({
  metadata: { name },
  spec: { containers: [{ name: "c", image: "busybox" }], ...spec },
});

Deno.test("DefaultTolerationSeconds adds not-ready and unreachable tolerations unless tolerated", async () => {
  const s = await admissionTestServer();
  try {
    await s.namespace("t");
    const a = await s.ok("POST", "/api/v1/namespaces/t/pods", pod("a")) as any;
    assert.deepEqual(a.spec.tolerations, [
      {
        key: "node.kubernetes.io/not-ready",
        operator: "Exists",
        effect: "NoExecute",
        tolerationSeconds: 300,
      },
      {
        key: "node.kubernetes.io/unreachable",
        operator: "Exists",
        effect: "NoExecute",
        tolerationSeconds: 300,
      },
    ]);
    const own = {
      key: "node.kubernetes.io/unreachable",
      operator: "Exists",
      effect: "NoExecute",
      tolerationSeconds: 5,
    };
    const b = await s.ok(
      "POST",
      "/api/v1/namespaces/t/pods",
      pod("b", { tolerations: [own] }),
    ) as any;
    assert.deepEqual(b.spec.tolerations.map((t: any) => [t.key, t.tolerationSeconds]), [
      ["node.kubernetes.io/unreachable", 5],
      ["node.kubernetes.io/not-ready", 300],
    ]);
  } finally {
    await s.close();
  }
});

Deno.test("Priority resolves the built-in classes and refuses a conflicting priority", async () => {
  const s = await admissionTestServer();
  try {
    await s.namespace("p");
    const critical = await s.ok(
      "POST",
      "/api/v1/namespaces/p/pods",
      pod("crit", {
        priorityClassName: "system-cluster-critical",
      }),
    ) as any;
    assert.equal(critical.spec.priority, 2000000000);
    assert.equal(critical.spec.preemptionPolicy, "PreemptLowerPriority");
    const plain = await s.ok("POST", "/api/v1/namespaces/p/pods", pod("plain")) as any;
    assert.equal(plain.spec.priority, 0);
    const res = await s.call(
      "POST",
      "/api/v1/namespaces/p/pods",
      pod("liar", {
        priorityClassName: "system-node-critical",
        priority: 5,
      }),
    );
    assert.equal(res.status, 403);
    assert.equal(
      (await res.json()).message,
      'pods "liar" is forbidden: the integer value of priority (5) must not be provided in pod spec; priority admission controller computed 2000001000 from the given PriorityClass name',
    );
  } finally {
    await s.close();
  }
});

Deno.test("Priority applies a class's value and preemption policy, and the global default", async () => {
  const s = await admissionTestServer();
  try {
    await s.namespace("p");
    const classes = "/apis/scheduling.k8s.io/v1/priorityclasses";
    await s.ok("POST", classes, {
      metadata: { name: "batch" },
      value: 10,
      preemptionPolicy: "Never",
    });
    await s.ok("POST", classes, { metadata: { name: "everyone" }, value: 7, globalDefault: true });
    const res = await s.call("POST", classes, {
      metadata: { name: "another" },
      value: 8,
      globalDefault: true,
    });
    assert.equal(res.status, 403);
    assert.match(
      (await res.json()).message,
      /PriorityClass everyone is marked as default\. Only one default can exist/,
    );
    const batch = await s.ok(
      "POST",
      "/api/v1/namespaces/p/pods",
      pod("b", {
        priorityClassName: "batch",
      }),
    ) as any;
    assert.equal(batch.spec.priority, 10);
    assert.equal(batch.spec.preemptionPolicy, "Never");
    const plain = await s.ok("POST", "/api/v1/namespaces/p/pods", pod("plain")) as any;
    assert.equal(plain.spec.priorityClassName, "everyone");
    assert.equal(plain.spec.priority, 7);
    const missing = await s.call(
      "POST",
      "/api/v1/namespaces/p/pods",
      pod("m", {
        priorityClassName: "nope",
      }),
    );
    assert.equal(
      (await missing.json()).message,
      'pods "m" is forbidden: no PriorityClass with name nope was found',
    );
  } finally {
    await s.close();
  }
});

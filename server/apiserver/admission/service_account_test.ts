// deno-lint-ignore-file no-explicit-any
import assert from "node:assert/strict";
import { admissionTestServer } from "./testing.ts";

const pod = (name: string, spec: Record<string, unknown> = {}) => ({
  metadata: { name },
  spec: { containers: [{ name: "c", image: "busybox" }], ...spec },
});

Deno.test("ServiceAccount admission mounts a projected token volume in every container", async () => {
  const s = await admissionTestServer();
  try {
    await s.namespace("sa");
    const created = await s.ok(
      "POST",
      "/api/v1/namespaces/sa/pods",
      pod("p", {
        initContainers: [{ name: "init", image: "busybox" }],
      }),
    );
    const spec = created.spec as Record<string, any>;
    assert.equal(spec.serviceAccountName, "default");
    const volume = spec.volumes.find((v: any) => v.name.startsWith("kube-api-access-"));
    assert.match(volume.name, /^kube-api-access-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    assert.deepEqual(volume.projected.sources[0], {
      serviceAccountToken: { expirationSeconds: 3607, path: "token" },
    });
    assert.equal(volume.projected.sources[1].configMap.name, "kube-root-ca.crt");
    assert.equal(
      volume.projected.sources[2].downwardAPI.items[0].fieldRef.fieldPath,
      "metadata.namespace",
    );
    for (const c of [...spec.initContainers, ...spec.containers]) {
      assert.deepEqual(c.volumeMounts, [{
        name: volume.name,
        readOnly: true,
        mountPath: "/var/run/secrets/kubernetes.io/serviceaccount",
      }]);
    }
  } finally {
    await s.close();
  }
});

Deno.test("ServiceAccount admission honours automountServiceAccountToken: false", async () => {
  const s = await admissionTestServer();
  try {
    await s.namespace("sa");
    const a = await s.ok(
      "POST",
      "/api/v1/namespaces/sa/pods",
      pod("a", {
        automountServiceAccountToken: false,
      }),
    );
    assert.equal((a.spec as any).volumes, undefined);
    await s.ok("POST", "/api/v1/namespaces/sa/serviceaccounts", {
      metadata: { name: "quiet" },
      automountServiceAccountToken: false,
      imagePullSecrets: [{ name: "regcred" }],
    });
    const b = await s.ok(
      "POST",
      "/api/v1/namespaces/sa/pods",
      pod("b", {
        serviceAccountName: "quiet",
      }),
    );
    assert.equal((b.spec as any).volumes, undefined);
    assert.deepEqual((b.spec as any).imagePullSecrets, [{ name: "regcred" }]);
  } finally {
    await s.close();
  }
});

Deno.test("ServiceAccount admission refuses a pod whose service account does not exist", async () => {
  const s = await admissionTestServer();
  try {
    await s.ok("POST", "/api/v1/namespaces", { metadata: { name: "nosa" } });
    const res = await s.call("POST", "/api/v1/namespaces/nosa/pods", pod("p"));
    assert.equal(res.status, 403);
    const status = await res.json();
    assert.equal(
      status.message,
      'pods "p" is forbidden: error looking up service account nosa/default: serviceaccount "default" not found',
    );
    const other = await s.call(
      "POST",
      "/api/v1/namespaces/nosa/pods",
      pod("q", {
        serviceAccountName: "builder",
      }),
    );
    assert.match(
      (await other.json()).message,
      /service account nosa\/builder: serviceaccount "builder" not found/,
    );
  } finally {
    await s.close();
  }
});

Deno.test("ServiceAccount admission waits for a default account created just after the pod", async () => {
  const s = await admissionTestServer({ serviceAccount: { retryDelayMs: 20 } });
  try {
    await s.ok("POST", "/api/v1/namespaces", { metadata: { name: "late" } });
    const creating = s.call("POST", "/api/v1/namespaces/late/pods", pod("p"));
    await new Promise((r) => setTimeout(r, 30));
    await s.ok("POST", "/api/v1/namespaces/late/serviceaccounts", {
      metadata: { name: "default" },
    });
    assert.equal((await creating).status, 201);
  } finally {
    await s.close();
  }
});

Deno.test("ServiceAccount admission may admit a missing default account when told to", async () => {
  const s = await admissionTestServer({ serviceAccount: { allowMissingDefault: true } });
  try {
    await s.ok("POST", "/api/v1/namespaces", { metadata: { name: "bare" } });
    const created = await s.ok("POST", "/api/v1/namespaces/bare/pods", pod("p")) as any;
    assert.equal(created.spec.serviceAccountName, "default");
    assert.ok(created.spec.volumes[0].name.startsWith("kube-api-access-"));
    const named = await s.call(
      "POST",
      "/api/v1/namespaces/bare/pods",
      pod("q", {
        serviceAccountName: "builder",
      }),
    );
    assert.equal(named.status, 403);
  } finally {
    await s.close();
  }
});

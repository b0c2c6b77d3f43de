// deno-lint-ignore-file no-explicit-any
import assert from "node:assert/strict";
import { evaluatePod, forbiddenDetail } from "./pod_security_checks.ts";
import { policyFromLabels } from "./pod_security_policy.ts";
import { admissionTestServer } from "./testing.ts";

const plain = { containers: [{ name: "c", image: "busybox" }] };

Deno.test("restricted checks a plain pod as upstream words it", () => {
  assert.equal(
    forbiddenDetail(evaluatePod("restricted", 33, {}, plain)),
    'allowPrivilegeEscalation != false (container "c" must set securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (container "c" must set securityContext.capabilities.drop=["ALL"]), runAsNonRoot != true (pod or container "c" must set securityContext.runAsNonRoot=true), seccompProfile (pod or container "c" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")',
  );
  const hardened = {
    securityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
    containers: [{
      name: "c",
      securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
    }],
  };
  assert.equal(forbiddenDetail(evaluatePod("restricted", 33, {}, hardened)), "");
});

Deno.test("baseline checks host access, privileges, volumes, sysctls by version", () => {
  const spec = {
    hostNetwork: true,
    hostPID: true,
    securityContext: { sysctls: [{ name: "net.ipv4.tcp_rmem" }, { name: "kernel.msgmax" }] },
    volumes: [{ name: "root", hostPath: { path: "/" } }],
    containers: [
      {
        name: "a",
        ports: [{ containerPort: 80, hostPort: 8080 }],
        securityContext: { privileged: true, capabilities: { add: ["NET_ADMIN", "CHOWN"] } },
      },
      {
        name: "b",
        securityContext: { procMount: "Unmasked", seLinuxOptions: { type: "spc_t", user: "u" } },
      },
    ],
  };
  assert.equal(
    forbiddenDetail(evaluatePod("baseline", 33, {}, spec)),
    'non-default capabilities (container "a" must not include "NET_ADMIN" in securityContext.capabilities.add), host namespaces (hostNetwork=true, hostPID=true), hostPath volumes (volume "root"), hostPort (container "a" uses hostPort 8080), privileged (container "a" must not set securityContext.privileged=true), procMount (container "b" must not set securityContext.procMount to "Unmasked"), seLinuxOptions (container "b" set forbidden securityContext.seLinuxOptions: type "spc_t"; user may not be set), forbidden sysctls (kernel.msgmax)',
  );
  // tcp_rmem became safe in 1.32.
  assert.match(
    forbiddenDetail(evaluatePod("baseline", 31, {}, spec)),
    /forbidden sysctls \(net\.ipv4\.tcp_rmem, kernel\.msgmax\)/,
  );
  // restricted replaces hostPath volumes with the volume type check.
  assert.match(
    forbiddenDetail(evaluatePod("restricted", 33, {}, spec)),
    /restricted volume types \(volume "root" uses restricted volume type "hostPath"\)/,
  );
  assert.deepEqual(evaluatePod("privileged", 33, {}, spec), []);
});

Deno.test("namespace labels: malformed enforce fails closed, warn follows a stricter enforce", () => {
  let r = policyFromLabels({ "pod-security.kubernetes.io/enforce": "strict" });
  assert.equal(r.policy.enforce.level, "restricted");
  assert.equal(r.errors[0].field, "metadata.labels[pod-security.kubernetes.io/enforce]");
  r = policyFromLabels({
    "pod-security.kubernetes.io/enforce": "baseline",
    "pod-security.kubernetes.io/enforce-version": "v1.28",
  });
  assert.deepEqual(r.policy.warn, { level: "baseline", version: 28 });
  assert.deepEqual(r.policy.audit, { level: "privileged", version: "latest" });
});

Deno.test("PodSecurity enforces and warns by namespace label", async () => {
  const s = await admissionTestServer();
  try {
    await s.namespace("locked", { "pod-security.kubernetes.io/enforce": "restricted" });
    let res = await s.call("POST", "/api/v1/namespaces/locked/pods", {
      metadata: { name: "x" },
      spec: {
        containers: [{ name: "c", image: "busybox", securityContext: { privileged: true } }],
      },
    });
    assert.equal(res.status, 403);
    const message = (await res.json()).message;
    assert.ok(
      message.startsWith(
        'pods "x" is forbidden: violates PodSecurity "restricted:latest": privileged (container "c" must not set securityContext.privileged=true), allowPrivilegeEscalation != false (container "c" must set securityContext.allowPrivilegeEscalation=false), ',
      ),
      message,
    );
    await s.namespace("watched", {
      "pod-security.kubernetes.io/warn": "baseline",
      "pod-security.kubernetes.io/warn-version": "v1.30",
    });
    res = await s.call("POST", "/api/v1/namespaces/watched/pods", {
      metadata: { name: "y" },
      spec: { hostNetwork: true, containers: [{ name: "c", image: "busybox" }] },
    });
    assert.equal(res.status, 201);
    assert.equal(
      res.headers.get("warning"),
      `299 - "would violate PodSecurity \\"baseline:v1.30\\": host namespaces (hostNetwork=true)"`,
    );
    // Workload templates are warned about, never refused.
    res = await s.call("POST", "/apis/apps/v1/namespaces/locked/deployments", {
      metadata: { name: "d" },
      spec: {
        selector: { matchLabels: { app: "d" } },
        template: {
          metadata: { labels: { app: "d" } },
          spec: {
            containers: [{ name: "c", image: "busybox", securityContext: { privileged: true } }],
          },
        },
      },
    });
    assert.equal(res.status, 201);
    assert.match(
      res.headers.get("warning") ?? "",
      /would violate PodSecurity \\"restricted:latest\\": privileged/,
    );
  } finally {
    await s.close();
  }
});

Deno.test("PodSecurity validates namespace labels and warns about existing pods", async () => {
  const s = await admissionTestServer();
  try {
    let res = await s.call("POST", "/api/v1/namespaces", {
      metadata: { name: "bad", labels: { "pod-security.kubernetes.io/enforce": "strict" } },
    });
    assert.equal(res.status, 422);
    assert.equal(
      (await res.json()).message,
      'Namespace "bad" is invalid: metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: "strict": must be one of privileged, baseline, restricted',
    );
    await s.namespace("open");
    await s.ok("POST", "/api/v1/namespaces/open/pods", {
      metadata: { name: "host" },
      spec: { hostPID: true, containers: [{ name: "c", image: "busybox" }] },
    });
    const ns = await s.ok("GET", "/api/v1/namespaces/open") as any;
    ns.metadata.labels = { "pod-security.kubernetes.io/enforce": "baseline" };
    res = await s.call("PUT", "/api/v1/namespaces/open", ns);
    assert.equal(res.status, 200);
    const warnings = res.headers.get("warning") ?? "";
    assert.match(
      warnings,
      /existing pods in namespace \\"open\\" violate the new PodSecurity enforce level \\"baseline:latest\\"/,
    );
    assert.match(warnings, /host: host namespaces/);
  } finally {
    await s.close();
  }
});

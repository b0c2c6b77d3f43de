// deno-lint-ignore-file no-explicit-any
import assert from "node:assert/strict";
import { admissionTestServer } from "./testing.ts";

const container = (name: string, resources?: Record<string, unknown>) => ({
  name,
  image: "busybox",
  ...(resources ? { resources } : {}),
});

Deno.test("LimitRanger defaults container requests and limits and notes it", async () => {
  const s = await admissionTestServer();
  try {
    await s.namespace("lr");
    await s.ok("POST", "/api/v1/namespaces/lr/limitranges", {
      metadata: { name: "defaults" },
      spec: {
        limits: [{
          type: "Container",
          default: { cpu: "500m", memory: "256Mi" },
          defaultRequest: { cpu: "100m", memory: "128Mi" },
        }],
      },
    });
    const pod = await s.ok("POST", "/api/v1/namespaces/lr/pods", {
      metadata: { name: "p" },
      spec: {
        containers: [
          container("plain"),
          // A limit alone implies the same request (pod defaulting comes first).
          container("limited", { limits: { cpu: "200m" } }),
        ],
      },
    }) as any;
    const [plain, limited] = pod.spec.containers;
    assert.deepEqual(plain.resources, {
      limits: { cpu: "500m", memory: "256Mi" },
      requests: { cpu: "100m", memory: "128Mi" },
    });
    assert.deepEqual(limited.resources, {
      limits: { cpu: "200m", memory: "256Mi" },
      requests: { cpu: "200m", memory: "128Mi" },
    });
    assert.equal(
      pod.metadata.annotations["kubernetes.io/limit-ranger"],
      "LimitRanger plugin set: cpu, memory request for container plain; cpu, memory limit for container plain; memory request for container limited; memory limit for container limited",
    );
    assert.equal(pod.status.qosClass, "Burstable");
  } finally {
    await s.close();
  }
});

Deno.test("LimitRanger refuses containers, pods and claims outside min, max and ratio", async () => {
  const s = await admissionTestServer();
  try {
    await s.namespace("lr");
    await s.ok("POST", "/api/v1/namespaces/lr/limitranges", {
      metadata: { name: "bounds" },
      spec: {
        limits: [
          {
            type: "Container",
            max: { cpu: "1" },
            min: { cpu: "50m" },
            maxLimitRequestRatio: { cpu: "4" },
          },
          { type: "Pod", max: { memory: "1Gi" } },
          { type: "PersistentVolumeClaim", min: { storage: "1Gi" }, max: { storage: "10Gi" } },
        ],
      },
    });
    const pod = (name: string, containers: unknown[]) =>
      s.call("POST", "/api/v1/namespaces/lr/pods", { metadata: { name }, spec: { containers } });
    let res = await pod("big", [container("c", { limits: { cpu: "2", memory: "100Mi" } })]);
    assert.equal(res.status, 403);
    assert.equal(
      (await res.json()).message,
      'pods "big" is forbidden: maximum cpu usage per Container is 1, but limit is 2.',
    );
    // b's cpu limit defaults to the max (1), so its ratio is 1 / 10m.
    res = await pod("two", [
      container("a", { limits: { cpu: "2", memory: "1Mi" } }),
      container("b", { requests: { cpu: "10m" }, limits: { memory: "1Mi" } }),
    ]);
    assert.equal(
      (await res.json()).message,
      'pods "two" is forbidden: [maximum cpu usage per Container is 1, but limit is 2., minimum cpu usage per Container is 50m, but request is 10m., cpu max limit to request ratio per Container is 4, but provided ratio is 100.000000.]',
    );
    res = await pod("ratio", [container("c", {
      requests: { cpu: "100m", memory: "100Mi" },
      limits: { cpu: "800m", memory: "100Mi" },
    })]);
    assert.equal(
      (await res.json()).message,
      'pods "ratio" is forbidden: cpu max limit to request ratio per Container is 4, but provided ratio is 8.000000.',
    );
    res = await pod("sum", [
      container("a", { limits: { cpu: "500m", memory: "600Mi" } }),
      container("b", { limits: { cpu: "500m", memory: "600Mi" } }),
    ]);
    assert.equal(
      (await res.json()).message,
      'pods "sum" is forbidden: maximum memory usage per Pod is 1Gi, but limit is 1258291200.',
    );
    assert.equal(
      (await pod("fits", [container("c", { limits: { cpu: "500m", memory: "600Mi" } })])).status,
      201,
    );
    res = await s.call("POST", "/api/v1/namespaces/lr/persistentvolumeclaims", {
      metadata: { name: "small" },
      spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "500Mi" } } },
    });
    assert.equal(
      (await res.json()).message,
      'persistentvolumeclaims "small" is forbidden: minimum storage usage per PersistentVolumeClaim is 1Gi, but request is 500Mi.',
    );
  } finally {
    await s.close();
  }
});

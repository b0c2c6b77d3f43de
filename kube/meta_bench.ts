import { deepClone, deepEqual } from "./meta.ts";

const pod = {
  apiVersion: "v1",
  kind: "Pod",
  metadata: {
    name: "web-7d9c8b6f5-abcde",
    namespace: "default",
    uid: "0b8f7c1e-3f5a-4c5e-9d2a-1f2e3d4c5b6a",
    resourceVersion: "12345",
    labels: { app: "web", "pod-template-hash": "7d9c8b6f5" },
    ownerReferences: [{
      apiVersion: "apps/v1",
      kind: "ReplicaSet",
      name: "web-7d9c8b6f5",
      uid: "u1",
    }],
  },
  spec: {
    containers: [{
      name: "web",
      image: "nginx:1.27",
      ports: [{ containerPort: 80, protocol: "TCP" }],
      resources: { requests: { cpu: "100m", memory: "64Mi" } },
      env: [{ name: "A", value: "1" }, { name: "B", value: "2" }],
    }],
    nodeName: "node-1",
    tolerations: [{ key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoExecute" }],
  },
  status: { phase: "Running", conditions: [{ type: "Ready", status: "True" }], podIP: "10.42.0.5" },
};

Deno.bench("deepClone() of a pod", { baseline: true }, () => {
  deepClone(pod);
});

Deno.bench("structuredClone() of a pod", () => {
  structuredClone(pod);
});

Deno.bench("JSON round trip of a pod", () => {
  JSON.parse(JSON.stringify(pod));
});

const copy = deepClone(pod);
Deno.bench("deepEqual() of two equal pods", () => {
  deepEqual(pod, copy);
});

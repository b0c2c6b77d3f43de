import assert from "node:assert/strict";
import { kindType, lookupField, OBJECT_META, PATCH_META } from "./patch_meta.ts";
import { strategicMergePatch } from "./strategic_merge.ts";

Deno.test("kindType() maps apiVersion/kind keys to root types", () => {
  assert.equal(kindType("v1/Pod"), "io.k8s.api.core.v1.Pod");
  assert.equal(kindType("apps/v1/Deployment"), "io.k8s.api.apps.v1.Deployment");
  assert.equal(
    kindType("autoscaling/v2/HorizontalPodAutoscaler"),
    "io.k8s.api.autoscaling.v2.HorizontalPodAutoscaler",
  );
  assert.equal(
    kindType("autoscaling/v1/HorizontalPodAutoscaler"),
    "io.k8s.api.autoscaling.v1.HorizontalPodAutoscaler",
  );
  assert.equal(kindType("example.com/v1/Thing"), undefined);
  assert.equal(kindType("v1/toString"), undefined);
});

Deno.test("PATCH_META links every referenced type", () => {
  for (const [type, fields] of Object.entries(PATCH_META)) {
    for (const [name, meta] of Object.entries(fields)) {
      if (meta.type) {
        assert.ok(Object.hasOwn(PATCH_META, meta.type), `${type}.${name} -> ${meta.type}`);
      }
      if (meta.mergeKey) assert.ok(meta.strategy?.startsWith("merge"), `${type}.${name}`);
    }
  }
  for (const [type, fields] of Object.entries(PATCH_META)) {
    if (type.endsWith("Spec") || type.endsWith("Status") || type === OBJECT_META) continue;
    if (
      ["Container", "EphemeralContainer", "ValidatingWebhook", "MutatingWebhook"].some((s) =>
        type.endsWith(`.${s}`)
      )
    ) continue;
    assert.deepEqual(fields.metadata, { type: OBJECT_META }, type);
  }
});

Deno.test("lookupField() follows upstream's struct tags", () => {
  const CORE = "io.k8s.api.core.v1.";
  assert.deepEqual(lookupField(`${CORE}PodSpec`, "containers"), {
    type: `${CORE}Container`,
    strategy: "merge",
    mergeKey: "name",
  });
  assert.deepEqual(lookupField(`${CORE}Container`, "ports"), {
    strategy: "merge",
    mergeKey: "containerPort",
  });
  assert.deepEqual(lookupField(`${CORE}PodSpec`, "volumes"), {
    strategy: "merge,retainKeys",
    mergeKey: "name",
  });
  assert.deepEqual(lookupField(`${CORE}ServiceSpec`, "ports"), {
    strategy: "merge",
    mergeKey: "port",
  });
  assert.deepEqual(lookupField(OBJECT_META, "ownerReferences"), {
    strategy: "merge",
    mergeKey: "uid",
  });
  assert.deepEqual(lookupField(OBJECT_META, "finalizers"), { strategy: "merge" });
  assert.equal(lookupField(`${CORE}PodSpec`, "tolerations"), undefined);
  assert.equal(lookupField(undefined, "x"), undefined);
  assert.equal(lookupField(`${CORE}PodSpec`, "constructor"), undefined);
});

const deployment = () => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "web", finalizers: ["a"], labels: { app: "web" } },
  spec: {
    replicas: 1,
    strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1 } },
    template: {
      metadata: { labels: { app: "web" } },
      spec: {
        containers: [{
          name: "app",
          image: "nginx:1",
          env: [{ name: "A", value: "1" }, { name: "B", value: "2" }],
          ports: [{ containerPort: 80, protocol: "TCP" }],
        }],
        tolerations: [{ key: "a", operator: "Exists" }],
      },
    },
  },
});

Deno.test("Deployment patch updates a container image by name", () => {
  const out = strategicMergePatch(deployment(), {
    spec: { template: { spec: { containers: [{ name: "app", image: "nginx:2" }] } } },
  }, "apps/v1/Deployment") as ReturnType<typeof deployment>;
  const c = out.spec.template.spec.containers;
  assert.equal(c.length, 1);
  assert.equal(c[0].image, "nginx:2");
  assert.deepEqual(c[0].env, [{ name: "A", value: "1" }, { name: "B", value: "2" }]);
});

Deno.test("Deployment patch merges env by name and ports by containerPort", () => {
  const out = strategicMergePatch(deployment(), {
    spec: {
      template: {
        spec: {
          containers: [{
            name: "app",
            env: [{ name: "B", value: "3" }, { name: "A", $patch: "delete" }],
            ports: [{ containerPort: 443 }],
          }],
        },
      },
    },
  }, "apps/v1/Deployment") as ReturnType<typeof deployment>;
  const c = out.spec.template.spec.containers[0];
  assert.deepEqual(c.env, [{ name: "B", value: "3" }]);
  assert.deepEqual(c.ports, [{ containerPort: 443 }, { containerPort: 80, protocol: "TCP" }]);
});

Deno.test("Deployment patch replaces tolerations and retains strategy keys", () => {
  const out = strategicMergePatch(deployment(), {
    spec: {
      strategy: { $retainKeys: ["type"], type: "Recreate" },
      template: { spec: { tolerations: [{ key: "b", operator: "Exists" }] } },
    },
  }, "apps/v1/Deployment") as ReturnType<typeof deployment>;
  assert.deepEqual(out.spec.strategy, { type: "Recreate" });
  assert.deepEqual(out.spec.template.spec.tolerations, [{ key: "b", operator: "Exists" }]);
});

Deno.test("metadata patches merge finalizers and owner references", () => {
  const cm = {
    metadata: {
      name: "c",
      finalizers: ["x/a", "x/b"],
      ownerReferences: [{ apiVersion: "v1", kind: "Pod", name: "p", uid: "1" }],
    },
    data: { k: "v" },
  };
  const out = strategicMergePatch(cm, {
    metadata: {
      finalizers: ["x/c"],
      "$deleteFromPrimitiveList/finalizers": ["x/a"],
      ownerReferences: [{ uid: "1", controller: true }, {
        apiVersion: "v1",
        kind: "Pod",
        name: "q",
        uid: "2",
      }],
    },
    data: { k: null, k2: "v2" },
  }, "v1/ConfigMap");
  assert.deepEqual(out, {
    metadata: {
      name: "c",
      finalizers: ["x/c", "x/b"],
      ownerReferences: [
        { apiVersion: "v1", kind: "Pod", name: "p", uid: "1", controller: true },
        { apiVersion: "v1", kind: "Pod", name: "q", uid: "2" },
      ],
    },
    data: { k2: "v2" },
  });
});

Deno.test("Service patch merges ports by port", () => {
  const svc = {
    metadata: { name: "s" },
    spec: { ports: [{ port: 80, targetPort: 8080 }, { port: 443 }] },
  };
  const out = strategicMergePatch(
    svc,
    { spec: { ports: [{ port: 80, targetPort: 9090 }] } },
    "v1/Service",
  );
  assert.deepEqual(out.spec, { ports: [{ port: 80, targetPort: 9090 }, { port: 443 }] });
});

Deno.test("Node status patch merges conditions by type and addresses by type", () => {
  const node = {
    metadata: { name: "n" },
    status: {
      conditions: [{ type: "Ready", status: "False" }, { type: "MemoryPressure", status: "False" }],
      addresses: [{ type: "InternalIP", address: "10.0.0.1" }],
    },
  };
  const out = strategicMergePatch(node, {
    status: {
      conditions: [{ type: "Ready", status: "True" }],
      addresses: [{ type: "Hostname", address: "n" }],
    },
  }, "v1/Node");
  assert.deepEqual(out.status, {
    conditions: [{ type: "Ready", status: "True" }, { type: "MemoryPressure", status: "False" }],
    addresses: [{ type: "Hostname", address: "n" }, { type: "InternalIP", address: "10.0.0.1" }],
  });
});

Deno.test("Pod patch merges volumes by name and host aliases by ip", () => {
  const pod = {
    metadata: { name: "p" },
    spec: {
      volumes: [{ name: "data", emptyDir: {} }],
      hostAliases: [{ ip: "1.2.3.4", hostnames: ["a"] }],
      containers: [{ name: "c", volumeMounts: [{ name: "data", mountPath: "/data" }] }],
    },
  };
  const out = strategicMergePatch(pod, {
    spec: {
      volumes: [{ name: "data", $retainKeys: ["name", "hostPath"], hostPath: { path: "/x" } }],
      hostAliases: [{ ip: "1.2.3.4", hostnames: ["b"] }],
      containers: [{ name: "c", volumeMounts: [{ mountPath: "/data", readOnly: true }] }],
    },
  }, "v1/Pod");
  assert.deepEqual(out.spec, {
    volumes: [{ name: "data", hostPath: { path: "/x" } }],
    hostAliases: [{ ip: "1.2.3.4", hostnames: ["b"] }],
    containers: [{
      name: "c",
      volumeMounts: [{ name: "data", mountPath: "/data", readOnly: true }],
    }],
  });
});

Deno.test("CronJob patch reaches the pod template through the job template", () => {
  const cj = {
    metadata: { name: "cj" },
    spec: {
      jobTemplate: {
        spec: {
          template: {
            spec: { containers: [{ name: "a", image: "x" }, { name: "b", image: "y" }] },
          },
        },
      },
    },
  };
  const out = strategicMergePatch(cj, {
    spec: {
      jobTemplate: { spec: { template: { spec: { containers: [{ name: "b", image: "z" }] } } } },
    },
  }, "batch/v1/CronJob") as typeof cj;
  assert.deepEqual(out.spec.jobTemplate.spec.template.spec.containers, [{ name: "a", image: "x" }, {
    name: "b",
    image: "z",
  }]);
});

Deno.test("PodDisruptionBudget patch replaces the selector", () => {
  const pdb = {
    metadata: { name: "p" },
    spec: { selector: { matchLabels: { a: "1" } }, minAvailable: 1 },
  };
  const out = strategicMergePatch(
    pdb,
    { spec: { selector: { matchLabels: { b: "2" } } } },
    "policy/v1/PodDisruptionBudget",
  );
  assert.deepEqual(out.spec, { selector: { matchLabels: { b: "2" } }, minAvailable: 1 });
});

import assert from "node:assert/strict";
import {
  defaultPodSpec,
  defaultPodTemplateSpec,
  validatePodSpec,
  validatePodTemplateSpec,
} from "./pod_spec.ts";

function fields(errs: { field: string; type: string }[]): string[] {
  return errs.map((e) => `${e.type} ${e.field}`);
}

Deno.test("defaultPodSpec() fills upstream's PodSpec and container defaults", () => {
  const spec: Record<string, unknown> = {
    containers: [{ name: "web", image: "nginx", ports: [{ containerPort: 80 }] }],
  };
  defaultPodSpec(spec);
  assert.deepStrictEqual(spec, {
    containers: [{
      name: "web",
      image: "nginx",
      ports: [{ containerPort: 80, protocol: "TCP" }],
      imagePullPolicy: "Always",
      terminationMessagePath: "/dev/termination-log",
      terminationMessagePolicy: "File",
    }],
    dnsPolicy: "ClusterFirst",
    restartPolicy: "Always",
    securityContext: {},
    terminationGracePeriodSeconds: 30,
    schedulerName: "default-scheduler",
  });
});

Deno.test("defaultPodSpec() picks the pull policy from the image tag", () => {
  const spec: Record<string, unknown> = {
    containers: [
      { name: "a", image: "nginx:1.25" },
      { name: "b", image: "nginx:latest" },
      { name: "c", image: "registry:5000/x" },
      { name: "d", image: "x@sha256:abc" },
      { name: "e", image: "x", imagePullPolicy: "Never" },
    ],
  };
  defaultPodSpec(spec);
  const policies = (spec.containers as { imagePullPolicy: string }[]).map((c) => c.imagePullPolicy);
  assert.deepStrictEqual(policies, ["IfNotPresent", "Always", "Always", "IfNotPresent", "Never"]);
});

Deno.test("defaultPodSpec() defaults probes and volumes", () => {
  const spec: Record<string, unknown> = {
    containers: [{ name: "a", image: "x", livenessProbe: { httpGet: { port: 80 } } }],
    volumes: [{ name: "v" }, { name: "s", secret: { secretName: "s" } }],
  };
  defaultPodSpec(spec);
  const c = (spec.containers as Record<string, unknown>[])[0];
  assert.deepStrictEqual(c.livenessProbe, {
    httpGet: { port: 80, path: "/", scheme: "HTTP" },
    timeoutSeconds: 1,
    periodSeconds: 10,
    successThreshold: 1,
    failureThreshold: 3,
  });
  assert.deepStrictEqual(spec.volumes, [
    { name: "v", emptyDir: {} },
    { name: "s", secret: { secretName: "s", defaultMode: 420 } },
  ]);
});

Deno.test("validatePodSpec() accepts a defaulted minimal spec", () => {
  const spec: Record<string, unknown> = { containers: [{ name: "a", image: "busybox" }] };
  defaultPodSpec(spec);
  assert.deepStrictEqual(validatePodSpec(spec, "spec"), []);
});

Deno.test("validatePodSpec() reports upstream's field paths", () => {
  const spec: Record<string, unknown> = {
    initContainers: [{ name: "a", image: "x" }],
    containers: [
      { name: "a", image: "" },
      { name: "Bad_Name", image: "x", ports: [{ containerPort: 70000 }] },
      { name: "c", image: "x", volumeMounts: [{ name: "missing", mountPath: "/m" }] },
      {
        name: "d",
        image: "x",
        env: [{ name: "" }],
        resources: { requests: { cpu: "2" }, limits: { cpu: "1" } },
      },
    ],
    volumes: [{ name: "v", emptyDir: {}, hostPath: { path: "/" } }],
  };
  defaultPodSpec(spec);
  spec.restartPolicy = "Sometimes";
  assert.deepStrictEqual(fields(validatePodSpec(spec, "spec")), [
    "FieldValueForbidden spec.volumes[0].emptyDir",
    "FieldValueDuplicate spec.containers[0].name",
    "FieldValueRequired spec.containers[0].image",
    "FieldValueInvalid spec.containers[1].name",
    "FieldValueInvalid spec.containers[1].ports[0].containerPort",
    "FieldValueInvalid spec.containers[2].volumeMounts[0].name",
    "FieldValueRequired spec.containers[3].env[0].name",
    "FieldValueInvalid spec.containers[3].resources.requests",
    "FieldValueNotSupported spec.restartPolicy",
  ]);
});

Deno.test("validatePodSpec() requires containers", () => {
  assert.deepStrictEqual(
    fields(validatePodSpec({ restartPolicy: "Always", dnsPolicy: "ClusterFirst" }, "spec")),
    [
      "FieldValueRequired spec.containers",
    ],
  );
});

Deno.test("validatePodTemplateSpec() prefixes the template path", () => {
  const template: Record<string, unknown> = {
    metadata: { labels: { "bad key!": "x" } },
    spec: { containers: [{ name: "a" }] },
  };
  defaultPodTemplateSpec(template);
  assert.deepStrictEqual(fields(validatePodTemplateSpec(template, "spec.template")), [
    "FieldValueInvalid spec.template.metadata.labels",
    "FieldValueRequired spec.template.spec.containers[0].image",
  ]);
});

Deno.test("validatePodSpec() refuses requests above limits with upstream's message", () => {
  const spec: Record<string, unknown> = {
    containers: [{
      name: "a",
      image: "x",
      resources: { requests: { memory: "2Gi" }, limits: { memory: "1024Mi" } },
    }],
  };
  defaultPodSpec(spec);
  assert.deepStrictEqual(validatePodSpec(spec, "spec"), [{
    type: "FieldValueInvalid",
    field: "spec.containers[0].resources.requests",
    value: "2Gi",
    detail: "must be less than or equal to memory limit of 1Gi",
  }]);
});

Deno.test("defaultPodSpec() writes resource quantities in canonical form", () => {
  const spec: Record<string, unknown> = {
    containers: [{ name: "a", image: "x", resources: { limits: { cpu: "1000m", memory: 1e9 } } }],
  };
  defaultPodSpec(spec);
  const c = (spec.containers as Record<string, Record<string, unknown>>[])[0];
  assert.deepStrictEqual(c.resources.limits, { cpu: "1", memory: "1G" });
});

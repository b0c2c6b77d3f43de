import assert from "node:assert/strict";
import type { KubeObject } from "../../../../kube/meta.ts";
import { cells, create, fieldsOf } from "../apps/testing.ts";
import { horizontalPodAutoscalers as hpas, hpaToV1, hpaToV2 } from "./mod.ts";
import { formatHpaMetrics } from "./hpa.ts";

const target = { apiVersion: "apps/v1", kind: "Deployment", name: "web" };

function v2(spec: Record<string, unknown>, status?: Record<string, unknown>): KubeObject {
  const o: KubeObject = {
    apiVersion: "autoscaling/v2",
    kind: "HorizontalPodAutoscaler",
    metadata: { name: "web", namespace: "default" },
    spec: { scaleTargetRef: target, maxReplicas: 5, ...spec },
  };
  if (status) o.status = status;
  return o;
}

const cpu = (pct: number) => ({
  type: "Resource",
  resource: { name: "cpu", target: { type: "Utilization", averageUtilization: pct } },
});

Deno.test("hpa: v2 defaults give one replica minimum and an 80% CPU target", async () => {
  const { obj, errors } = await create(hpas, v2({}));
  assert.deepStrictEqual(errors, []);
  assert.deepStrictEqual(obj.spec, {
    scaleTargetRef: target,
    maxReplicas: 5,
    minReplicas: 1,
    metrics: [cpu(80)],
  });
  assert.deepStrictEqual(obj.status, { desiredReplicas: 0 });
  assert.deepStrictEqual(cells(hpas, obj), {
    Reference: "Deployment/web",
    Targets: "cpu: <unknown>/80%",
    MinPods: "1",
    MaxPods: 5,
    Replicas: 0,
    Age: "0s",
  });
});

Deno.test("hpa: a behavior is completed with upstream's scale-up and scale-down rules", async () => {
  const { obj } = await create(
    hpas,
    v2({ behavior: { scaleDown: { stabilizationWindowSeconds: 60 } } }),
  );
  assert.deepStrictEqual((obj.spec as Record<string, unknown>).behavior, {
    scaleUp: {
      stabilizationWindowSeconds: 0,
      selectPolicy: "Max",
      policies: [{ type: "Pods", value: 4, periodSeconds: 15 }, {
        type: "Percent",
        value: 100,
        periodSeconds: 15,
      }],
    },
    scaleDown: {
      stabilizationWindowSeconds: 60,
      selectPolicy: "Max",
      policies: [{ type: "Percent", value: 100, periodSeconds: 15 }],
    },
  });
});

Deno.test("hpa: replica bounds, the target and each metric are validated", async () => {
  const { errors } = await create(
    hpas,
    v2({
      scaleTargetRef: { kind: "Deployment" },
      minReplicas: 3,
      maxReplicas: 2,
      metrics: [
        { type: "Resource", resource: { name: "memory", target: { type: "Utilization" } } },
        { type: "Pods", resource: { name: "cpu" } },
        { type: "Sideways" },
      ],
      behavior: {
        scaleUp: {
          selectPolicy: "Sometimes",
          policies: [{ type: "Pods", value: 0, periodSeconds: 3600 }],
        },
      },
    }),
  );
  assert.deepStrictEqual(fieldsOf(errors), [
    "FieldValueInvalid spec.maxReplicas",
    "FieldValueRequired spec.scaleTargetRef.name",
    "FieldValueRequired spec.metrics[0].resource.target.averageUtilization",
    "FieldValueRequired spec.metrics[1].pods",
    "FieldValueForbidden spec.metrics[1].resource",
    "FieldValueNotSupported spec.metrics[2].type",
    "FieldValueNotSupported spec.behavior.scaleUp.selectPolicy",
    "FieldValueInvalid spec.behavior.scaleUp.policies[0].value",
    "FieldValueInvalid spec.behavior.scaleUp.policies[0].periodSeconds",
  ]);
  assert.equal(errors[0].detail, "must be greater than or equal to `minReplicas`");
});

Deno.test("hpa: v1 and v2 convert both ways, other metrics and status riding in annotations", () => {
  const memory = {
    type: "Resource",
    resource: { name: "memory", target: { type: "AverageValue", averageValue: "500Mi" } },
  };
  const pods = {
    type: "Pods",
    pods: { metric: { name: "qps" }, target: { type: "AverageValue", averageValue: "10" } },
  };
  const stored = v2(
    {
      minReplicas: 2,
      metrics: [cpu(60), memory, pods],
      behavior: { scaleUp: { selectPolicy: "Min" } },
    },
    {
      currentReplicas: 3,
      desiredReplicas: 4,
      currentMetrics: [{
        type: "Resource",
        resource: { name: "cpu", current: { averageUtilization: 72, averageValue: "120m" } },
      }],
      conditions: [{
        type: "AbleToScale",
        status: "True",
        reason: "ReadyForNewScale",
        lastTransitionTime: "2024-05-01T12:00:00Z",
      }],
    },
  );
  const v1 = hpaToV1(stored);
  assert.equal(v1.apiVersion, "autoscaling/v1");
  assert.deepStrictEqual(v1.spec, {
    scaleTargetRef: target,
    minReplicas: 2,
    maxReplicas: 5,
    targetCPUUtilizationPercentage: 60,
  });
  assert.deepStrictEqual(v1.status, {
    currentReplicas: 3,
    desiredReplicas: 4,
    currentCPUUtilizationPercentage: 72,
  });
  const annotations = v1.metadata.annotations!;
  assert.deepStrictEqual(JSON.parse(annotations["autoscaling.alpha.kubernetes.io/metrics"]), [
    { type: "Resource", resource: { name: "memory", targetAverageValue: "500Mi" } },
    { type: "Pods", pods: { metricName: "qps", targetAverageValue: "10" } },
  ]);
  assert.deepStrictEqual(JSON.parse(annotations["autoscaling.alpha.kubernetes.io/behavior"]), {
    ScaleUp: { SelectPolicy: "Min" },
  });
  assert.ok(annotations["autoscaling.alpha.kubernetes.io/conditions"].includes("ReadyForNewScale"));
  const back = hpaToV2(v1);
  assert.deepStrictEqual(back.metadata.annotations, undefined);
  assert.deepStrictEqual(back.spec, {
    scaleTargetRef: target,
    minReplicas: 2,
    maxReplicas: 5,
    metrics: [memory, pods, cpu(60)],
    behavior: { scaleUp: { selectPolicy: "Min" } },
  });
  assert.deepStrictEqual(back.status, stored.status);
});

Deno.test("hpa: a v1 object without a CPU target converts to the 80% default", () => {
  const v1: KubeObject = {
    apiVersion: "autoscaling/v1",
    kind: "HorizontalPodAutoscaler",
    metadata: { name: "web" },
    spec: { scaleTargetRef: target, maxReplicas: 3 },
  };
  assert.deepStrictEqual((hpaToV2(v1).spec as Record<string, unknown>).metrics, [cpu(80)]);
});

Deno.test("hpa: the Targets column follows upstream's formatting", () => {
  const external = {
    type: "External",
    external: { metric: { name: "queue" }, target: { type: "AverageValue", averageValue: "30" } },
  };
  const memory = {
    type: "Resource",
    resource: { name: "memory", target: { type: "AverageValue", averageValue: "1Gi" } },
  };
  assert.equal(formatHpaMetrics([], []), "<none>");
  assert.equal(
    formatHpaMetrics([cpu(50), memory, external], [
      { type: "Resource", resource: { name: "cpu", current: { averageUtilization: 12 } } },
    ]),
    "cpu: 12%/50%, memory: <unknown>/1Gi + 1 more...",
  );
  assert.equal(formatHpaMetrics([external], []), "<unknown>/30 (avg)");
});

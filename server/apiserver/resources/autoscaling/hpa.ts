/**
 * `autoscaling` HorizontalPodAutoscalers, served as `v2` (stored) and `v1` (converted, see
 * `hpa_convert.ts`). Upstream's v2 defaults (one replica minimum, an 80% CPU target when no
 * metric is given, the full scaling behavior once any of it is set), validation, and the table
 * `kubectl get hpa` prints.
 *
 * @module
 */
import type { KubeObject } from "../../../../kube/meta.ts";
import type { ResourceDef } from "../../resource.ts";
import { AGE_COLUMN, defaultUnset, num, specOf, specView, statusView } from "../apps/workload.ts";
import { type Obj, obj, objs, str } from "../core/util.ts";
import { convertHpa, DEFAULT_CPU_UTILIZATION } from "./hpa_convert.ts";
import { validateHpaSpec } from "./hpa_validation.ts";

function scaleUpDefaults(): Obj {
  return {
    stabilizationWindowSeconds: 0,
    selectPolicy: "Max",
    policies: [
      { type: "Pods", value: 4, periodSeconds: 15 },
      { type: "Percent", value: 100, periodSeconds: 15 },
    ],
  };
}

function scaleDownDefaults(): Obj {
  return { selectPolicy: "Max", policies: [{ type: "Percent", value: 100, periodSeconds: 15 }] };
}

/** Fills unset fields of scaling rules from the defaults (upstream's `copyHPAScalingRules`). */
function withDefaults(rules: unknown, defaults: Obj): Obj {
  const given = obj(rules);
  if (!given) return defaults;
  for (const key of ["selectPolicy", "stabilizationWindowSeconds", "policies", "tolerance"]) {
    if (given[key] !== undefined && given[key] !== null) defaults[key] = given[key];
  }
  return defaults;
}

/** Upstream's `SetDefaults_HorizontalPodAutoscaler` for v2. */
export function defaultHpa(o: KubeObject): void {
  const spec = specOf(o);
  defaultUnset(spec, "minReplicas", 1);
  if (!Array.isArray(spec.metrics) || spec.metrics.length === 0) {
    spec.metrics = [{
      type: "Resource",
      resource: {
        name: "cpu",
        target: { type: "Utilization", averageUtilization: DEFAULT_CPU_UTILIZATION },
      },
    }];
  }
  const behavior = obj(spec.behavior);
  if (behavior) {
    behavior.scaleUp = withDefaults(behavior.scaleUp, scaleUpDefaults());
    behavior.scaleDown = withDefaults(behavior.scaleDown, scaleDownDefaults());
  }
}

const MAX_TARGETS = 2;

/** The Targets cell, as upstream's `formatHPAMetrics`: `cpu: 12%/80%, memory: <unknown>/1Gi`. */
export function formatHpaMetrics(specs: Obj[], statuses: Obj[]): string {
  if (specs.length === 0) return "<none>";
  const list = specs.map((spec, i) => formatMetric(spec, statuses[i]));
  const shown = list.slice(0, MAX_TARGETS).join(", ");
  return list.length > MAX_TARGETS ? `${shown} + ${list.length - MAX_TARGETS} more...` : shown;
}

function formatMetric(spec: Obj, status: Obj | undefined): string {
  const unknown = "<unknown>";
  const pct = (v: unknown) => (typeof v === "number" ? `${v}%` : undefined);
  const type = str(spec.type);
  switch (type) {
    case "External":
    case "Object": {
      const key = type === "External" ? "external" : "object";
      const target = obj(obj(spec[key])?.target) ?? {};
      const current = obj(obj(status?.[key])?.current) ?? {};
      if (target.averageValue !== undefined && target.averageValue !== null) {
        return `${str(current.averageValue) || unknown}/${str(target.averageValue)} (avg)`;
      }
      return `${str(current.value) || unknown}/${str(target.value)}`;
    }
    case "Pods": {
      const target = obj(obj(spec.pods)?.target) ?? {};
      const current = obj(obj(status?.pods)?.current) ?? {};
      return `${str(current.averageValue) || unknown}/${str(target.averageValue)}`;
    }
    case "Resource":
    case "ContainerResource": {
      const key = type === "Resource" ? "resource" : "containerResource";
      const src = obj(spec[key]) ?? {};
      const target = obj(src.target) ?? {};
      const current = obj(obj(status?.[key])?.current) ?? {};
      const name = str(src.name);
      if (target.averageValue !== undefined && target.averageValue !== null) {
        return `${name}: ${str(current.averageValue) || unknown}/${str(target.averageValue)}`;
      }
      return `${name}: ${pct(current.averageUtilization) ?? unknown}/${
        pct(target.averageUtilization) ?? "<auto>"
      }`;
    }
  }
  return "<unknown type>";
}

export const horizontalPodAutoscalers: ResourceDef = {
  group: "autoscaling",
  versions: ["v2", "v1"],
  kind: "HorizontalPodAutoscaler",
  plural: "horizontalpodautoscalers",
  singular: "horizontalpodautoscaler",
  namespaced: true,
  shortNames: ["hpa"],
  categories: ["all"],
  status: true,
  generation: true,
  convert: convertHpa,
  strategy: {
    prepareForCreate(o) {
      o.status = { desiredReplicas: 0 };
      defaultHpa(o);
    },
    prepareForUpdate: defaultHpa,
    validate: (o) => validateHpaSpec(specView(o)),
  },
  columns: [
    {
      name: "Reference",
      type: "string",
      description:
        "scaleTargetRef points to the target resource to scale, and is used to the pods for which metrics should be collected, as well as to actually change the replica count.",
      cell: (o) => {
        const ref = obj(specView(o).scaleTargetRef) ?? {};
        return `${str(ref.kind)}/${str(ref.name)}`;
      },
    },
    {
      name: "Targets",
      type: "string",
      description:
        "metrics contains the specifications for which to use to calculate the desired replica count (the maximum replica count across all metrics will be used).  The desired replica count is calculated multiplying the ratio between the target value and the current value by the current number of pods.  Ergo, metrics used must decrease as the pod count is increased, and vice-versa.  See the individual metric source types for more information about how each type of metric must respond.",
      cell: (o) => formatHpaMetrics(objs(specView(o).metrics), objs(statusView(o).currentMetrics)),
    },
    {
      name: "MinPods",
      type: "string",
      description:
        "minReplicas is the lower limit for the number of replicas to which the autoscaler can scale down. It defaults to 1 pod.",
      cell: (o) => {
        const min = specView(o).minReplicas;
        return typeof min === "number" ? String(min) : "<unset>";
      },
    },
    {
      name: "MaxPods",
      type: "string",
      description:
        "maxReplicas is the upper limit for the number of pods that can be set by the autoscaler; cannot be smaller than MinReplicas.",
      cell: (o) => num(specView(o).maxReplicas),
    },
    {
      name: "Replicas",
      type: "string",
      description:
        "currentReplicas is current number of replicas of pods managed by this autoscaler.",
      cell: (o) => num(statusView(o).currentReplicas),
    },
    AGE_COLUMN,
  ],
};

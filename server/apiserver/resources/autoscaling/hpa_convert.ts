/**
 * Conversion of HorizontalPodAutoscalers between `autoscaling/v2` (how they are stored) and
 * `autoscaling/v1` (CPU utilization only). As upstream does, what v1 cannot say travels in
 * annotations, so a read-modify-write through v1 loses nothing:
 *
 * - `autoscaling.alpha.kubernetes.io/metrics`: metrics other than a CPU utilization target
 * - `autoscaling.alpha.kubernetes.io/current-metrics`: `status.currentMetrics`
 * - `autoscaling.alpha.kubernetes.io/conditions`: `status.conditions`
 * - `autoscaling.alpha.kubernetes.io/behavior`: `spec.behavior` (upstream writes Go field names)
 *
 * Metric specs and statuses in the annotations have the v1 (v2beta1-like) shape.
 *
 * @module
 */
import { deepClone, isJsonObject, type KubeObject } from "../../../../kube/meta.ts";
import { type Obj, obj, objs, str } from "../core/util.ts";

export const METRICS_ANNOTATION = "autoscaling.alpha.kubernetes.io/metrics";
export const CURRENT_METRICS_ANNOTATION = "autoscaling.alpha.kubernetes.io/current-metrics";
export const CONDITIONS_ANNOTATION = "autoscaling.alpha.kubernetes.io/conditions";
export const BEHAVIOR_ANNOTATION = "autoscaling.alpha.kubernetes.io/behavior";

/** The CPU utilization an HPA without metrics aims at. */
export const DEFAULT_CPU_UTILIZATION = 80;

/** Copies the keys of `from` that are set (not undefined or null) into a new object. */
function pick(from: Obj, keys: Record<string, string>): Obj {
  const out: Obj = {};
  for (const [to, key] of Object.entries(keys)) {
    const v = from[key];
    if (v !== undefined && v !== null) out[to] = deepClone(v);
  }
  return out;
}

function identifier(name: unknown, selector: unknown): Obj {
  return pick({ name, selector }, { name: "name", selector: "selector" });
}

/** One v1 (annotation) metric spec as v2. */
function metricSpecToV2(m: Obj): Obj {
  const type = str(m.type);
  const out: Obj = { type };
  switch (type) {
    case "Resource":
    case "ContainerResource": {
      const src = obj(m[type === "Resource" ? "resource" : "containerResource"]) ?? {};
      const util = src.targetAverageUtilization;
      const target: Obj = {
        type: util !== undefined && util !== null ? "Utilization" : "AverageValue",
      };
      Object.assign(
        target,
        pick(src, {
          averageUtilization: "targetAverageUtilization",
          averageValue: "targetAverageValue",
        }),
      );
      const res: Obj = { name: src.name, target };
      if (type === "ContainerResource") res.container = src.container;
      out[type === "Resource" ? "resource" : "containerResource"] = res;
      break;
    }
    case "Pods": {
      const src = obj(m.pods) ?? {};
      out.pods = {
        metric: identifier(src.metricName, src.selector),
        target: { type: "AverageValue", averageValue: src.targetAverageValue },
      };
      break;
    }
    case "Object": {
      const src = obj(m.object) ?? {};
      const hasAverage = src.averageValue !== undefined && src.averageValue !== null;
      out.object = {
        describedObject: deepClone(src.target ?? {}),
        metric: identifier(src.metricName, src.selector),
        target: {
          type: hasAverage ? "AverageValue" : "Value",
          ...pick(src, { value: "targetValue", averageValue: "averageValue" }),
        },
      };
      break;
    }
    case "External": {
      const src = obj(m.external) ?? {};
      const hasValue = src.targetValue !== undefined && src.targetValue !== null;
      out.external = {
        metric: identifier(src.metricName, src.metricSelector),
        target: {
          type: hasValue ? "Value" : "AverageValue",
          ...pick(src, { value: "targetValue", averageValue: "targetAverageValue" }),
        },
      };
      break;
    }
  }
  return out;
}

/** One v2 metric spec in the v1 annotation shape. */
function metricSpecToV1(m: Obj): Obj {
  const type = str(m.type);
  const out: Obj = { type };
  switch (type) {
    case "Resource":
    case "ContainerResource": {
      const key = type === "Resource" ? "resource" : "containerResource";
      const src = obj(m[key]) ?? {};
      const target = obj(src.target) ?? {};
      const res: Obj = {
        name: src.name,
        ...pick(target, {
          targetAverageUtilization: "averageUtilization",
          targetAverageValue: "averageValue",
        }),
      };
      if (type === "ContainerResource") res.container = src.container;
      out[key] = res;
      break;
    }
    case "Pods": {
      const src = obj(m.pods) ?? {};
      const metric = obj(src.metric) ?? {};
      out.pods = {
        metricName: metric.name,
        targetAverageValue: obj(src.target)?.averageValue,
        ...pick(metric, { selector: "selector" }),
      };
      break;
    }
    case "Object": {
      const src = obj(m.object) ?? {};
      const metric = obj(src.metric) ?? {};
      const target = obj(src.target) ?? {};
      out.object = {
        target: deepClone(src.describedObject ?? {}),
        metricName: metric.name,
        targetValue: target.value ?? "0",
        ...pick(metric, { selector: "selector" }),
        ...pick(target, { averageValue: "averageValue" }),
      };
      break;
    }
    case "External": {
      const src = obj(m.external) ?? {};
      const metric = obj(src.metric) ?? {};
      const target = obj(src.target) ?? {};
      out.external = {
        metricName: metric.name,
        ...pick(metric, { metricSelector: "selector" }),
        ...pick(target, { targetValue: "value", targetAverageValue: "averageValue" }),
      };
      break;
    }
  }
  return out;
}

/** One v1 (annotation) metric status as v2. */
function metricStatusToV2(m: Obj): Obj {
  const type = str(m.type);
  const out: Obj = { type };
  switch (type) {
    case "Resource":
    case "ContainerResource": {
      const key = type === "Resource" ? "resource" : "containerResource";
      const src = obj(m[key]) ?? {};
      const res: Obj = {
        name: src.name,
        current: pick(src, {
          averageUtilization: "currentAverageUtilization",
          averageValue: "currentAverageValue",
        }),
      };
      if (type === "ContainerResource") res.container = src.container;
      out[key] = res;
      break;
    }
    case "Pods": {
      const src = obj(m.pods) ?? {};
      out.pods = {
        metric: identifier(src.metricName, src.selector),
        current: pick(src, { averageValue: "currentAverageValue" }),
      };
      break;
    }
    case "Object": {
      const src = obj(m.object) ?? {};
      out.object = {
        describedObject: deepClone(src.target ?? {}),
        metric: identifier(src.metricName, src.selector),
        current: pick(src, { value: "currentValue", averageValue: "averageValue" }),
      };
      break;
    }
    case "External": {
      const src = obj(m.external) ?? {};
      out.external = {
        metric: identifier(src.metricName, src.metricSelector),
        current: pick(src, { value: "currentValue", averageValue: "currentAverageValue" }),
      };
      break;
    }
  }
  return out;
}

/** One v2 metric status in the v1 annotation shape. */
function metricStatusToV1(m: Obj): Obj {
  const type = str(m.type);
  const out: Obj = { type };
  switch (type) {
    case "Resource":
    case "ContainerResource": {
      const key = type === "Resource" ? "resource" : "containerResource";
      const src = obj(m[key]) ?? {};
      const current = obj(src.current) ?? {};
      const res: Obj = {
        name: src.name,
        ...pick(current, { currentAverageUtilization: "averageUtilization" }),
        currentAverageValue: current.averageValue ?? "0",
      };
      if (type === "ContainerResource") res.container = src.container;
      out[key] = res;
      break;
    }
    case "Pods": {
      const src = obj(m.pods) ?? {};
      const metric = obj(src.metric) ?? {};
      out.pods = {
        metricName: metric.name,
        currentAverageValue: obj(src.current)?.averageValue ?? "0",
        ...pick(metric, { selector: "selector" }),
      };
      break;
    }
    case "Object": {
      const src = obj(m.object) ?? {};
      const metric = obj(src.metric) ?? {};
      const current = obj(src.current) ?? {};
      out.object = {
        target: deepClone(src.describedObject ?? {}),
        metricName: metric.name,
        currentValue: current.value ?? "0",
        ...pick(metric, { selector: "selector" }),
        ...pick(current, { averageValue: "averageValue" }),
      };
      break;
    }
    case "External": {
      const src = obj(m.external) ?? {};
      const metric = obj(src.metric) ?? {};
      const current = obj(src.current) ?? {};
      out.external = {
        metricName: metric.name,
        currentValue: current.value ?? "0",
        ...pick(metric, { metricSelector: "selector" }),
        ...pick(current, { currentAverageValue: "averageValue" }),
      };
      break;
    }
  }
  return out;
}

/** Renames every key of a JSON tree: Go field names (`ScaleUp`) to JSON names or back. */
function renameKeys(value: unknown, rename: (key: string) => string): unknown {
  if (Array.isArray(value)) return value.map((v) => renameKeys(v, rename));
  if (!isJsonObject(value)) return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [rename(k), renameKeys(v, rename)]),
  );
}

const toGoName = (k: string) => k.charAt(0).toUpperCase() + k.slice(1);
const toJsonName = (k: string) => k.charAt(0).toLowerCase() + k.slice(1);

function parseAnnotation(value: string | undefined): unknown {
  if (value === undefined) return undefined;
  try {
    return JSON.parse(value);
  } catch {
    return undefined;
  }
}

function isCpuUtilization(m: Obj): boolean {
  const res = obj(m.resource);
  const util = obj(res?.target)?.averageUtilization;
  return m.type === "Resource" && res?.name === "cpu" && typeof util === "number";
}

/** An `autoscaling/v2` object in the `autoscaling/v1` shape. */
export function hpaToV1(v2: KubeObject): KubeObject {
  const spec = obj(v2.spec) ?? {};
  const status = obj(v2.status);
  const metrics = objs(spec.metrics);
  const metadata = deepClone(v2.metadata);
  const annotations: Record<string, string> = { ...(metadata.annotations ?? {}) };
  const outSpec: Obj = pick(spec, {
    scaleTargetRef: "scaleTargetRef",
    minReplicas: "minReplicas",
    maxReplicas: "maxReplicas",
  });
  const cpu = metrics.find((m) => m.type === "Resource" && obj(m.resource)?.name === "cpu");
  const cpuTarget = obj(obj(cpu?.resource)?.target)?.averageUtilization;
  if (typeof cpuTarget === "number") outSpec.targetCPUUtilizationPercentage = cpuTarget;
  const others = metrics.filter((m) => !isCpuUtilization(m));
  if (others.length) annotations[METRICS_ANNOTATION] = JSON.stringify(others.map(metricSpecToV1));
  if (obj(spec.behavior)) {
    annotations[BEHAVIOR_ANNOTATION] = JSON.stringify(renameKeys(spec.behavior, toGoName));
  }
  const out: KubeObject = {
    apiVersion: "autoscaling/v1",
    kind: "HorizontalPodAutoscaler",
    metadata,
    spec: outSpec,
  };
  if (status) {
    const outStatus: Obj = pick(status, {
      observedGeneration: "observedGeneration",
      lastScaleTime: "lastScaleTime",
      currentReplicas: "currentReplicas",
      desiredReplicas: "desiredReplicas",
    });
    outStatus.currentReplicas ??= 0;
    outStatus.desiredReplicas ??= 0;
    const current = objs(status.currentMetrics);
    for (const m of current) {
      const res = obj(m.resource);
      const util = obj(res?.current)?.averageUtilization;
      if (m.type === "Resource" && res?.name === "cpu" && typeof util === "number") {
        outStatus.currentCPUUtilizationPercentage = util;
      }
    }
    if (current.length) {
      annotations[CURRENT_METRICS_ANNOTATION] = JSON.stringify(current.map(metricStatusToV1));
    }
    const conditions = objs(status.conditions);
    if (conditions.length) annotations[CONDITIONS_ANNOTATION] = JSON.stringify(conditions);
    out.status = outStatus;
  }
  if (Object.keys(annotations).length) metadata.annotations = annotations;
  return out;
}

/** An `autoscaling/v1` object in the `autoscaling/v2` shape (the annotations lifted back out). */
export function hpaToV2(v1: KubeObject): KubeObject {
  const spec = obj(v1.spec) ?? {};
  const status = obj(v1.status);
  const metadata = deepClone(v1.metadata);
  const annotations: Record<string, string> = { ...(metadata.annotations ?? {}) };
  const take = (key: string) => {
    const value = parseAnnotation(annotations[key]);
    delete annotations[key];
    return value;
  };
  const otherMetrics = take(METRICS_ANNOTATION);
  const currentMetrics = take(CURRENT_METRICS_ANNOTATION);
  const conditions = take(CONDITIONS_ANNOTATION);
  const behavior = take(BEHAVIOR_ANNOTATION);
  const outSpec: Obj = pick(spec, {
    scaleTargetRef: "scaleTargetRef",
    minReplicas: "minReplicas",
    maxReplicas: "maxReplicas",
  });
  const metrics = objs(otherMetrics).map(metricSpecToV2);
  const cpu = spec.targetCPUUtilizationPercentage;
  if (typeof cpu === "number") {
    metrics.push({
      type: "Resource",
      resource: { name: "cpu", target: { type: "Utilization", averageUtilization: cpu } },
    });
  }
  // v1 used to leave the 80% default to the controller; v2 spells it out.
  if (metrics.length === 0) {
    metrics.push({
      type: "Resource",
      resource: {
        name: "cpu",
        target: { type: "Utilization", averageUtilization: DEFAULT_CPU_UTILIZATION },
      },
    });
  }
  outSpec.metrics = metrics;
  if (isJsonObject(behavior)) outSpec.behavior = renameKeys(behavior, toJsonName);
  const out: KubeObject = {
    apiVersion: "autoscaling/v2",
    kind: "HorizontalPodAutoscaler",
    metadata,
    spec: outSpec,
  };
  if (status) {
    const outStatus: Obj = pick(status, {
      observedGeneration: "observedGeneration",
      lastScaleTime: "lastScaleTime",
      currentReplicas: "currentReplicas",
      desiredReplicas: "desiredReplicas",
    });
    outStatus.desiredReplicas ??= 0;
    if (Array.isArray(currentMetrics)) {
      outStatus.currentMetrics = objs(currentMetrics).map(metricStatusToV2);
    } else if (typeof status.currentCPUUtilizationPercentage === "number") {
      outStatus.currentMetrics = [{
        type: "Resource",
        resource: {
          name: "cpu",
          current: { averageUtilization: status.currentCPUUtilizationPercentage },
        },
      }];
    }
    if (Array.isArray(conditions)) outStatus.conditions = objs(conditions);
    out.status = outStatus;
  }
  if (Object.keys(annotations).length) metadata.annotations = annotations;
  else delete metadata.annotations;
  return out;
}

/** The `convert` hook of the HPA resource: any served version to `toVersion`. */
export function convertHpa(o: KubeObject, toVersion: string): KubeObject {
  const from = String(o.apiVersion ?? "autoscaling/v2");
  if (from === `autoscaling/${toVersion}`) return o;
  return toVersion === "v1" ? hpaToV1(o) : hpaToV2(o);
}

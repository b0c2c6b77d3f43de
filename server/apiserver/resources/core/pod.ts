/**
 * `pods`: the full PodSpec defaults, Pending with a QoS class on create, upstream's update
 * rules, graceful deletion for pods on a node, field selectors, and the pod subresources that
 * handlers elsewhere serve.
 *
 * @module
 */
import type { FieldError } from "../../../../kube/errors.ts";
import { deepClone, type KubeObject } from "../../../../kube/meta.ts";
import type { ResourceDef, SubresourceDef } from "../../resource.ts";
import { field } from "./columns.ts";
import { POD_COLUMNS } from "./pod_columns.ts";
import { podQosClass } from "./pod_qos.ts";
import { defaultPodSpec, validatePodSpec } from "./pod_spec.ts";
import { validatePodUpdate } from "./pod_update.ts";
import { boundCondition } from "./pod_binding.ts";
import { arr, child, forbiddenField, obj, objs, setDefault, str } from "./util.ts";

/** Defaults a pod gets beyond its PodSpec's (upstream's `SetDefaults_Pod`, Priority admission). */
export function defaultPod(pod: KubeObject): void {
  const spec = child(pod, "spec");
  defaultPodSpec(spec);
  for (const c of [...objs(spec.containers), ...objs(spec.initContainers)]) {
    const res = obj(c.resources);
    const limits = obj(res?.limits);
    if (!res || !limits) continue;
    const requests = obj(res.requests) ?? {};
    for (const [k, v] of Object.entries(limits)) if (!(k in requests)) requests[k] = v;
    res.requests = requests;
  }
  if (typeof spec.enableServiceLinks !== "boolean") spec.enableServiceLinks = true;
  if (spec.hostNetwork === true) {
    for (const c of [...objs(spec.containers), ...objs(spec.initContainers)]) {
      for (const p of objs(c.ports)) {
        if (!p.hostPort) p.hostPort = p.containerPort;
      }
    }
  }
  if (typeof spec.priority !== "number" && !str(spec.priorityClassName)) spec.priority = 0;
  setDefault(spec, "preemptionPolicy", "PreemptLowerPriority");
}

const GATED_MESSAGE = "Scheduling is blocked due to non-empty scheduling gates";

function prepareForCreate(pod: KubeObject): void {
  defaultPod(pod);
  const spec = field(pod, "spec");
  const status: Record<string, unknown> = { phase: "Pending", qosClass: podQosClass(spec) };
  if (arr(spec.schedulingGates).length > 0) {
    status.conditions = [{
      type: "PodScheduled",
      status: "False",
      lastProbeTime: null,
      lastTransitionTime: null,
      reason: "SchedulingGated",
      message: GATED_MESSAGE,
    }];
  }
  pod.status = status;
}

function validate(pod: KubeObject): FieldError[] {
  return validatePodSpec(pod.spec, "spec");
}

function validateCreate(pod: KubeObject): FieldError[] {
  const errs = validate(pod);
  if (arr(field(pod, "spec").ephemeralContainers).length > 0) {
    errs.push(forbiddenField("spec.ephemeralContainers", "cannot be set on create"));
  }
  return errs;
}

/** Puts back the PodScheduled condition of a binding (the store carries status over updates). */
function keepBindingCondition(pod: KubeObject): void {
  const condition = boundCondition(pod);
  if (!condition) return;
  const status = child(pod, "status");
  const conditions = objs(status.conditions);
  const at = conditions.findIndex((c) => c.type === "PodScheduled");
  if (at >= 0) conditions[at] = deepClone(condition);
  else conditions.push(deepClone(condition));
  status.conditions = conditions;
}

/**
 * The grace period of a pod deletion: pods bound to a node terminate gracefully (the request's
 * period, else the spec's, else 30); unscheduled or finished pods go at once (null).
 */
export function podGracePeriod(pod: KubeObject, requested: number | undefined): number | null {
  const spec = field(pod, "spec");
  let period = requested ??
    (typeof spec.terminationGracePeriodSeconds === "number"
      ? spec.terminationGracePeriodSeconds
      : 30);
  const phase = str(field(pod, "status").phase);
  if (!str(spec.nodeName) || phase === "Succeeded" || phase === "Failed") period = 0;
  if (period < 0) period = 1;
  return period === 0 ? null : period;
}

/** Subresources served by handlers elsewhere, as upstream's discovery lists them. */
export const POD_SUBRESOURCES: SubresourceDef[] = [
  { name: "attach", kind: "PodAttachOptions", verbs: ["create", "get"] },
  { name: "binding", kind: "Binding", verbs: ["create"] },
  { name: "eviction", kind: "Eviction", group: "policy", version: "v1", verbs: ["create"] },
  { name: "exec", kind: "PodExecOptions", verbs: ["create", "get"] },
  { name: "log", kind: "Pod", verbs: ["get"] },
  { name: "portforward", kind: "PodPortForwardOptions", verbs: ["create", "get"] },
  { name: "proxy", kind: "PodProxyOptions", verbs: ["create", "delete", "get", "patch", "update"] },
];

const spec = (key: string) => (o: KubeObject) => str(field(o, "spec")[key]);
const status = (key: string) => (o: KubeObject) => str(field(o, "status")[key]);

export function podResource(): ResourceDef {
  // The objects being created, so validation can apply the create-only rules.
  const creating = new WeakSet<KubeObject>();
  return {
    group: "",
    versions: ["v1"],
    kind: "Pod",
    plural: "pods",
    singular: "pod",
    namespaced: true,
    shortNames: ["po"],
    categories: ["all"],
    status: true,
    generation: true,
    extraSubresources: POD_SUBRESOURCES,
    strategy: {
      prepareForCreate(pod) {
        creating.add(pod);
        prepareForCreate(pod);
      },
      prepareForUpdate(pod) {
        defaultPod(pod);
        keepBindingCondition(pod);
      },
      validate: (pod) => (creating.has(pod) ? validateCreate(pod) : validate(pod)),
      validateUpdate: (pod, old) => validatePodUpdate(pod, old, boundCondition(pod) !== undefined),
      gracefulDeletion: podGracePeriod,
    },
    columns: POD_COLUMNS,
    fields: {
      "spec.nodeName": spec("nodeName"),
      "spec.restartPolicy": spec("restartPolicy"),
      "spec.schedulerName": spec("schedulerName"),
      "spec.serviceAccountName": spec("serviceAccountName"),
      "spec.hostNetwork": (o) => String(field(o, "spec").hostNetwork === true),
      "status.phase": status("phase"),
      "status.podIP": (o) =>
        str(objs(field(o, "status").podIPs)[0]?.ip) || str(field(o, "status").podIP),
      "status.nominatedNodeName": status("nominatedNodeName"),
    },
  };
}

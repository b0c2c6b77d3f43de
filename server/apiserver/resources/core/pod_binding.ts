/**
 * `pods/binding`: assigning a pending pod to a node, as the scheduler does.
 *
 * @module
 */
import { conflict, type FieldError, invalid } from "../../../../kube/errors.ts";
import { deepClone, formatTime, type KubeObject } from "../../../../kube/meta.ts";
import { field } from "./columns.ts";
import { child, notSupported, objs, required, str } from "./util.ts";

const BINDING = { group: "", resource: "pods/binding" };

/**
 * Marks a pod produced by {@link applyBinding}. The binding is written through the generic
 * store as an update of the pod, which would otherwise refuse a nodeName change and reset
 * status; the pod strategy reads this mark to let exactly the binding through. A symbol key
 * is never serialized, so the mark cannot come from a client.
 */
const BOUND: unique symbol = Symbol("pods/binding");

/** The PodScheduled condition a binding set, when `pod` came from {@link applyBinding}. */
export function boundCondition(pod: KubeObject): Record<string, unknown> | undefined {
  return (pod as { [BOUND]?: Record<string, unknown> })[BOUND];
}

/** Field errors of a Binding body (upstream's `ValidatePodBinding`). */
export function validateBinding(binding: KubeObject): FieldError[] {
  const target = field(binding, "target");
  const errs: FieldError[] = [];
  const kind = str(target.kind);
  if (kind && kind !== "Node") errs.push(notSupported("target.kind", kind, ["Node", "<empty>"]));
  if (!str(target.name)) errs.push(required("target.name"));
  return errs;
}

/**
 * The pod bound to `binding.target.name`: spec.nodeName set, the binding's annotations copied
 * and the PodScheduled condition True. Throws 422 for a bad Binding and 409 when the pod is
 * already bound or being deleted.
 */
export function applyBinding(
  pod: KubeObject,
  binding: KubeObject,
  now: Date = new Date(),
): KubeObject {
  const name = pod.metadata.name ?? "";
  const errs = validateBinding(binding);
  if (errs.length) throw invalid("Binding", "", binding.metadata?.name ?? name, errs);
  if (pod.metadata.deletionTimestamp) {
    throw conflict(BINDING, name, `pod ${name} is being deleted, cannot be assigned to a host`);
  }
  const current = str(field(pod, "spec").nodeName);
  if (current) {
    throw conflict(
      BINDING,
      name,
      `pod ${name} is already assigned to node ${JSON.stringify(current)}`,
    );
  }
  const out = deepClone(pod);
  child(out, "spec").nodeName = str(field(binding, "target").name);
  const annotations = binding.metadata?.annotations;
  if (annotations && Object.keys(annotations).length) {
    out.metadata.annotations = { ...(out.metadata.annotations ?? {}), ...annotations };
  }
  const status = child(out, "status");
  const conditions = objs(status.conditions);
  const scheduled = conditions.find((c) => c.type === "PodScheduled");
  if (!scheduled) {
    conditions.push({
      type: "PodScheduled",
      status: "True",
      lastProbeTime: null,
      lastTransitionTime: formatTime(now),
    });
  } else if (scheduled.status !== "True") {
    scheduled.status = "True";
    scheduled.lastTransitionTime = formatTime(now);
    delete scheduled.reason;
    delete scheduled.message;
  }
  status.conditions = conditions;
  Object.defineProperty(out, BOUND, {
    value: deepClone(conditions.find((c) => c.type === "PodScheduled")),
  });
  return out;
}

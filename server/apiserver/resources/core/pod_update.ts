/**
 * What a pod update may change (upstream's `ValidatePodUpdate`): container images,
 * activeDeadlineSeconds (only down), tolerations (only additions), terminationGracePeriodSeconds
 * from negative to 1, and removal of scheduling gates. Anything else is refused.
 *
 * @module
 */
import type { FieldError } from "../../../../kube/errors.ts";
import { deepClone, deepEqual, type KubeObject } from "../../../../kube/meta.ts";
import { field } from "./columns.ts";
import { arr, forbiddenField, invalidField, obj, objs } from "./util.ts";

/** Upstream's message when a pod update touches other fields. */
export const POD_UPDATE_FORBIDDEN =
  "pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)";

/**
 * Field errors for changing `old` into `pod`; `binding` allows setting spec.nodeName on an
 * unbound pod (the pods/binding subresource).
 */
export function validatePodUpdate(pod: KubeObject, old: KubeObject, binding = false): FieldError[] {
  const spec = field(pod, "spec");
  const oldSpec = field(old, "spec");
  if (arr(spec.containers).length !== arr(oldSpec.containers).length) {
    return [forbiddenField("spec.containers", "pod updates may not add or remove containers")];
  }
  const errs: FieldError[] = [];
  const oldDeadline = oldSpec.activeDeadlineSeconds;
  if (typeof oldDeadline === "number") {
    const next = spec.activeDeadlineSeconds;
    if (next === undefined || next === null) {
      errs.push(
        invalidField(
          "spec.activeDeadlineSeconds",
          null,
          "must not update from a positive integer to nil value",
        ),
      );
    } else if (typeof next === "number" && next > oldDeadline) {
      errs.push(
        invalidField(
          "spec.activeDeadlineSeconds",
          next,
          "must be less than or equal to previous value",
        ),
      );
    }
  }
  errs.push(...toleratationErrors(spec.tolerations, oldSpec.tolerations));
  const comparable = deepClone(spec);
  for (const key of ["containers", "initContainers"]) {
    const mine = objs(comparable[key]);
    const theirs = objs(oldSpec[key]);
    if (mine.length !== theirs.length) continue;
    mine.forEach((c, i) => (c.image = theirs[i].image));
  }
  comparable.activeDeadlineSeconds = oldSpec.activeDeadlineSeconds;
  if (binding && !oldSpec.nodeName) comparable.nodeName = oldSpec.nodeName;
  comparable.tolerations = oldSpec.tolerations;
  const oldGrace = oldSpec.terminationGracePeriodSeconds;
  if (typeof oldGrace === "number" && oldGrace < 0 && spec.terminationGracePeriodSeconds === 1) {
    comparable.terminationGracePeriodSeconds = oldGrace;
  }
  const gates = arr(spec.schedulingGates);
  const oldGates = arr(oldSpec.schedulingGates);
  if (gates.every((g) => oldGates.some((o) => deepEqual(o, g)))) {
    comparable.schedulingGates = oldSpec.schedulingGates;
  }
  if (!deepEqual(comparable, oldSpec)) errs.push(forbiddenField("spec", POD_UPDATE_FORBIDDEN));
  return errs;
}

function toleratationErrors(next: unknown, prev: unknown): FieldError[] {
  const errs: FieldError[] = [];
  const mine = objs(next);
  objs(prev).forEach((t, i) => {
    const kept = mine.some((n) => deepEqual(withoutSeconds(n), withoutSeconds(t)));
    if (!kept) {
      errs.push(
        forbiddenField(
          `spec.tolerations[${i}]`,
          "existing toleration can not be modified except its tolerationSeconds",
        ),
      );
    }
  });
  return errs;
}

function withoutSeconds(t: Record<string, unknown>): Record<string, unknown> {
  const copy = { ...t };
  if (obj(copy) && copy.effect === "NoExecute") delete copy.tolerationSeconds;
  return copy;
}

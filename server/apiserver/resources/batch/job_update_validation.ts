/**
 * What an update of a Job may change: completions only for indexed jobs in step with
 * parallelism, nothing of the selector or template (except the scheduling directives of a
 * suspended job that never ran), and none of the policies.
 *
 * @module
 */
import type { FieldError } from "../../../../kube/errors.ts";
import { deepClone, deepEqual, type KubeObject } from "../../../../kube/meta.ts";
import { child, invalidField, type Obj, obj } from "../core/util.ts";
import { immutable, specView, statusView } from "../apps/workload.ts";

const isSet = (v: unknown) => v !== undefined && v !== null;

/** Errors for what an update changes (upstream's `ValidateJobSpecUpdate`). */
export function validateJobUpdate(o: KubeObject, old: KubeObject): FieldError[] {
  const spec = specView(o);
  const oldSpec = specView(old);
  const errs: FieldError[] = [];
  // Indexed jobs may change completions together with parallelism (elastic indexed jobs).
  if (spec.completionMode === "Indexed") {
    if (!deepEqual(spec.completions, oldSpec.completions) && isSet(spec.completions)) {
      if (spec.completions !== spec.parallelism) {
        errs.push(
          invalidField(
            "spec.completions",
            spec.completions,
            "can only be modified in tandem with spec.parallelism",
          ),
        );
      }
    }
  } else errs.push(...immutable("spec.completions", spec.completions, oldSpec.completions));
  errs.push(...immutable("spec.selector", spec.selector, oldSpec.selector));
  const suspendedNeverStarted = oldSpec.suspend === true && !isSet(statusView(old).startTime);
  const compareTo = suspendedNeverStarted
    ? withSchedulingDirectives(oldSpec.template, spec.template)
    : oldSpec.template;
  errs.push(...immutable("spec.template", spec.template, compareTo));
  for (
    const key of [
      "completionMode",
      "podFailurePolicy",
      "backoffLimitPerIndex",
      "managedBy",
      "successPolicy",
    ]
  ) {
    errs.push(...immutable(`spec.${key}`, spec[key], oldSpec[key]));
  }
  return errs;
}

/**
 * The old template with the new one's scheduling directives (node selector and affinity,
 * tolerations, scheduling gates, labels, annotations), which a suspended job that never ran may
 * change.
 */
function withSchedulingDirectives(oldTemplate: unknown, template: unknown): Obj {
  const out = deepClone(obj(oldTemplate) ?? {});
  const next = obj(template) ?? {};
  const nextSpec = obj(next.spec) ?? {};
  const spec = child(out, "spec");
  const affinity = obj(nextSpec.affinity);
  const oldAffinity = obj(spec.affinity);
  if (!affinity && oldAffinity) {
    delete oldAffinity.nodeAffinity;
    if (Object.keys(oldAffinity).length === 0) delete spec.affinity;
  } else if (affinity && !oldAffinity) {
    spec.affinity = isSet(affinity.nodeAffinity) ? { nodeAffinity: affinity.nodeAffinity } : {};
  } else if (affinity && oldAffinity) {
    copyField(affinity, oldAffinity, "nodeAffinity");
  }
  for (const key of ["nodeSelector", "tolerations", "schedulingGates"]) {
    copyField(nextSpec, spec, key);
  }
  const meta = child(out, "metadata");
  for (const key of ["labels", "annotations"]) copyField(obj(next.metadata) ?? {}, meta, key);
  return out;
}

function copyField(from: Obj, to: Obj, key: string): void {
  if (from[key] === undefined) delete to[key];
  else to[key] = deepClone(from[key]);
}

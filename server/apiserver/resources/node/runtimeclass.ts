/**
 * `node.k8s.io/v1` RuntimeClasses: a named container runtime configuration (`handler`) pods can
 * ask for, with the fixed pod overhead and the node scheduling constraints it brings. The handler
 * is a DNS label and never changes.
 *
 * @module
 */
import type { FieldError } from "../../../../kube/errors.ts";
import { isDNS1123Label, validateLabels } from "../../../../kube/labels.ts";
import type { KubeObject } from "../../../../kube/meta.ts";
import type { ResourceDef } from "../../resource.ts";
import { immutable } from "../apps/workload.ts";
import { toQuantity } from "../core/quantity.ts";
import { checkEnum, invalidField, obj, objs, required } from "../core/util.ts";

const TOLERATION_OPERATORS = ["Equal", "Exists"];
const TAINT_EFFECTS = ["NoExecute", "NoSchedule", "PreferNoSchedule"];

/** Errors for a runtime class (upstream's `ValidateRuntimeClass`). */
export function validateRuntimeClass(o: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  const handler = o.handler;
  if (typeof handler !== "string" || handler === "") errs.push(required("handler"));
  else for (const msg of isDNS1123Label(handler)) errs.push(invalidField("handler", handler, msg));
  for (const [name, value] of Object.entries(obj(obj(o.overhead)?.podFixed) ?? {})) {
    const q = toQuantity(value);
    const field = `overhead.podFixed[${name}]`;
    if (!q) errs.push(invalidField(field, value, "must be a valid quantity"));
    else if (q.sign() < 0) {
      errs.push(invalidField(field, value, "must be greater than or equal to 0"));
    }
  }
  const scheduling = obj(o.scheduling);
  if (scheduling) {
    const selector = obj(scheduling.nodeSelector);
    if (selector) {
      errs.push(
        ...validateLabels(selector as Record<string, string>, "scheduling.nodeSelector"),
      );
    }
    objs(scheduling.tolerations).forEach((t, i) => {
      const path = `scheduling.tolerations[${i}]`;
      errs.push(...checkEnum(t.operator, TOLERATION_OPERATORS, `${path}.operator`, false));
      errs.push(...checkEnum(t.effect, TAINT_EFFECTS, `${path}.effect`, false));
      if (t.operator === "Exists" && typeof t.value === "string" && t.value !== "") {
        errs.push(
          invalidField(
            `${path}.operator`,
            t.value,
            "value must be empty when `operator` is 'Exists'",
          ),
        );
      }
    });
  }
  return errs;
}

export const runtimeClasses: ResourceDef = {
  group: "node.k8s.io",
  versions: ["v1"],
  kind: "RuntimeClass",
  plural: "runtimeclasses",
  singular: "runtimeclass",
  namespaced: false,
  strategy: {
    validate: validateRuntimeClass,
    validateUpdate: (o, old) => immutable("handler", o.handler, old.handler),
  },
  columns: [{
    name: "Handler",
    type: "string",
    description:
      "handler specifies the underlying runtime and configuration that the CRI implementation will use to handle pods of this class.",
    cell: (o) => (typeof o.handler === "string" ? o.handler : ""),
  }],
};

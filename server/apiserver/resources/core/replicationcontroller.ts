/**
 * `replicationcontrollers`: replicas 1 and selector from the template labels by default, the
 * template validated as a pod template that must restart Always, and a `scale` subresource.
 *
 * @module
 */
import type { FieldError } from "../../../../kube/errors.ts";
import type { KubeObject } from "../../../../kube/meta.ts";
import { selectorFromSet } from "../../../../kube/labels.ts";
import { validateLabels } from "../../../../kube/labels_validation.ts";
import type { ResourceDef } from "../../resource.ts";
import { AGE_COLUMN, column, containersAndImages, field, formatLabels, wide } from "./columns.ts";
import { defaultPodTemplateSpec, validatePodTemplateSpec } from "./pod_spec.ts";
import {
  checkNonNegative,
  child,
  forbiddenField,
  invalidField,
  notSupported,
  obj,
  required,
} from "./util.ts";

function prepare(o: KubeObject): void {
  const spec = child(o, "spec");
  if (typeof spec.replicas !== "number") spec.replicas = 1;
  const template = obj(spec.template);
  if (!template) return;
  defaultPodTemplateSpec(template);
  const labels = obj(obj(template.metadata)?.labels);
  if (labels) {
    if (Object.keys(obj(spec.selector) ?? {}).length === 0) spec.selector = { ...labels };
    if (Object.keys(o.metadata.labels ?? {}).length === 0) {
      o.metadata.labels = { ...labels } as Record<string, string>;
    }
  }
}

function validate(o: KubeObject): FieldError[] {
  const spec = field(o, "spec");
  const errs: FieldError[] = [];
  const selector = (obj(spec.selector) ?? {}) as Record<string, string>;
  if (Object.keys(selector).length === 0) errs.push(required("spec.selector"));
  errs.push(...validateLabels(selector, "spec.selector"));
  errs.push(...checkNonNegative(spec.replicas, "spec.replicas"));
  errs.push(...checkNonNegative(spec.minReadySeconds, "spec.minReadySeconds"));
  const template = obj(spec.template);
  if (!template) return [...errs, required("spec.template")];
  const labels = (obj(obj(template.metadata)?.labels) ?? {}) as Record<string, string>;
  if (Object.keys(selector).length > 0 && !selectorFromSet(selector).matches(labels)) {
    errs.push(
      invalidField(
        "spec.template.metadata.labels",
        labels,
        "`selector` does not match template `labels`",
      ),
    );
  }
  errs.push(...validatePodTemplateSpec(template, "spec.template"));
  const podSpec = obj(template.spec) ?? {};
  if (podSpec.restartPolicy !== "Always") {
    errs.push(
      notSupported("spec.template.spec.restartPolicy", podSpec.restartPolicy ?? "", ["Always"]),
    );
  }
  if (podSpec.activeDeadlineSeconds !== undefined && podSpec.activeDeadlineSeconds !== null) {
    errs.push(
      forbiddenField(
        "spec.template.spec.activeDeadlineSeconds",
        "activeDeadlineSeconds in ReplicationController is not Supported",
      ),
    );
  }
  return errs;
}

const num = (o: KubeObject, part: string, key: string) => Number(field(o, part)[key] ?? 0);

export function replicationControllerResource(): ResourceDef {
  return {
    group: "",
    versions: ["v1"],
    kind: "ReplicationController",
    plural: "replicationcontrollers",
    singular: "replicationcontroller",
    namespaced: true,
    shortNames: ["rc"],
    categories: ["all"],
    status: true,
    generation: true,
    scale: {
      specReplicasPath: ["spec", "replicas"],
      statusReplicasPath: ["status", "replicas"],
      labelSelectorPath: ["status", "selector"],
    },
    strategy: {
      prepareForCreate(o) {
        o.status = { replicas: 0 };
        prepare(o);
      },
      prepareForUpdate: prepare,
      validate,
    },
    columns: [
      column("Desired", (o) => num(o, "spec", "replicas"), {
        type: "integer",
        description: "Replicas is the number of desired replicas.",
      }),
      column("Current", (o) => num(o, "status", "replicas"), {
        type: "integer",
        description: "Replicas is the most recently observed number of replicas.",
      }),
      column("Ready", (o) => num(o, "status", "readyReplicas"), {
        type: "integer",
        description: "The number of ready replicas for this replication controller.",
      }),
      AGE_COLUMN,
      wide(
        "Containers",
        (o) => containersAndImages(obj(field(o, "spec").template)?.spec).names,
        "Names of each container in the template.",
      ),
      wide(
        "Images",
        (o) => containersAndImages(obj(field(o, "spec").template)?.spec).images,
        "Images referenced by each container in the template.",
      ),
      wide(
        "Selector",
        (o) => formatLabels(field(o, "spec").selector),
        "Selector is a label query over pods that should match the Replicas count.",
      ),
    ],
  };
}

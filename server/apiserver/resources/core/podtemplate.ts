/**
 * `podtemplates`: a stored PodTemplateSpec, defaulted and validated as workload templates are.
 *
 * @module
 */
import type { ResourceDef } from "../../resource.ts";
import { column, containersAndImages, formatLabels } from "./columns.ts";
import { defaultPodTemplateSpec, validatePodTemplateSpec } from "./pod_spec.ts";
import { child, obj } from "./util.ts";

export function podTemplateResource(): ResourceDef {
  const prepare = (o: Record<string, unknown>) => defaultPodTemplateSpec(child(o, "template"));
  return {
    group: "",
    versions: ["v1"],
    kind: "PodTemplate",
    plural: "podtemplates",
    singular: "podtemplate",
    namespaced: true,
    strategy: {
      prepareForCreate: prepare,
      prepareForUpdate: prepare,
      validate: (o) => validatePodTemplateSpec(o.template, "template"),
    },
    columns: [
      column("Containers", (o) => containersAndImages(obj(o.template)?.spec).names, {
        description: "Names of each container in the template.",
      }),
      column("Images", (o) => containersAndImages(obj(o.template)?.spec).images, {
        description: "Images referenced by each container in the template.",
      }),
      column("Pod Labels", (o) => formatLabels(obj(obj(o.template)?.metadata)?.labels), {
        description: "The labels for the pod template.",
      }),
    ],
  };
}

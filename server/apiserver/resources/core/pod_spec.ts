/**
 * PodSpec defaulting and validation shared by pods, pod templates and every workload resource
 * (apps, batch): import these four names from here.
 *
 * @module
 */
export { defaultPodSpec, defaultPodTemplateSpec, defaultPullPolicy } from "./pod_spec_defaults.ts";
export { validatePodSpec, validatePodTemplateSpec } from "./pod_spec_validation.ts";

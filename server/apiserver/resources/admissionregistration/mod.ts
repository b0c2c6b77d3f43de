/**
 * The `admissionregistration.k8s.io` API group: webhook configurations and validating admission
 * policies with their bindings. (Calling the webhooks and evaluating the policies is admission's
 * job, not the API's.)
 *
 * @module
 */
import type { ResourceDef } from "../../resource.ts";
import { validatingAdmissionPolicies, validatingAdmissionPolicyBindings } from "./policies.ts";
import { mutatingWebhookConfigurations, validatingWebhookConfigurations } from "./webhooks.ts";

export {
  mutatingWebhookConfigurations,
  validatingAdmissionPolicies,
  validatingAdmissionPolicyBindings,
  validatingWebhookConfigurations,
};

export const resources: ResourceDef[] = [
  mutatingWebhookConfigurations,
  validatingWebhookConfigurations,
  validatingAdmissionPolicies,
  validatingAdmissionPolicyBindings,
];

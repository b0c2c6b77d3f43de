/**
 * The admission chain of the API server, in upstream's order (kube-apiserver's
 * `AllOrderedPlugins`, the plugins K3s enables): NamespaceLifecycle, LimitRanger,
 * ServiceAccount, NodeRestriction, PodSecurity, Priority, DefaultTolerationSeconds,
 * MutatingAdmissionWebhook, ValidatingAdmissionPolicy, ValidatingAdmissionWebhook, ResourceQuota.
 * Every mutating step runs before any validating one. A first step gives pods the defaults
 * upstream applies while decoding, before admission.
 *
 * @module
 */
import type { AdmissionPlugin } from "../app.ts";
import type { Registry } from "../registry.ts";
import { defaultTolerationSeconds } from "./default_toleration_seconds.ts";
import { limitRanger } from "./limit_ranger.ts";
import { namespaceLifecycle } from "./namespace_lifecycle.ts";
import { nodeRestriction } from "./node_restriction.ts";
import { podDefaults } from "./pod_defaults.ts";
import { podSecurity, type PodSecurityOptions } from "./pod_security.ts";
import { priority } from "./priority.ts";
import { resourceQuota } from "./resource_quota.ts";
import { serviceAccount, type ServiceAccountOptions } from "./service_account.ts";
import { validatingAdmissionPolicy } from "./validating_policy.ts";
import { mutatingWebhook, validatingWebhook } from "./webhook.ts";

export { auditAnnotations } from "./attributes.ts";

export interface AdmissionOptions {
  podSecurity?: PodSecurityOptions;
  serviceAccount?: ServiceAccountOptions;
}

/** The plugins `k3s server` runs. */
export function admissionPlugins(
  registry: Registry,
  opts: AdmissionOptions = {},
): AdmissionPlugin[] {
  return [
    podDefaults(),
    namespaceLifecycle(registry),
    limitRanger(registry),
    serviceAccount(registry, opts.serviceAccount),
    nodeRestriction(registry),
    podSecurity(registry, opts.podSecurity),
    priority(registry),
    defaultTolerationSeconds(),
    mutatingWebhook(registry),
    validatingAdmissionPolicy(registry),
    validatingWebhook(registry),
    resourceQuota(registry),
  ];
}

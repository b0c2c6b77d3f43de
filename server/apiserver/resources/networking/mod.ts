/**
 * The `networking.k8s.io` API group: ingresses, ingress classes and network policies.
 *
 * @module
 */
import type { ResourceDef } from "../../resource.ts";
import { ingresses } from "./ingress.ts";
import { ingressClasses } from "./ingressclass.ts";
import { networkPolicies } from "./networkpolicy.ts";

export { ingressClasses, ingresses, networkPolicies };
export { DEFAULT_INGRESS_CLASS_ANNOTATION, INGRESS_CLASS_ANNOTATION } from "./ingress.ts";

export const resources: ResourceDef[] = [ingresses, ingressClasses, networkPolicies];

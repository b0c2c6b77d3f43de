/**
 * The core (`""` group, `v1`) resources: one {@link ResourceDef} each, built from the server's
 * {@link CoreDeps} (service CIDR, node-port range, and the atomic claims behind allocation).
 *
 * @module
 */
import type { ResourceDef } from "../../resource.ts";
import { Allocator, type CoreDeps } from "./allocator.ts";
import { configMapResource } from "./configmap.ts";
import { endpointsResource } from "./endpoints.ts";
import { eventResource } from "./event.ts";
import { namespaceResource } from "./namespace.ts";
import { nodeResource } from "./node.ts";
import { persistentVolumeResource } from "./persistentvolume.ts";
import { persistentVolumeClaimResource } from "./persistentvolumeclaim.ts";
import { podResource } from "./pod.ts";
import { podTemplateResource } from "./podtemplate.ts";
import { limitRangeResource, resourceQuotaResource } from "./quota.ts";
import { replicationControllerResource } from "./replicationcontroller.ts";
import { secretResource } from "./secret.ts";
import { serviceResource } from "./service.ts";
import { serviceAccountResource } from "./serviceaccount.ts";

export type { ClaimKind, CoreDeps } from "./allocator.ts";
export { applyBinding, validateBinding } from "./pod_binding.ts";
export {
  defaultPodSpec,
  defaultPodTemplateSpec,
  validatePodSpec,
  validatePodTemplateSpec,
} from "./pod_spec.ts";
export { podGracePeriod } from "./pod.ts";

/** Every core/v1 resource the API server serves. Throws when `serviceCidr` is malformed. */
export function coreResources(deps: CoreDeps): ResourceDef[] {
  const alloc = new Allocator(deps);
  return [
    configMapResource(),
    endpointsResource(),
    eventResource(),
    limitRangeResource(),
    namespaceResource(),
    nodeResource(),
    persistentVolumeClaimResource(),
    persistentVolumeResource(),
    podResource(),
    podTemplateResource(),
    replicationControllerResource(),
    resourceQuotaResource(),
    secretResource(),
    serviceAccountResource(),
    serviceResource(alloc),
  ];
}

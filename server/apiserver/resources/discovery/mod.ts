/**
 * The `discovery.k8s.io` API group: endpoint slices.
 *
 * @module
 */
import type { ResourceDef } from "../../resource.ts";
import { endpointSlices } from "./endpointslice.ts";

export { endpointSlices };
export { MANAGED_BY_LABEL, SERVICE_NAME_LABEL } from "./endpointslice.ts";

export const resources: ResourceDef[] = [endpointSlices];

/**
 * The `apiregistration.k8s.io` API group: APIServices, and the `Local` ones this server keeps for
 * every group-version it serves.
 *
 * @module
 */
import type { ResourceDef } from "../../resource.ts";
import { apiServices } from "./apiservice.ts";

export { apiServices };
export {
  API_SERVICE_PRIORITIES,
  AUTOMANAGED_LABEL,
  localApiService,
  LocalApiServices,
  syncLocalApiServices,
  type SyncResult,
} from "./local.ts";

export const resources: ResourceDef[] = [apiServices];

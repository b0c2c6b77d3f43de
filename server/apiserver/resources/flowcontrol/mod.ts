/**
 * The `flowcontrol.apiserver.k8s.io` API group: flow schemas and priority level configurations,
 * with upstream's mandatory and suggested objects. (Requests are not yet queued by them.)
 *
 * @module
 */
import type { ResourceDef } from "../../resource.ts";
import { flowSchemas } from "./flowschema.ts";
import { priorityLevelConfigurations } from "./prioritylevel.ts";

export { flowSchemas, priorityLevelConfigurations };
export {
  AUTO_UPDATE_ANNOTATION,
  ensureFlowControlBootstrap,
  type FlowControlBootstrapResult,
  MANDATORY_FLOW_SCHEMAS,
  MANDATORY_PRIORITY_LEVELS,
  SUGGESTED_FLOW_SCHEMAS,
  SUGGESTED_PRIORITY_LEVELS,
} from "./bootstrap.ts";

export const resources: ResourceDef[] = [flowSchemas, priorityLevelConfigurations];

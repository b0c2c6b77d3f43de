/**
 * The `scheduling.k8s.io` API group: priority classes, and the two built-in ones every cluster has.
 *
 * @module
 */
import type { ResourceDef } from "../../resource.ts";
import { priorityClasses } from "./priorityclass.ts";

export { priorityClasses };
export {
  HIGHEST_USER_DEFINABLE_PRIORITY,
  SYSTEM_PRIORITY_CLASS_PREFIX,
  SYSTEM_PRIORITY_CLASSES,
} from "./priorityclass.ts";
export { createIfMissing, ensureSystemPriorityClasses, systemWriter } from "./bootstrap.ts";

export const resources: ResourceDef[] = [priorityClasses];

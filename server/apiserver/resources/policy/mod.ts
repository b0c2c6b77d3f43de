/**
 * The `policy` API group: pod disruption budgets. (Evictions are the `pods/eviction` subresource.)
 *
 * @module
 */
import type { ResourceDef } from "../../resource.ts";
import { podDisruptionBudgets } from "./poddisruptionbudget.ts";

export { podDisruptionBudgets };

export const resources: ResourceDef[] = [podDisruptionBudgets];

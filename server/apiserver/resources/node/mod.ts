/**
 * The `node.k8s.io` API group: runtime classes.
 *
 * @module
 */
import type { ResourceDef } from "../../resource.ts";
import { runtimeClasses } from "./runtimeclass.ts";

export { runtimeClasses };

export const resources: ResourceDef[] = [runtimeClasses];

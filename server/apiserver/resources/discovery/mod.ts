/**
 * The discovery API group's resources.
 *
 * @module
 */
import type { ResourceDef } from "../../resource.ts";

export const resources: ResourceDef[] = [];

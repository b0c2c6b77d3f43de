/**
 * The `coordination.k8s.io` API group: leases.
 *
 * @module
 */
import type { ResourceDef } from "../../resource.ts";
import { leases } from "./lease.ts";

export { leases };

export const resources: ResourceDef[] = [leases];

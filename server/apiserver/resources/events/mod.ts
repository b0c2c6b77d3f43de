/**
 * The `events.k8s.io` API group: events in their structured shape.
 *
 * @module
 */
import type { ResourceDef } from "../../resource.ts";
import { events } from "./event.ts";

export { events };

export const resources: ResourceDef[] = [events];

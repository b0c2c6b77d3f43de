/**
 * The `storage.k8s.io` API group: storage classes, CSI drivers and nodes, volume attachments.
 *
 * @module
 */
import type { ResourceDef } from "../../resource.ts";
import { csiDrivers, csiNodes } from "./csi.ts";
import { storageClasses } from "./storageclass.ts";
import { volumeAttachments } from "./volumeattachment.ts";

export { csiDrivers, csiNodes, storageClasses, volumeAttachments };
export { DEFAULT_CLASS_ANNOTATION, isDefaultClass } from "./storageclass.ts";

export const resources: ResourceDef[] = [storageClasses, csiDrivers, csiNodes, volumeAttachments];

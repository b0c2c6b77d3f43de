/**
 * `apiextensions.k8s.io`: CustomResourceDefinitions and the controller that serves them.
 *
 * @module
 */
import type { ResourceDef } from "../../resource.ts";
import { customResourceDefinitions } from "./crd.ts";

export { APIEXTENSIONS_GROUP, CLEANUP_FINALIZER, customResourceDefinitions } from "./crd.ts";
export { CrdController, type CrdControllerOptions } from "./controller.ts";
export { validateCrd } from "./crd_validation.ts";

export const resources: ResourceDef[] = [customResourceDefinitions];

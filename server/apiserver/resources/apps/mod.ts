/**
 * The `apps` API group: deployments, replica sets, stateful sets, daemon sets and controller
 * revisions, each a declaration for the generic store.
 *
 * @module
 */
import type { ResourceDef } from "../../resource.ts";
import { controllerRevisions } from "./controllerrevision.ts";
import { daemonSets } from "./daemonset.ts";
import { deployments } from "./deployment.ts";
import { replicaSets } from "./replicaset.ts";
import { statefulSets } from "./statefulset.ts";

export { controllerRevisions, daemonSets, deployments, replicaSets, statefulSets };
export { TEMPLATE_GENERATION_ANNOTATION } from "./daemonset.ts";

export const resources: ResourceDef[] = [
  deployments,
  replicaSets,
  statefulSets,
  daemonSets,
  controllerRevisions,
];

/**
 * The DaemonSet controller ({@link DaemonSetController}) and its node rules (`nodes.ts`).
 *
 * @module
 */
export { DaemonSetController, REVISION_LABEL, TEMPLATE_GENERATION_LABEL } from "./daemon_set.ts";
export { daemonTolerations, pinnedToNode, shouldRun, targetNode } from "./nodes.ts";

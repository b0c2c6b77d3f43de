/**
 * The Deployment controller ({@link DeploymentController}) and its rules: revisions and
 * annotations (`util.ts`), finding/creating/scaling ReplicaSets (`sync.ts`), the rollout
 * strategies (`rolling.ts`) and status with progress conditions (`progress.ts`).
 *
 * @module
 */
export { DeploymentController } from "./deployment.ts";
export {
  CHANGE_CAUSE,
  DESIRED_REPLICAS,
  MAX_REPLICAS,
  POD_TEMPLATE_HASH,
  Reason,
  REVISION,
  REVISION_HISTORY,
} from "./util.ts";

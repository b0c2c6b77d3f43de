/**
 * The StatefulSet controller ({@link StatefulSetController}).
 *
 * @module
 */
export { claimName, Claims, claimVolumes } from "./claims.ts";
export {
  ordinalOf,
  POD_INDEX_LABEL,
  POD_NAME_LABEL,
  REVISION_LABEL,
  StatefulSetController,
} from "./stateful_set.ts";

/**
 * The ReplicaSet and ReplicationController controllers: one implementation
 * ({@link ReplicaSetController}) for both kinds.
 *
 * @module
 */
export {
  podsToDelete,
  REPLICA_SET_KIND,
  ReplicaSetController,
  type ReplicaSetControllerConfig,
  type ReplicaSetKind,
  REPLICATION_CONTROLLER_KIND,
} from "./replica_set.ts";

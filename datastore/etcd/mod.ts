/**
 * The etcd datastore backend: the Backend interface on a real etcd cluster.
 *
 * @module
 */
export { EtcdBackend, type EtcdBackendOptions } from "./etcd_backend.ts";
export { type EtcdEndpoint, parseEtcdEndpoint } from "./endpoint.ts";

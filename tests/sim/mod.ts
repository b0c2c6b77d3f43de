/**
 * Test-only simulations of cluster members that are not in the product's process: the
 * {@link SimKubelet} (fake nodes, Leases, pods moved to Running, deletions finished); and
 * {@link createNamespace}, which waits until pods may be created in the new namespace.
 *
 * @module
 */
export { pool, SimKubelet, type SimKubeletOptions } from "./kubelet.ts";
export { createNamespace } from "./namespace.ts";

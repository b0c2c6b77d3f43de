/**
 * Test-only simulations of cluster members that are not in the product's process: the
 * {@link SimKubelet} (fake nodes, Leases, pods moved to Running, deletions finished).
 *
 * @module
 */
export { pool, SimKubelet, type SimKubeletOptions } from "./kubelet.ts";

/**
 * The Kubernetes version this distribution serves, in one place.
 *
 * @module
 */

/** The upstream Kubernetes release whose API is served. */
export const KUBERNETES_VERSION = "v1.33.5";

/** The K3s release this follows: `v1.33.5+k3s1`. */
export const K3S_VERSION = `${KUBERNETES_VERSION}+k3s1`;

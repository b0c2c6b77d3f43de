/**
 * The aggregation layer: APIServices with `spec.service` served by extension API servers
 * (metrics-server and the like) through this API server.
 *
 * - {@link Aggregator} (`aggregator.ts`): proxies after authentication and authorization, keeps
 *   the APIServices' `Available` condition, and adds their discovery to `/apis`.
 * - `endpoints.ts`: which endpoint of the Service to dial; `proxy.ts`: the front-proxy request.
 * - {@link ensureExtensionAuthConfigMap} (`auth_configmap.ts`): the configmap backends read to
 *   trust the front proxy.
 *
 * @module
 */
export { Aggregator, type AggregatorOptions } from "./aggregator.ts";
export {
  AUTH_CONFIGMAP,
  ensureExtensionAuthConfigMap,
  extensionAuthData,
} from "./auth_configmap.ts";
export {
  type BackendTarget,
  type Resolution,
  resolveService,
  type ServiceRef,
} from "./endpoints.ts";
export { backendRequest, type BackendTls, forwardedHeaders, identityHeaders } from "./proxy.ts";

/**
 * The K3s supervisor API: `/cacerts`, `/ping` and the join API agents use to get their
 * certificates and configuration, with the node password check and the authorizer that confines
 * the join token to it.
 *
 * @module
 */
export { agentConfig, type AgentConfigInput, goIpNet, nthIp } from "./agent_config.ts";
export {
  JOIN_API_PREFIX,
  JOIN_API_ROLES,
  type JoinApiOptions,
  joinApiRoutes,
  supervisorAuthorizer,
} from "./join_api.ts";
export {
  ensureNodePassword,
  hashNodePassword,
  nodePasswordSecretName,
  verifyNodePassword,
  watchNodeDeletions,
} from "./node_password.ts";
export { type SupervisorRouteOptions, supervisorRoutes } from "./routes.ts";

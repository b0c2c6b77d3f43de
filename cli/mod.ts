/**
 * The `k3s` command line: flag tables, the config types derived from them, and the pure parser
 * that turns argv, environment and config files into a typed config.
 *
 * ```ts
 * import { loadConfig, serverCommand } from "./cli/mod.ts";
 * const loaded = loadConfig(serverCommand, ["--https-listen-port=7443"], Deno.env.toObject(), files);
 * if (loaded.kind === "run") console.log(loaded.config.httpsListenPort); // 7443
 * ```
 *
 * @module
 */
export { type AgentConfig, agentFlags } from "./agent_flags.ts";
export { agentCommand, type CommandSpec, serverCommand } from "./commands.ts";
export type { FileReader } from "./config_file.ts";
export { dispatchAgent, dispatchServer, embeddedAgentConfig } from "./dispatch.ts";
export { CliError, type CliErrorKind } from "./errors.ts";
export type { CamelCase, ConfigOf, FlagSpec } from "./flag.ts";
export { type Invocation, parseInvocation } from "./invocation.ts";
export { loadConfig, type Loaded, type Warn } from "./load.ts";
export type { Env } from "./resolve.ts";
export { type ServerConfig, serverFlags } from "./server_flags.ts";

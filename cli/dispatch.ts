/**
 * Hands a loaded config to the code that runs it: `server/run.ts` (`runServer`) and
 * `agent/run.ts` (`runAgent`), imported dynamically with literal paths so a bundle still
 * includes them and `k3s kubectl` or `--help` never loads them.
 *
 * `agent/run.ts` does not exist yet, so `k3s agent` reports that it is not implemented.
 * `ServerConfig` satisfies `server/config.ts`'s `ServerRunConfig` structurally.
 *
 * @module
 */
import { type AgentConfig, agentFlags } from "./agent_flags.ts";
import { CliError } from "./errors.ts";
import { camelCase } from "./flag.ts";
import type { Env } from "./resolve.ts";
import type { ServerConfig } from "./server_flags.ts";

/** Runs `k3s server`, and its embedded agent unless `disableAgent`; resolves to an exit code. */
export async function dispatchServer(config: ServerConfig): Promise<number> {
  const { runServer } = await import("../server/run.ts");
  return await runServer(config);
}

/** Runs `k3s token …` (cli/token.ts, loaded only for it); resolves to an exit code. */
export async function dispatchToken(args: readonly string[], env: Env): Promise<number> {
  const { runTokenCommand } = await import("./token.ts");
  return await runTokenCommand(args, env);
}

/** Runs `k3s agent`; resolves to an exit code. */
export function dispatchAgent(_config: AgentConfig): Promise<number> {
  return Promise.reject(notImplemented("agent"));
}

/**
 * The config of the agent a server runs in-process: every agent flag takes the server's value
 * of the same flag (both tables share them), and the agent joins this server over loopback
 * with `token` (the server's token once it has generated or read one).
 */
export function embeddedAgentConfig(server: ServerConfig, token: string): AgentConfig {
  const from = server as Record<string, unknown>;
  const config: Record<string, unknown> = {};
  for (const flag of agentFlags) config[camelCase(flag.name)] = from[camelCase(flag.name)];
  config.server = `https://127.0.0.1:${server.httpsListenPort}`;
  config.token = token;
  config.tokenFile = undefined;
  return config as AgentConfig;
}

// Every agent flag must also be a server flag for embeddedAgentConfig to be complete.
type MissingFromServer = Exclude<keyof AgentConfig, keyof ServerConfig>;
true satisfies [MissingFromServer] extends [never] ? true : never;

function notImplemented(command: string): CliError {
  return new CliError(
    "not-implemented",
    `"k3s ${command}" is not implemented yet`,
  );
}

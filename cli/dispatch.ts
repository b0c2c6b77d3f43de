/**
 * Hands a loaded config to the code that runs it: `server/run.ts` (`runServer`) and
 * `agent/run.ts` (`runAgent`), imported dynamically with literal paths so a bundle still
 * includes them and `k3s kubectl` or `--help` never loads them.
 *
 * `ServerConfig` satisfies `server/config.ts`'s `ServerRunConfig` structurally, and
 * `AgentConfig` satisfies `agent/config.ts`'s `AgentRunConfig`.
 *
 * @module
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { type AgentConfig, agentFlags } from "./agent_flags.ts";
import { camelCase } from "./flag.ts";
import { startIdleCollector } from "./idle_gc.ts";
import type { Env } from "./resolve.ts";
import type { ServerConfig } from "./server_flags.ts";

/** Runs `k3s server`, and its embedded agent unless `disableAgent`; resolves to an exit code. */
export async function dispatchServer(config: ServerConfig): Promise<number> {
  const stopCollector = startIdleCollector();
  try {
    // A first start's PKI is made by a child process while the server's modules load.
    const { loadOrCreatePkiIsolated, pkiOptions } = await import("../server/pki/isolated.ts");
    const pki = loadOrCreatePkiIsolated(pkiOptions(config));
    // Awaited by the server (and below); a failure must not count as unhandled meanwhile.
    pki.catch(() => {});
    try {
      const { runServer } = await import("../server/run.ts");
      if (config.disableAgent) return await runServer(config, pki);
      const stop = new AbortController();
      const agent = runEmbeddedAgent(config, stop.signal);
      try {
        return await runServer(config, pki);
      } finally {
        stop.abort();
        await agent;
      }
    } finally {
      // A server that stops early (a bad flag) still waits for the child: leaving it to write
      // the data dir after k3s has exited would race whoever removes or reuses that dir.
      await pki.catch(() => {});
    }
  } finally {
    stopCollector();
  }
}

/**
 * The server's own agent, in-process as K3s runs it: it waits for the server's token file,
 * then joins over loopback with it. A failure is reported; the server keeps serving.
 */
async function runEmbeddedAgent(config: ServerConfig, signal: AbortSignal): Promise<void> {
  const tokenFile = join(config.dataDir, "server", "token");
  let token = "";
  while (!signal.aborted && !token) {
    token = (await readFile(tokenFile, "utf8").catch(() => "")).trim();
    if (!token) await new Promise((r) => setTimeout(r, 200));
  }
  if (signal.aborted) return;
  try {
    const { runAgent } = await import("../agent/run.ts");
    await runAgent(embeddedAgentConfig(config, token), { controlPlane: true, signal });
  } catch (error) {
    if (!signal.aborted) {
      console.error(`${new Date().toISOString()} ERROR [agent] ${(error as Error).message}`);
    }
  }
}

/** Runs `k3s token …` (cli/token.ts, loaded only for it); resolves to an exit code. */
export async function dispatchToken(args: readonly string[], env: Env): Promise<number> {
  const { runTokenCommand } = await import("./token.ts");
  return await runTokenCommand(args, env);
}

/** Runs `k3s certificate …` (cli/certificate.ts, loaded only for it); resolves to an exit code. */
export async function dispatchCertificate(args: readonly string[], env: Env): Promise<number> {
  const { runCertificateCommand } = await import("./certificate.ts");
  return await runCertificateCommand(args, env);
}

/** Runs `k3s secrets-encrypt …` (cli/secrets_encrypt.ts, loaded only for it); resolves to an exit code. */
export async function dispatchSecretsEncrypt(args: readonly string[], env: Env): Promise<number> {
  const { runSecretsEncryptCommand } = await import("./secrets_encrypt.ts");
  return await runSecretsEncryptCommand(args, env);
}

/** Runs `k3s agent`; resolves to an exit code. */
export async function dispatchAgent(config: AgentConfig): Promise<number> {
  const stopCollector = startIdleCollector();
  try {
    const { runAgent } = await import("../agent/run.ts");
    return await runAgent(config);
  } finally {
    stopCollector();
  }
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

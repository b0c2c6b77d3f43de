/**
 * The whole command line of `k3s`, parsed into what to do. Pure: the environment and the files
 * are passed in, problems are thrown as `CliError`, and nothing is printed here.
 *
 * @module
 */
import type { AgentConfig } from "./agent_flags.ts";
import { agentCommand, isPlaceholder, serverCommand } from "./commands.ts";
import type { FileReader } from "./config_file.ts";
import { CliError } from "./errors.ts";
import { commandHelp, rootHelp } from "./help.ts";
import { loadConfig, type Warn } from "./load.ts";
import type { Env } from "./resolve.ts";
import type { ServerConfig } from "./server_flags.ts";

/** A loaded config plus what the user should hear about it. */
export interface Run<C> {
  readonly config: C;
  readonly configFiles: readonly string[];
}

/** What `main.ts` is asked to do. */
export type Invocation =
  | { readonly kind: "version" }
  | { readonly kind: "help"; readonly text: string }
  | ({ readonly kind: "server" } & Run<ServerConfig>)
  | ({ readonly kind: "agent" } & Run<AgentConfig>)
  | { readonly kind: "kubectl"; readonly args: readonly string[] }
  | { readonly kind: "token"; readonly args: readonly string[] }
  | { readonly kind: "secrets-encrypt"; readonly args: readonly string[] }
  | { readonly kind: "certificate"; readonly args: readonly string[] };

/**
 * Parses `argv` (without the program name) into an `Invocation`, reading `env` and, through
 * `files`, the config files; warnings go to `warn`.
 */
export function parseInvocation(
  argv: readonly string[],
  env: Env,
  files: FileReader,
  warn: Warn = () => {},
): Invocation {
  let i = 0;
  let debug = false;
  for (; i < argv.length && argv[i].startsWith("-"); i++) {
    const word = argv[i];
    if (word === "--version" || word === "-v") return { kind: "version" };
    if (word === "--help" || word === "-h") return { kind: "help", text: rootHelp() };
    if (word === "--debug" || word === "-debug") debug = true;
    else throw new CliError("unknown-flag", `unknown flag: ${word.split("=")[0]}`);
  }
  const name = argv[i];
  const rest = [...(debug ? ["--debug"] : []), ...argv.slice(i + 1)];
  switch (name) {
    case undefined:
      return { kind: "help", text: rootHelp() };
    case "help":
    case "h":
      return helpFor(argv[i + 1]);
    case "kubectl":
      return { kind: "kubectl", args: argv.slice(i + 1) };
    case "token":
      return { kind: "token", args: argv.slice(i + 1) };
    case "secrets-encrypt":
      return { kind: "secrets-encrypt", args: argv.slice(i + 1) };
    case "certificate":
      return { kind: "certificate", args: argv.slice(i + 1) };
    case "server": {
      const loaded = loadConfig(serverCommand, rest, env, files, warn);
      return loaded.kind === "help"
        ? { kind: "help", text: commandHelp(serverCommand) }
        : { ...loaded, kind: "server" };
    }
    case "agent": {
      const loaded = loadConfig(agentCommand, rest, env, files, warn);
      return loaded.kind === "help"
        ? { kind: "help", text: commandHelp(agentCommand) }
        : { ...loaded, kind: "agent" };
    }
  }
  if (isPlaceholder(name)) throw notImplemented(name);
  throw unknownCommand(name);
}

function helpFor(name: string | undefined): Invocation {
  if (name === undefined) return { kind: "help", text: rootHelp() };
  if (name === serverCommand.name) return { kind: "help", text: commandHelp(serverCommand) };
  if (name === agentCommand.name) return { kind: "help", text: commandHelp(agentCommand) };
  if (name === "kubectl") return { kind: "kubectl", args: ["--help"] };
  if (name === "token") return { kind: "token", args: ["--help"] };
  if (name === "secrets-encrypt") return { kind: "secrets-encrypt", args: ["--help"] };
  if (name === "certificate") return { kind: "certificate", args: ["--help"] };
  if (isPlaceholder(name)) throw notImplemented(name);
  throw unknownCommand(name);
}

function notImplemented(name: string): CliError {
  return new CliError("not-implemented", `"k3s ${name}" is not implemented yet`);
}

function unknownCommand(name: string): CliError {
  return new CliError(
    "unknown-command",
    `unknown command ${JSON.stringify(name)} (run "k3s --help" for the list)`,
  );
}

/**
 * Everything that turns one command's arguments, the environment and the config files into its
 * typed config: argv → config file location → files → per-flag resolution → cross-flag rules.
 *
 * @module
 */
import { parseArgv } from "./argv.ts";
import type { CommandSpec } from "./commands.ts";
import { type FileReader, readConfigFiles } from "./config_file.ts";
import { CliError } from "./errors.ts";
import { camelCase, type ConfigOf, findFlag, type FlagSpec } from "./flag.ts";
import { type Env, resolveFlags } from "./resolve.ts";

/** The outcome of loading a command's config. */
export type Loaded<C> =
  | { readonly kind: "help" }
  | {
    readonly kind: "run";
    readonly config: C;
    /** Config files that were read, in merge order. */
    readonly configFiles: readonly string[];
  };

/** Receives things worth telling the user that do not stop the command (unknown config keys). */
export type Warn = (message: string) => void;

/**
 * Loads the config of `command` from `argv` (the words after the command name), `env` and the
 * config files read through `files`. Pure: it throws `CliError`, hands warnings to `warn` as
 * soon as they are known (so they are seen even when a later value is rejected), and never
 * prints or exits.
 */
export function loadConfig<F extends readonly FlagSpec[]>(
  command: CommandSpec<F>,
  argv: readonly string[],
  env: Env,
  files: FileReader,
  warn: Warn = () => {},
): Loaded<ConfigOf<F>> {
  const parsed = parseArgv(command.flags, argv);
  if (parsed.help) return { kind: "help" };

  // The config file's own location: --config, else $K3S_CONFIG_FILE, else the default. (K3s
  // itself lets the variable win over the flag; here the usual flag-over-environment rule holds.)
  const configFlag = findFlag(command.flags, "config");
  const fromArgv = parsed.values.get("config")?.at(-1);
  const fromEnv = configFlag?.env ? env[configFlag.env] || undefined : undefined;
  const defaultPath = configFlag?.type === "string" ? configFlag.default : undefined;
  const path = fromArgv ?? fromEnv ?? defaultPath;
  const fromFiles = path === undefined
    ? { values: new Map(), paths: [], warnings: [] }
    : readConfigFiles(path, fromArgv !== undefined || fromEnv !== undefined, command.flags, files);
  fromFiles.warnings.forEach((message) => warn(message));

  const config = resolveFlags(command.flags, parsed, fromFiles.values, env);
  checkRules(command, config);
  return {
    kind: "run",
    config,
    configFiles: fromFiles.paths,
  };
}

function checkRules(command: CommandSpec, config: object): void {
  const fields = config as Record<string, unknown>;
  const isSet = (name: string) => {
    const value = fields[camelCase(name)];
    return Array.isArray(value) ? value.length > 0 : value !== undefined && value !== "" &&
      value !== false;
  };
  for (const [a, b] of command.conflicts) {
    if (isSet(a) && isSet(b)) {
      throw new CliError("conflict", `flags --${a} and --${b} cannot be used together`);
    }
  }
  for (const name of command.required) {
    if (!isSet(name)) {
      const envName = findFlag(command.flags, name)?.env;
      const hint = envName ? ` (or set $${envName})` : "";
      throw new CliError("required", `flag --${name} is required${hint}`);
    }
  }
}

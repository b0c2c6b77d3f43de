/**
 * Turns raw values from the three sources into typed config fields, with K3s's precedence:
 *
 *   command line  >  config file  >  K3S_* environment variable  >  default
 *
 * K3s places the config file's values on the command line ahead of the user's flags, and its
 * flag library applies environment variables as defaults underneath both, so a config file
 * beats the environment. For repeatable (slice) flags the command-line values are appended to
 * the config file's (or, without one, the environment's) values, as in K3s; a default is only
 * used when no source gives any value.
 *
 * @module
 */
import type { ParsedArgv } from "./argv.ts";
import type { FileValue } from "./config_file.ts";
import { formatDuration, parseDuration } from "./duration.ts";
import { invalidValue, type Origin } from "./errors.ts";
import { camelCase, type ConfigOf, type FlagSpec, type SliceFlag } from "./flag.ts";

/** Environment variables, e.g. `Deno.env.toObject()`. An empty value counts as unset. */
export type Env = Readonly<Record<string, string | undefined>>;

interface Raw {
  readonly value: string;
  readonly origin: Origin;
}

/** Builds the config object of `flags` from the command line, config files and environment. */
export function resolveFlags<F extends readonly FlagSpec[]>(
  flags: F,
  argv: ParsedArgv,
  files: ReadonlyMap<string, readonly FileValue[]>,
  env: Env,
): ConfigOf<F> {
  const config: Record<string, unknown> = {};
  for (const flag of flags) {
    const cli = (argv.values.get(flag.name) ?? []).map((value): Raw => ({
      value,
      origin: { from: "flag" },
    }));
    const file = files.get(flag.name);
    const fromFile = (file ?? []).map(({ value, path }): Raw => ({
      value,
      origin: { from: "file", path },
    }));
    const envValue = flag.env ? env[flag.env] : undefined;
    const fromEnv: Raw[] = envValue
      ? [{ value: envValue, origin: { from: "env", name: flag.env! } }]
      : [];
    config[camelCase(flag.name)] = flag.type === "string-slice"
      ? resolveSlice(flag, cli, file ? fromFile : fromEnv)
      : resolveScalar(flag, cli.at(-1) ?? (file ? fromFile.at(-1) : fromEnv[0]));
  }
  // The one place the derived type meets the runtime object: the loop above set exactly one
  // field per flag, named camelCase(flag.name), with the type ValueOf<flag>.
  return config as ConfigOf<F>;
}

function resolveSlice(flag: SliceFlag, cli: Raw[], base: Raw[]): string[] {
  if (cli.length === 0 && base.length === 0) return [...(flag.default ?? [])];
  const items: string[] = [];
  for (const { value, origin } of [...base, ...cli]) {
    const parts = flag.split || origin.from === "env"
      ? value.split(",").map((part) => part.trim()).filter((part) => part !== "")
      : [value];
    for (const part of parts) {
      if (flag.choices && !flag.choices.includes(part)) {
        throw invalidValue(flag.name, part, `must be one of ${flag.choices.join(", ")}`, origin);
      }
      checkValue(flag, part, origin);
      items.push(part);
    }
  }
  return items;
}

function resolveScalar(flag: Exclude<FlagSpec, SliceFlag>, raw: Raw | undefined): unknown {
  if (raw === undefined) return flag.type === "bool" ? false : flag.default;
  const { value, origin } = raw;
  switch (flag.type) {
    case "bool": {
      const parsed = parseBool(value);
      if (parsed === undefined) {
        throw invalidValue(flag.name, value, "must be true or false", origin);
      }
      return parsed;
    }
    case "int": {
      if (!/^[+-]?\d+$/.test(value)) {
        throw invalidValue(flag.name, value, "must be an integer", origin);
      }
      const n = Number(value);
      const [min, max] = flag.range ?? [-Infinity, Infinity];
      if (!Number.isSafeInteger(n) || n < min || n > max) {
        throw invalidValue(flag.name, value, `must be between ${min} and ${max}`, origin);
      }
      return n;
    }
    case "duration": {
      const ms = parseDuration(value);
      if (ms === undefined) {
        throw invalidValue(flag.name, value, "must be a duration such as 90s or 5m", origin);
      }
      return ms;
    }
    case "string": {
      if (flag.choices && !flag.choices.includes(value)) {
        throw invalidValue(flag.name, value, `must be one of ${flag.choices.join(", ")}`, origin);
      }
      checkValue(flag, value, origin);
      return value;
    }
  }
}

function checkValue(flag: FlagSpec, value: string, origin: Origin): void {
  const reason = flag.check?.(value);
  if (reason !== undefined) throw invalidValue(flag.name, value, reason, origin);
}

/** Go's `strconv.ParseBool`. */
function parseBool(value: string): boolean | undefined {
  if (["1", "t", "T", "true", "TRUE", "True"].includes(value)) return true;
  if (["0", "f", "F", "false", "FALSE", "False"].includes(value)) return false;
  return undefined;
}

/** A flag's default as help shows it, or `undefined` when it has none worth showing. */
export function describeDefault(flag: FlagSpec): string | undefined {
  switch (flag.type) {
    case "bool":
      return undefined;
    case "string-slice":
      return flag.default?.length ? flag.default.join(",") : undefined;
    case "duration":
      return flag.default === undefined ? undefined : formatDuration(flag.default);
    default:
      return flag.default === undefined ? undefined : String(flag.default);
  }
}

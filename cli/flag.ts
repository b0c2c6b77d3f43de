/**
 * What a flag is, as data, and the config type derived from a table of flags.
 *
 * A command declares its flags once (see `server_flags.ts`, `agent_flags.ts`); the config object
 * the command runs with is typed as `ConfigOf<typeof thoseFlags>`, so a new flag is a new field
 * without anyone writing it twice.
 *
 * @module
 */

/** Help-text sections, in the order help shows them. */
export const categories = [
  "Config",
  "Logging",
  "Listener",
  "Data",
  "Networking",
  "Kubeconfig",
  "Cluster",
  "Flags",
  "Database",
  "Components",
  "Security",
  "Agent/Node",
  "Agent/Runtime",
  "Agent/Networking",
  "Agent/Flags",
] as const;

/** The help section a flag is listed under. */
export type Category = typeof categories[number];

/** Why a value is not acceptable (shown after the flag name), or `undefined` when it is. */
export type Check = (value: string) => string | undefined;

interface FlagBase {
  /** Long name without dashes, e.g. `data-dir`; the config field is its camelCase. */
  readonly name: string;
  /** One-letter alias, e.g. `d` for `-d`. */
  readonly short?: string;
  readonly usage: string;
  readonly category: Category;
  /** Environment variable read when neither the command line nor the config file sets the flag. */
  readonly env?: string;
  /** Word shown for the value in help, e.g. `FILE`; `value` when absent. */
  readonly placeholder?: string;
  /** Extra validation of each given value. */
  readonly check?: Check;
}

/** A flag taking one string. */
export interface StringFlag extends FlagBase {
  readonly type: "string";
  readonly default?: string;
  /** The only accepted values. */
  readonly choices?: readonly string[];
}

/** A flag that is on when present; `--flag=false` turns it off. */
export interface BoolFlag extends FlagBase {
  readonly type: "bool";
}

/** A flag taking a decimal integer. */
export interface IntFlag extends FlagBase {
  readonly type: "int";
  readonly default?: number;
  /** Inclusive bounds. */
  readonly range?: readonly [number, number];
}

/** A repeatable flag; its values accumulate. */
export interface SliceFlag extends FlagBase {
  readonly type: "string-slice";
  readonly default?: readonly string[];
  /** Each value may hold several items separated by commas (`--disable=traefik,servicelb`). */
  readonly split?: boolean;
  readonly choices?: readonly string[];
}

/** A flag taking a Go-style duration (`90s`, `1h30m`); its config value is milliseconds. */
export interface DurationFlag extends FlagBase {
  readonly type: "duration";
  /** Milliseconds. */
  readonly default?: number;
}

/** Any flag. */
export type FlagSpec = StringFlag | BoolFlag | IntFlag | SliceFlag | DurationFlag;

/** `data-dir` → `dataDir`. */
export type CamelCase<S extends string> = S extends `${infer Head}-${infer Tail}`
  ? `${Head}${Capitalize<CamelCase<Tail>>}`
  : S;

/** The config field's type for one flag: optional only when the flag has no default. */
export type ValueOf<F extends FlagSpec> = F extends BoolFlag ? boolean
  : F extends SliceFlag ? readonly string[]
  : F extends IntFlag | DurationFlag ? (F extends { default: number } ? number : number | undefined)
  : F extends { default: string } ? string
  : string | undefined;

/** The config object of a command whose flags are `F`. */
export type ConfigOf<F extends readonly FlagSpec[]> = {
  readonly [S in F[number] as CamelCase<S["name"]>]: ValueOf<S>;
};

/** Runtime twin of `CamelCase`. */
export function camelCase(name: string): string {
  return name.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** Finds a flag by long name or one-letter alias. */
export function findFlag(flags: readonly FlagSpec[], name: string): FlagSpec | undefined {
  return flags.find((f) => f.name === name || f.short === name);
}

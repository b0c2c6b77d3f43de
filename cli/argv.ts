/**
 * Splits a command's arguments into raw flag values, K3s style: `--flag value`, `--flag=value`,
 * `-f value`, a bool as `--flag` or `--flag=true|false`; a single dash works for long names too
 * (`-data-dir`, as Go's flag package allows). Values are checked and converted later, in
 * `resolve.ts`, so the same rules apply to values from the environment and config files.
 *
 * `node:util` `parseArgs` is not used: it rejects `--bool=false` and knows no per-flag types.
 *
 * @module
 */
import { CliError } from "./errors.ts";
import { findFlag, type FlagSpec } from "./flag.ts";

/** The command line of one command, before conversion. */
export interface ParsedArgv {
  /** Raw values per long flag name, in the order given. */
  readonly values: ReadonlyMap<string, readonly string[]>;
  /** `--help` or `-h` was given. */
  readonly help: boolean;
}

/** Parses `argv` (the words after the command name) against `flags`. */
export function parseArgv(flags: readonly FlagSpec[], argv: readonly string[]): ParsedArgv {
  const values = new Map<string, string[]>();
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i];
    if (word === "--") {
      if (i + 1 < argv.length) throw unexpected(argv[i + 1]);
      break;
    }
    if (!word.startsWith("-") || word === "-") throw unexpected(word);
    const body = word.replace(/^--?/, "");
    const eq = body.indexOf("=");
    const name = eq === -1 ? body : body.slice(0, eq);
    const inline = eq === -1 ? undefined : body.slice(eq + 1);
    if (name === "help" || name === "h") {
      help = true;
      continue;
    }
    const flag = findFlag(flags, name);
    if (!flag || name === "") {
      throw new CliError("unknown-flag", `unknown flag: ${word.split("=")[0]}`);
    }
    let value: string;
    if (inline !== undefined) {
      value = inline;
    } else if (flag.type === "bool") {
      value = "true";
    } else if (i + 1 < argv.length) {
      value = argv[++i];
    } else {
      throw new CliError("missing-value", `flag --${flag.name} needs a value`);
    }
    const list = values.get(flag.name) ?? [];
    list.push(value);
    values.set(flag.name, list);
  }
  return { values, help };
}

function unexpected(word: string): CliError {
  return new CliError(
    "unexpected-argument",
    `unexpected argument ${JSON.stringify(word)} (flags start with --)`,
  );
}

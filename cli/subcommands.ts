/**
 * The shared shape of K3s's maintenance commands with subcommands (`k3s token`,
 * `k3s secrets-encrypt`, `k3s certificate`): the group's help, finding the subcommand, its
 * flags and its `--help`. Each command declares its group as data and keeps only what it does.
 *
 * @module
 */
import { CliError } from "./errors.ts";
import type { CommandSpec } from "./commands.ts";
import type { FlagSpec } from "./flag.ts";
import { commandHelp } from "./help.ts";
import { parseArgv, type ParsedArgv } from "./argv.ts";

/** One subcommand: its line in the group's help and the names of the flags it takes. */
export interface SubcommandSpec {
  usage: string;
  flags: readonly string[];
}

/** A command with subcommands, as data. */
export interface SubcommandGroup {
  /** e.g. `token`. */
  name: string;
  /** The line after the name in `NAME:`. */
  summary: string;
  subcommands: Record<string, SubcommandSpec>;
  /** Every flag any subcommand takes. */
  flags: readonly FlagSpec[];
}

/** `k3s <group> --help`: the subcommands with their usage lines. */
export function groupHelp(group: SubcommandGroup): string {
  const names = Object.keys(group.subcommands);
  const width = Math.max(...names.map((n) => n.length));
  return [
    "NAME:",
    `   k3s ${group.name} - ${group.summary}`,
    "",
    "USAGE:",
    `   k3s ${group.name} command [command options] [arguments...]`,
    "",
    "COMMANDS:",
    ...Object.entries(group.subcommands).map(([n, s]) => `   ${n.padEnd(width)}  ${s.usage}`),
    "",
  ].join("\n");
}

/** The subcommand picked from the arguments, or the help text to print instead. */
export type Selected =
  | { help: string }
  | { help?: undefined; sub: string; flags: FlagSpec[]; rest: string[]; command: CommandSpec };

/**
 * Finds the subcommand named by `args[0]`: the group's help for none, `help`, `-h` or `--help`;
 * an `unknown-command` error naming the group for anything else not declared.
 */
export function selectSubcommand(group: SubcommandGroup, args: readonly string[]): Selected {
  const [sub, ...rest] = args;
  if (sub === undefined || sub === "--help" || sub === "-h" || sub === "help") {
    return { help: groupHelp(group) };
  }
  const spec = Object.hasOwn(group.subcommands, sub) ? group.subcommands[sub] : undefined;
  if (!spec) {
    throw new CliError(
      "unknown-command",
      `unknown command "${group.name} ${sub}" (run "k3s ${group.name} --help" for the list)`,
    );
  }
  const flags = group.flags.filter((f) => spec.flags.includes(f.name));
  const command: CommandSpec = {
    name: `${group.name} ${sub}`,
    usage: spec.usage,
    flags,
    conflicts: [],
    required: [],
  };
  return { sub, flags, rest, command };
}

/** Parses a subcommand's flag words; the subcommand's help text when `--help` was given. */
export function parseSubcommandFlags(
  selected: Exclude<Selected, { help: string }>,
  words: readonly string[],
): { help: string } | { help?: undefined; parsed: ParsedArgv } {
  const parsed = parseArgv(selected.flags, words);
  return parsed.help ? { help: commandHelp(selected.command) } : { parsed };
}

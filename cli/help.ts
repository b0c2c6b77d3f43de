/**
 * Help texts, in the layout K3s's CLI prints, generated from the command and flag tables.
 *
 * @module
 */
import { commandList, type CommandSpec } from "./commands.ts";
import { categories, type FlagSpec } from "./flag.ts";
import { describeDefault } from "./resolve.ts";
import { k3sVersion } from "./version.ts";

/** `k3s --help`. */
export function rootHelp(): string {
  const commands = [...commandList, [
    "help, h",
    "Shows a list of commands or help for one command",
  ]];
  return [
    "NAME:",
    "   k3s - Kubernetes, but small and simple",
    "",
    "USAGE:",
    "   k3s [global options] command [command options] [arguments...]",
    "",
    "VERSION:",
    `   ${k3sVersion}`,
    "",
    "COMMANDS:",
    ...columns(commands.map(([name, usage]) => [name, usage]), "   "),
    "",
    "GLOBAL OPTIONS:",
    ...columns([["--help, -h", "show help"], ["--version, -v", "print the version"]], "   "),
    "",
  ].join("\n");
}

/** `k3s <command> --help`: every flag, grouped by category, with its default and env var. */
export function commandHelp(command: CommandSpec): string {
  const lines = [
    "NAME:",
    `   k3s ${command.name} - ${command.usage}`,
    "",
    "USAGE:",
    `   k3s ${command.name} [OPTIONS]`,
    "",
    "OPTIONS:",
  ];
  const rows = command.flags.map((flag) => [flagNames(flag), flagUsage(flag)] as const);
  const width = Math.max(...rows.map(([names]) => names.length));
  for (const category of categories) {
    const inCategory = command.flags
      .map((flag, i) => [flag, rows[i]] as const)
      .filter(([flag]) => flag.category === category);
    if (inCategory.length === 0) continue;
    lines.push(`   ${category}:`);
    for (const [, [names, usage]] of inCategory) {
      lines.push(`     ${names.padEnd(width)}  ${usage}`);
    }
    lines.push("");
  }
  lines.push(`     ${"--help, -h".padEnd(width)}  show help`, "");
  return lines.join("\n");
}

function flagNames(flag: FlagSpec): string {
  const value = flag.type === "bool" ? "" : ` ${flag.placeholder ?? "value"}`;
  const short = flag.short ? `, -${flag.short}${value}` : "";
  return `--${flag.name}${value}${short}`;
}

function flagUsage(flag: FlagSpec): string {
  const fallback = describeDefault(flag);
  const shown = fallback === undefined
    ? ""
    : flag.type === "string"
    ? ` (default: ${JSON.stringify(fallback)})`
    : ` (default: ${fallback})`;
  const env = flag.env ? ` [$${flag.env}]` : "";
  return `${flag.usage}${shown}${env}`;
}

function columns(rows: readonly (readonly [string, string])[], indent: string): string[] {
  const width = Math.max(...rows.map(([left]) => left.length));
  return rows.map(([left, right]) => `${indent}${left.padEnd(width)}  ${right}`);
}

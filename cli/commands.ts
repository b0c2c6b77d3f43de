/**
 * The commands of the `k3s` executable, as data: what help lists and what the parser accepts.
 *
 * @module
 */
import { agentConflicts, agentFlags, agentRequired } from "./agent_flags.ts";
import type { FlagSpec } from "./flag.ts";
import { serverConflicts, serverFlags } from "./server_flags.ts";

/** A command that takes flags from the table `flags` and runs with `ConfigOf<F>`. */
export interface CommandSpec<F extends readonly FlagSpec[] = readonly FlagSpec[]> {
  readonly name: string;
  readonly usage: string;
  readonly flags: F;
  /** Pairs of long flag names that cannot both be set. */
  readonly conflicts: readonly (readonly [string, string])[];
  /** Long flag names that must be set. */
  readonly required: readonly string[];
}

export const serverCommand = {
  name: "server",
  usage: "Run management server",
  flags: serverFlags,
  conflicts: serverConflicts,
  required: [],
} as const satisfies CommandSpec;

export const agentCommand = {
  name: "agent",
  usage: "Run node agent",
  flags: agentFlags,
  conflicts: agentConflicts,
  required: agentRequired,
} as const satisfies CommandSpec;

/** Commands K3s has that this distribution does not implement yet, with their K3s usage. */
export const placeholderCommands = {
  "etcd-snapshot": "Manage etcd snapshots",
  "check-config": "Run config check",
  completion: "Install shell completion script",
} as const;

/** Name of a command that only reports it is not implemented yet. */
export type PlaceholderCommand = keyof typeof placeholderCommands;

/** Every command with its one-line usage, in the order top-level help lists them. */
export const commandList: readonly (readonly [string, string])[] = [
  [serverCommand.name, serverCommand.usage],
  [agentCommand.name, agentCommand.usage],
  ["kubectl", "Run kubectl"],
  ["token", "Manage bootstrap tokens"],
  ["secrets-encrypt", "Control secrets encryption and keys rotation"],
  ["certificate", "Manage K3s certificates"],
  ...Object.entries(placeholderCommands).map(([name, usage]) =>
    [name, `${usage} (not implemented yet)`] as const
  ),
];

/** True when `name` is one of the placeholder commands. */
export function isPlaceholder(name: string): name is PlaceholderCommand {
  return Object.hasOwn(placeholderCommands, name);
}

/**
 * The flags of `k3s agent`, and `AgentConfig`, the type derived from them.
 *
 * @module
 */
import {
  configFlag,
  dataDirFlag,
  debugFlag,
  nodeFlags,
  serverUrlFlag,
  tokenFileFlag,
} from "./common_flags.ts";
import type { ConfigOf, FlagSpec } from "./flag.ts";

export const agentFlags = [
  configFlag,
  debugFlag,
  {
    name: "token",
    short: "t",
    type: "string",
    category: "Cluster",
    usage: "Token to use for authentication",
    env: "K3S_TOKEN",
  },
  tokenFileFlag,
  serverUrlFlag("Server to connect to (required)"),
  dataDirFlag("Folder to hold state"),
  ...nodeFlags,
] as const satisfies readonly FlagSpec[];

/** Everything `k3s agent` runs with, one field per flag (camelCase of its name). */
export type AgentConfig = ConfigOf<typeof agentFlags>;

/** Flag pairs that cannot both be set. */
export const agentConflicts = [["token", "token-file"]] as const;

/** Flags that must be set (on the command line, in the environment or in the config file). */
export const agentRequired = ["server"] as const;

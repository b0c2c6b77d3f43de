/**
 * What the host lets the agent do, where that changes containerd's configuration.
 *
 * @module
 */
import { readFile } from "node:fs/promises";

/** CAP_SYS_RESOURCE, needed to lower a process's `oom_score_adj`. */
const CAP_SYS_RESOURCE = 24n;

/**
 * True when this process may lower `oom_score_adj` (it has CAP_SYS_RESOURCE, effective and in
 * its bounding set, so runc started by containerd has it too).
 */
export async function canLowerOomScoreAdj(statusPath = "/proc/self/status"): Promise<boolean> {
  const status = await readFile(statusPath, "utf8");
  return ["CapEff", "CapBnd"].every((field) => {
    const match = new RegExp(`^${field}:\\s*([0-9a-f]+)$`, "m").exec(status);
    return match !== null && ((BigInt(`0x${match[1]}`) >> CAP_SYS_RESOURCE) & 1n) === 1n;
  });
}

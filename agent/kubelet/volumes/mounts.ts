/**
 * tmpfs mounts for memory-backed volumes (secrets, projected tokens, `emptyDir` with
 * `medium: Memory`) and their removal, with the mount table read from `/proc/self/mountinfo`
 * so that a restarted kubelet finds what an earlier one mounted.
 *
 * @module
 */
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { promisify } from "node:util";

const run = promisify(execFile);

/** Decodes the octal escapes of mountinfo paths (`\040` for a space). */
function unescape(path: string): string {
  return path.replace(/\\([0-7]{3})/g, (_, o) => String.fromCharCode(parseInt(o, 8)));
}

/** Mount points at or below `dir`, deepest first. */
export async function mountsUnder(dir: string): Promise<string[]> {
  const table = await readFile("/proc/self/mountinfo", "utf8");
  return table.split("\n")
    .map((line) => line.split(" ")[4])
    .filter((p): p is string => Boolean(p))
    .map(unescape)
    .filter((p) => p === dir || p.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
}

export async function isMountPoint(path: string): Promise<boolean> {
  return (await mountsUnder(path)).includes(path);
}

/** Mounts a tmpfs at `path` unless one is there. */
export async function mountTmpfs(path: string, sizeBytes?: number): Promise<void> {
  if (await isMountPoint(path)) return;
  const options = ["mode=0755", ...(sizeBytes ? [`size=${sizeBytes}`] : [])].join(",");
  await run("mount", ["-t", "tmpfs", "-o", options, "tmpfs", path]);
}

/** Unmounts everything at or below `dir`. */
export async function unmountAll(dir: string): Promise<void> {
  for (const point of await mountsUnder(dir)) {
    try {
      await run("umount", [point]);
    } catch {
      await run("umount", ["-l", point]);
    }
  }
}

/**
 * `k3s --version`: the K3s version this distribution follows, a build id (the git commit of a
 * checkout), and the runtime's version where K3s prints Go's.
 *
 * @module
 */
import type { FileReader } from "./config_file.ts";

/** The K3s release whose behaviour this distribution follows, marked as ours. */
export const k3sVersion = "v1.33.5+k3s1-deno";

/** The two lines `k3s --version` prints. */
export function versionText(buildId: string, runtimeVersion: string): string {
  return `k3s version ${k3sVersion} (${buildId})\ndeno ${runtimeVersion}\n`;
}

/**
 * The short commit of the git checkout at `root` (a plain clone or a worktree), read from the
 * files git keeps, without running git; `dev` when `root` is not a checkout (a compiled binary).
 */
export function gitBuildId(root: string, files: FileReader): string {
  const dotGit = files.readTextFile(`${root}/.git`);
  let gitDir = `${root}/.git`;
  if (dotGit !== undefined) {
    const pointer = /^gitdir: (.+)$/m.exec(dotGit)?.[1];
    if (!pointer) return "dev";
    gitDir = pointer.startsWith("/") ? pointer : `${root}/${pointer}`;
  }
  const head = files.readTextFile(`${gitDir}/HEAD`)?.trim();
  if (!head) return "dev";
  const ref = /^ref: (.+)$/.exec(head)?.[1];
  if (!ref) return shortCommit(head);
  const common = files.readTextFile(`${gitDir}/commondir`)?.trim();
  const dirs = [gitDir];
  if (common) dirs.push(common.startsWith("/") ? common : `${gitDir}/${common}`);
  for (const dir of dirs) {
    const loose = files.readTextFile(`${dir}/${ref}`)?.trim();
    if (loose) return shortCommit(loose);
    const packed = files.readTextFile(`${dir}/packed-refs`)
      ?.split("\n")
      .find((line) => line.endsWith(` ${ref}`));
    if (packed) return shortCommit(packed.split(" ")[0]);
  }
  return "dev";
}

function shortCommit(commit: string): string {
  return /^[0-9a-f]{40,64}$/.test(commit) ? commit.slice(0, 8) : "dev";
}

/**
 * Choosing containerd's snapshotter (`--snapshotter`). overlayfs is the default, as in K3s, but
 * it does not work everywhere (an overlay root filesystem, some old kernels, some container
 * sandboxes), so the agent tries an overlay mount inside containerd's root first:
 *
 * - no `--snapshotter`: overlayfs when the test mount works, otherwise `native` with a warning;
 * - `--snapshotter overlayfs` where it does not work: an error naming the alternative (K3s);
 * - `native`, `btrfs`, `zfs`: taken as given (containerd checks btrfs and zfs itself);
 * - anything else: an error, since Debian's containerd has no other snapshotter built in.
 *
 * @module
 */
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

const BUILT_IN = ["overlayfs", "native", "btrfs", "zfs"];

export interface ChooseSnapshotterOptions {
  /** The `--snapshotter` value, when given. */
  requested?: string;
  /** containerd's root dir: the overlay test runs on its filesystem. */
  root: string;
  /** Told when overlayfs does not work and native is used instead. */
  warn?: (message: string) => void;
  /** The overlay check; {@link overlaySupported} unless replaced (unit tests). */
  check?: (dir: string) => Promise<string | null>;
}

/** The snapshotter to configure, as described in the module doc. */
export async function chooseSnapshotter(options: ChooseSnapshotterOptions): Promise<string> {
  const requested = options.requested?.trim();
  if (requested && !BUILT_IN.includes(requested)) {
    throw new Error(
      `Cannot use snapshotter "${requested}": this containerd has ${BUILT_IN.join(", ")}`,
    );
  }
  if (requested && requested !== "overlayfs") return requested;
  const problem = await (options.check ?? overlaySupported)(options.root);
  if (problem === null) return "overlayfs";
  if (requested) {
    throw new Error(
      `Cannot use snapshotter "overlayfs" in ${options.root}: ${problem}; try --snapshotter native`,
    );
  }
  options.warn?.(
    `overlayfs does not work in ${options.root} (${problem}); using native snapshotter`,
  );
  return "native";
}

/**
 * Mounts a small overlay filesystem under `dir` and unmounts it again. Resolves to null when that
 * works, otherwise to the reason it did not.
 */
export async function overlaySupported(dir: string): Promise<string | null> {
  await mkdir(dir, { recursive: true });
  const base = await mkdtemp(join(dir, "overlay-check-"));
  const [lower, upper, work, merged] = ["lower", "upper", "work", "merged"].map((d) =>
    join(base, d)
  );
  try {
    for (const d of [lower, upper, work, merged]) await mkdir(d);
    const data = `lowerdir=${lower},upperdir=${upper},workdir=${work}`;
    try {
      await run("mount", ["-t", "overlay", "overlay", "-o", data, merged]);
    } catch (error) {
      const stderr = (error as { stderr?: string }).stderr?.trim();
      return stderr || (error as Error).message;
    }
    await run("umount", [merged]);
    return null;
  } finally {
    await rm(base, { recursive: true, force: true });
  }
}

/**
 * Writing generated files so that a reader (containerd, a restarted agent) never sees half of
 * one: write a temporary file beside it, then rename it into place.
 *
 * @module
 */
import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import { dirname } from "node:path";

export interface WriteOptions {
  /** Mode of the file; default 0600 (a config may hold registry credentials). */
  mode?: number;
  /** Mode of directories created on the way; default 0755. */
  dirMode?: number;
}

/** Writes `data` to `path` atomically, creating its directory. */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  options: WriteOptions = {},
): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: options.dirMode ?? 0o755 });
  const temporary = `${path}.${crypto.randomUUID().slice(0, 8)}.tmp`;
  try {
    await writeFile(temporary, data, { mode: options.mode ?? 0o600 });
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

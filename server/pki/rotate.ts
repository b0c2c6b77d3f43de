/**
 * `k3s certificate rotate` on disk, meant to run while the server and agent are stopped: the
 * current files are copied to `<data-dir>/server/tls-<unix time>/` (or `agent/tls-<unix time>/`
 * on an agent), then the chosen services' certificates and keys are removed. The next start
 * issues new ones from the same CAs (`loadOrCreatePki` makes whatever is missing; the agent
 * fetches fresh kubelet certificates when it joins).
 *
 * @module
 */
import { copyFile, cp, mkdir, rm, stat } from "node:fs/promises";
import { basename, join, sep } from "node:path";

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw new Error(`Cannot read ${path}: ${(e as Error).message}`);
  }
}

/**
 * Copies the whole `server/tls` folder, and the agent files among `files`, into a new
 * `tls-<unix seconds>` folder next to them; returns its path.
 */
export async function backupCertificates(
  dataDir: string,
  files: readonly string[],
  now: Date = new Date(),
): Promise<string> {
  const name = `tls-${Math.floor(now.getTime() / 1000)}`;
  const serverDir = join(dataDir, "server");
  const agentDir = join(dataDir, "agent");
  const tlsDir = join(serverDir, "tls");
  const serverTls = await exists(tlsDir);
  const backupDir = join(serverTls ? serverDir : agentDir, name);
  await mkdir(backupDir, { recursive: true, mode: 0o700 });
  if (serverTls) await cp(tlsDir, backupDir, { recursive: true });
  for (const file of files) {
    if (!file.startsWith(agentDir + sep) || !await exists(file)) continue;
    await copyFile(file, join(backupDir, basename(file)));
  }
  return backupDir;
}

/** Removes `files`; returns those that existed. */
export async function removeFiles(files: readonly string[]): Promise<string[]> {
  const removed: string[] = [];
  for (const file of files) {
    if (!await exists(file)) continue;
    await rm(file, { force: true });
    removed.push(file);
  }
  return removed;
}

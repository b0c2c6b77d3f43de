/**
 * Upstream's atomic writer for configMap, secret, downwardAPI and projected volumes: the files
 * live in a timestamped directory `..<time>`, `..data` is a symlink to it, and each visible name
 * is a symlink through `..data`. An update writes a new directory and swaps `..data` with one
 * rename, so a reader never sees half of an update, and running containers see new content.
 *
 * @module
 */
import {
  chmod,
  chown,
  lstat,
  mkdir,
  readdir,
  readFile,
  readlink,
  rename,
  rm,
  symlink,
  writeFile,
} from "node:fs/promises";
import { dirname, join } from "node:path";

export interface PayloadFile {
  content: Uint8Array;
  mode: number;
}

/** Files by relative path (`a`, `dir/b`). */
export type Payload = Map<string, PayloadFile>;

const DATA = "..data";

function same(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** True when two payloads hold the same files with the same modes. */
export function samePayload(a: Payload, b: Payload): boolean {
  if (a.size !== b.size) return false;
  for (const [path, file] of a) {
    const other = b.get(path);
    if (!other || other.mode !== file.mode || !same(file.content, other.content)) return false;
  }
  return true;
}

async function current(dir: string, payload: Payload): Promise<boolean> {
  try {
    const target = await readlink(join(dir, DATA));
    const base = join(dir, target);
    const existing = await listFiles(base);
    if (existing.length !== payload.size) return false;
    for (const [path, file] of payload) {
      const st = await lstat(join(base, path)).catch(() => undefined);
      if (!st || (st.mode & 0o7777) !== file.mode) return false;
      if (!same(await readFile(join(base, path)), file.content)) return false;
    }
    return true;
  } catch {
    return false;
  }
}

async function listFiles(base: string, prefix = ""): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(join(base, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...await listFiles(base, rel));
    else out.push(rel);
  }
  return out;
}

/** Validates a payload path as upstream does: relative, no `..`, not starting with `..`. */
export function checkPayloadPath(path: string): void {
  if (!path || path.startsWith("/") || path.split("/").includes("..") || path.startsWith("..")) {
    throw new Error(
      `Cannot write the volume file "${path}": the path must be relative, without ..`,
    );
  }
}

/**
 * Makes `dir` hold exactly `payload`; returns false when it already did. `gid`, when given,
 * owns the files (a pod's `fsGroup`).
 */
export async function writeAtomically(
  dir: string,
  payload: Payload,
  gid?: number,
): Promise<boolean> {
  for (const path of payload.keys()) checkPayloadPath(path);
  await mkdir(dir, { recursive: true });
  if (await current(dir, payload)) return false;
  const stamp = `..${new Date().toISOString().replace(/[-:]/g, "_")}.${
    crypto.randomUUID().slice(0, 8)
  }`;
  const base = join(dir, stamp);
  await mkdir(base, { mode: 0o755 });
  for (const [path, file] of payload) {
    const target = join(base, path);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, file.content);
    await chmod(target, file.mode);
    if (gid !== undefined) await chown(target, 0, gid);
  }
  let old: string | undefined;
  try {
    old = await readlink(join(dir, DATA));
  } catch {
    old = undefined;
  }
  const tmp = join(dir, `${DATA}_tmp`);
  await rm(tmp, { force: true });
  await symlink(stamp, tmp);
  await rename(tmp, join(dir, DATA));

  const visible = new Set([...payload.keys()].map((p) => p.split("/")[0]));
  for (const name of visible) {
    const link = join(dir, name);
    const st = await lstat(link).catch(() => undefined);
    if (!st) await symlink(join(DATA, name), link);
  }
  for (const entry of await readdir(dir)) {
    if (entry.startsWith("..")) continue;
    if (!visible.has(entry)) await rm(join(dir, entry), { recursive: true, force: true });
  }
  if (old && old !== stamp) await rm(join(dir, old), { recursive: true, force: true });
  return true;
}

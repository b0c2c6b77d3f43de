/**
 * Airgap images: at start, every image tarball in `<data-dir>/agent/images` (`.tar`, `.tar.gz` /
 * `.tgz`, `.tar.zst` / `.tzst`) is imported into containerd's `k8s.io` namespace, where the CRI
 * plugin (and so the kubelet) sees it. Docker archives (`docker save`) and OCI archives both work.
 *
 * The import runs `ctr -a <socket> -n k8s.io images import` (ctr ships with containerd) with the
 * decompressed tarball on its stdin, unpacking into the configured snapshotter. Each file that
 * imported is recorded by name, size and modification time in `.cache.json` beside the
 * tarballs, so a restart skips it; a changed or new file is imported again. Failures are logged
 * and retried at the next start; they do not stop the others.
 *
 * K3s also reads `.tar.bz2` and `.tar.lz4`; Node has no decoder for those, so they are skipped
 * with a warning (decompress them to `.tar`).
 *
 * @module
 */
import { spawn } from "node:child_process";
import { createReadStream } from "node:fs";
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import type { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import * as zlib from "node:zlib";
import type { Logger } from "../../kube/client/log.ts";
import { writeFileAtomic } from "../containerd/files.ts";

export interface AirgapImportOptions {
  /** `<data-dir>/agent/images`. */
  imagesDir: string;
  /** containerd's socket path. */
  address: string;
  /** Unpack into this snapshotter (the one the CRI plugin uses). */
  snapshotter?: string;
  /** The ctr binary; default `ctr` from PATH. */
  ctr?: string;
  /** Where imported files are recorded; default `<imagesDir>/.cache.json`. */
  cacheFile?: string;
  log: Logger;
}

export interface ImportOutcome {
  /** File name inside the images dir. */
  file: string;
  status: "imported" | "skipped" | "failed" | "unsupported";
  /** Image names containerd reported for an imported file. */
  images: string[];
  /** Why it failed. */
  error?: string;
}

interface CacheEntry {
  size: number;
  mtimeMs: number;
}

interface ImportCache {
  version: 1;
  files: Record<string, CacheEntry>;
}

type Decompressor = () => Transform;

const FORMATS: [suffix: string, decompress: Decompressor | null][] = [
  [".tar", null],
  [".tar.gz", () => zlib.createGunzip()],
  [".tgz", () => zlib.createGunzip()],
  [".tar.zst", () => zlib.createZstdDecompress()],
  [".tzst", () => zlib.createZstdDecompress()],
];

const UNSUPPORTED = [".tar.bz2", ".tbz", ".tar.lz4"];

/** Imports the tarballs of `imagesDir` that were not imported before; one outcome per file. */
export async function importAirgapImages(options: AirgapImportOptions): Promise<ImportOutcome[]> {
  let names: string[];
  try {
    names = (await readdir(options.imagesDir)).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
  const cacheFile = options.cacheFile ?? join(options.imagesDir, ".cache.json");
  const cache = await readCache(cacheFile);
  const kept: ImportCache = { version: 1, files: {} };
  const outcomes: ImportOutcome[] = [];
  for (const file of names) {
    const path = join(options.imagesDir, file);
    const info = await stat(path).catch(() => null);
    if (!info?.isFile()) continue;
    const lower = file.toLowerCase();
    if (UNSUPPORTED.some((suffix) => lower.endsWith(suffix))) {
      options.log.warn(`Skipping ${path}: this format is not supported; decompress it to .tar`);
      outcomes.push({ file, status: "unsupported", images: [] });
      continue;
    }
    const format = FORMATS.find(([suffix]) => lower.endsWith(suffix));
    if (!format) continue;
    const entry = { size: info.size, mtimeMs: info.mtimeMs };
    const previous = cache.files[file];
    if (previous?.size === entry.size && previous.mtimeMs === entry.mtimeMs) {
      kept.files[file] = entry;
      options.log.debug(`Images from ${path} were imported before`);
      outcomes.push({ file, status: "skipped", images: [] });
      continue;
    }
    const started = Date.now();
    options.log.info(`Importing images from ${path}`);
    try {
      const images = await ctrImport(path, format[1], options);
      kept.files[file] = entry;
      await writeFileAtomic(cacheFile, JSON.stringify(kept, null, 2) + "\n", { mode: 0o644 });
      for (const image of images) options.log.info(`Imported ${image}`);
      options.log.info(`Imported images from ${path} in ${Date.now() - started} ms`);
      outcomes.push({ file, status: "imported", images });
    } catch (error) {
      const message = (error as Error).message;
      options.log.error(`Cannot import images from ${path}: ${message}`);
      outcomes.push({ file, status: "failed", images: [], error: message });
    }
  }
  await writeFileAtomic(cacheFile, JSON.stringify(kept, null, 2) + "\n", { mode: 0o644 });
  return outcomes;
}

async function readCache(path: string): Promise<ImportCache> {
  try {
    const parsed = JSON.parse(await readFile(path, "utf8"));
    if (parsed?.version === 1 && typeof parsed.files === "object") return parsed;
  } catch {
    // Missing or unreadable: every tarball is imported again, which is harmless.
  }
  return { version: 1, files: {} };
}

/** Streams `path` (decompressed) into `ctr images import -`; resolves to the imported names. */
async function ctrImport(
  path: string,
  decompress: Decompressor | null,
  options: AirgapImportOptions,
): Promise<string[]> {
  const args = ["-a", options.address, "-n", "k8s.io", "images", "import"];
  if (options.snapshotter) args.push("--snapshotter", options.snapshotter);
  args.push("-");
  const child = spawn(options.ctr ?? "ctr", args, { stdio: ["pipe", "pipe", "pipe"] });
  const output: string[] = [];
  const collect = (stream: Readable) => stream.on("data", (chunk) => output.push(String(chunk)));
  collect(child.stdout!);
  collect(child.stderr!);
  const exited = new Promise<number | string>((resolve) => {
    child.once("exit", (code, signal) => resolve(signal ?? code ?? 0));
    child.once("error", (error) => resolve(error.message));
  });
  const source = createReadStream(path);
  try {
    if (decompress) await pipeline(source, decompress(), child.stdin!);
    else await pipeline(source, child.stdin!);
  } catch (error) {
    child.kill("SIGKILL");
    await exited;
    const detail = output.join("").trim();
    throw new Error(`${(error as Error).message}${detail ? ` (ctr: ${detail})` : ""}`);
  }
  const status = await exited;
  const text = output.join("");
  if (status !== 0) {
    throw new Error(`ctr images import failed (${status}): ${text.trim() || "no output"}`);
  }
  return [...text.matchAll(/^unpacking (\S+) \(/gm)].map((match) => match[1])
    .filter((name) => !name.startsWith("sha256:"));
}

/**
 * The audit log backend (`--audit-log-path`): one JSON line per event, into a file or `-`
 * (standard output). Events are encoded at once and buffered, so a slow disk never holds up a
 * request; the buffer is written at least every second, sooner when it grows, and at close.
 * Rotation follows the lumberjack rules kube-apiserver uses: a file that would pass
 * `--audit-log-maxsize` megabytes (100 when 0) is renamed `name-<UTC time>.ext` and a new one
 * started; `--audit-log-maxbackup` keeps that many old files (0: all), `--audit-log-maxage`
 * removes those older than that many days (0: never).
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { mkdir, open, readdir, rename, rm, stat } from "node:fs/promises";
import type { FileHandle } from "node:fs/promises";
import { basename, dirname, extname, join } from "node:path";
import process from "node:process";
import type { AuditEvent, AuditSink } from "./trail.ts";

export interface AuditLogOptions {
  /** A file, or `-` for standard output. */
  path: string;
  /** Megabytes before rotation; 0 means lumberjack's default of 100. */
  maxSizeMb: number;
  /** Old files kept; 0 keeps all. */
  maxBackups: number;
  /** Days an old file is kept; 0 keeps them regardless of age. */
  maxAgeDays: number;
  /** How often the buffer is written; one second unless a test says otherwise. */
  flushIntervalMs?: number;
}

const MB = 1024 * 1024;
/** Written before the interval once this much is waiting. */
const EARLY_FLUSH_BYTES = 256 * 1024;
/** Beyond this much waiting (a disk that stopped), events are dropped and counted. */
const MAX_PENDING_BYTES = 64 * MB;

/** `2006-01-02T15-04-05.000`, lumberjack's backup time format, in UTC. */
function backupStamp(d: Date): string {
  return d.toISOString().replace(/Z$/, "").replaceAll(":", "-");
}

export class AuditLogFile implements AuditSink {
  readonly #opts: AuditLogOptions;
  readonly #maxBytes: number;
  #file: FileHandle | null = null;
  #size = 0;
  #pending: string[] = [];
  #pendingBytes = 0;
  #dropped = 0;
  #writing: Promise<void> = Promise.resolve();
  #early = false;
  #timer: ReturnType<typeof setInterval> | null = null;
  #lastError = "";

  private constructor(opts: AuditLogOptions) {
    this.#opts = opts;
    this.#maxBytes = (opts.maxSizeMb || 100) * MB;
  }

  /** Opens (creating its folder) the log; fails at once when it cannot be written. */
  static async open(opts: AuditLogOptions): Promise<AuditLogFile> {
    const log = new AuditLogFile(opts);
    if (opts.path !== "-") {
      await mkdir(dirname(opts.path), { recursive: true, mode: 0o700 });
      await log.#openFile();
    }
    log.#timer = setInterval(() => log.flush(), opts.flushIntervalMs ?? 1000);
    (log.#timer as unknown as { unref?: () => void }).unref?.();
    return log;
  }

  write(event: AuditEvent): void {
    const line = JSON.stringify(event) + "\n";
    if (this.#pendingBytes + line.length > MAX_PENDING_BYTES) {
      this.#dropped++;
      return;
    }
    this.#pending.push(line);
    this.#pendingBytes += line.length;
    if (this.#pendingBytes >= EARLY_FLUSH_BYTES && !this.#early) {
      this.#early = true;
      queueMicrotask(() => this.flush());
    }
  }

  /** Writes what is buffered; resolves when it is written (writes never overlap). */
  flush(): Promise<void> {
    this.#early = false;
    this.#writing = this.#writing.then(() => this.#drain()).catch((err) => {
      const message = `audit: cannot write ${this.#opts.path}: ${(err as Error).message}`;
      if (message !== this.#lastError) console.error(message);
      this.#lastError = message;
    });
    return this.#writing;
  }

  /** Writes the rest and closes the file. */
  async close(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await this.flush();
    await this.#file?.close();
    this.#file = null;
  }

  async #drain(): Promise<void> {
    if (this.#dropped) {
      console.error(
        `audit: dropped ${this.#dropped} events: the log is not being written fast enough`,
      );
      this.#dropped = 0;
    }
    const lines = this.#pending;
    this.#pending = [];
    this.#pendingBytes = 0;
    if (!lines.length) return;
    if (this.#opts.path === "-") {
      await new Promise<void>((resolve) => process.stdout.write(lines.join(""), () => resolve()));
      return;
    }
    let chunk: Buffer[] = [];
    let chunkBytes = 0;
    const writeChunk = async () => {
      if (!chunk.length) return;
      await this.#file!.write(Buffer.concat(chunk));
      this.#size += chunkBytes;
      chunk = [];
      chunkBytes = 0;
    };
    for (const line of lines) {
      const bytes = Buffer.from(line);
      if (this.#size + chunkBytes + bytes.length > this.#maxBytes && this.#size + chunkBytes > 0) {
        await writeChunk();
        await this.#rotate();
      }
      chunk.push(bytes);
      chunkBytes += bytes.length;
    }
    await writeChunk();
  }

  async #openFile(): Promise<void> {
    this.#file = await open(this.#opts.path, "a", 0o600);
    this.#size = (await stat(this.#opts.path)).size;
  }

  async #rotate(): Promise<void> {
    const path = this.#opts.path;
    await this.#file?.close();
    this.#file = null;
    const ext = extname(path);
    const stem = basename(path, ext);
    await rename(path, join(dirname(path), `${stem}-${backupStamp(new Date())}${ext}`));
    await this.#openFile();
    await this.#removeOld(stem, ext);
  }

  /** Removes backups beyond the count and age limits, oldest first. */
  async #removeOld(stem: string, ext: string): Promise<void> {
    const { maxBackups, maxAgeDays } = this.#opts;
    if (!maxBackups && !maxAgeDays) return;
    const dir = dirname(this.#opts.path);
    const pattern = new RegExp(
      `^${escape(stem)}-(\\d{4}-\\d{2}-\\d{2}T\\d{2}-\\d{2}-\\d{2}\\.\\d{3})${escape(ext)}$`,
    );
    const backups = (await readdir(dir)).flatMap((name) => {
      const m = pattern.exec(name);
      if (!m) return [];
      const [day, time] = m[1].split("T");
      const at = Date.parse(`${day}T${time.replaceAll("-", ":")}Z`);
      return [{ name, at }];
    }).sort((a, b) => b.at - a.at);
    const cutoff = Date.now() - maxAgeDays * 24 * 3600 * 1000;
    for (const [i, b] of backups.entries()) {
      if ((maxBackups && i >= maxBackups) || (maxAgeDays && b.at < cutoff)) {
        await rm(join(dir, b.name), { force: true });
      }
    }
  }
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
